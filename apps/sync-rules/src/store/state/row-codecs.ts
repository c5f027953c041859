import type { AccountState, CompanyState } from '../sync-store.port.js';

/**
 * How a table's rows are stored (as JSON in memory, and in the changelog) when that differs from
 * the rows the rules work with. `fromStored` also reads what earlier versions stored, so a
 * changelog written before a format change still restores.
 */
export interface RowCodec<T> {
  toStored(row: T): unknown;
  fromStored(stored: unknown): T;
}

/**
 * Per-field change times, compactly. A record's fields mostly share one time (a create or a
 * snapshot sets them all at once; a real Salesforce account has about 60 fields), so the plain
 * map repeats one 24-character time per field: about 2.8 KB of a 4 KB account row. Here `all` is
 * the time of every field of the row's values that `at` does not name; `at` groups the other
 * times by time (fields sorted, times in ascending order), so equal maps always store equally
 * (a row written back unchanged is recognised by its stored JSON).
 */
export interface StoredTimes {
  readonly all?: string;
  readonly at?: Readonly<Record<string, readonly string[]>>;
}

export function compactTimes(
  values: Readonly<Record<string, unknown>>,
  times: Readonly<Record<string, string>>,
): StoredTimes {
  // `all` may stand for the most common time of the row's values only if each value has a time.
  // (JSON drops keys whose value is undefined: they are no values of the stored row.)
  let all: string | undefined;
  const counts = new Map<string, number>();
  let everyValueTimed = true;
  for (const k of Object.keys(values)) {
    if (values[k] === undefined) continue;
    if (!Object.hasOwn(times, k)) {
      everyValueTimed = false;
      break;
    }
    const t = times[k] as string;
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  if (everyValueTimed) {
    let best = 0;
    for (const [t, n] of counts) {
      if (n > best || (n === best && all !== undefined && t > all)) [all, best] = [t, n];
    }
  }
  const groups = new Map<string, string[]>();
  for (const field of Object.keys(times)) {
    const t = times[field] as string;
    if (t === all && Object.hasOwn(values, field) && values[field] !== undefined) continue;
    const group = groups.get(t);
    if (group) group.push(field);
    else groups.set(t, [field]);
  }
  const out: { all?: string; at?: Record<string, string[]> } = {};
  if (all !== undefined) out.all = all;
  if (groups.size > 0) {
    out.at = {};
    for (const t of [...groups.keys()].sort()) out.at[t] = (groups.get(t) as string[]).sort();
  }
  return out;
}

export function expandTimes(
  values: Readonly<Record<string, unknown>>,
  stored: StoredTimes,
): Record<string, string> {
  const times: Record<string, string> = {};
  const set = (field: string, t: string) => {
    // (`__proto__` is the one name a plain assignment would not store as an entry.)
    if (field === '__proto__') {
      Object.defineProperty(times, field, {
        value: t,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else times[field] = t;
  };
  if (stored.at !== undefined) {
    for (const t of Object.keys(stored.at)) for (const f of stored.at[t] ?? []) set(f, t);
  }
  const { all } = stored;
  if (all !== undefined) {
    for (const k of Object.keys(values)) if (!Object.hasOwn(times, k)) set(k, all);
  }
  return times;
}

/** The latest of ISO date-times (by time, not text), or null when there are none. */
function latestOf(times: Iterable<string>): string | null {
  let latest: string | null = null;
  let latestMs = -Infinity;
  for (const t of times) {
    const ms = Date.parse(t);
    if (ms > latestMs) [latest, latestMs] = [t, ms];
  }
  return latest;
}

/** The latest of stored times, or null when there are none. */
export function latestTime(stored: StoredTimes | undefined): string | null {
  const times = Object.keys(stored?.at ?? {});
  if (stored?.all !== undefined) times.push(stored.all);
  return latestOf(times);
}

type StoredAccount = Omit<AccountState, 'fieldChangedAt'> & {
  readonly fieldTimes?: StoredTimes;
  /** Before the compact form (changelogs written by earlier versions). */
  readonly fieldChangedAt?: Readonly<Record<string, string>>;
};

type StoredCompany = Omit<CompanyState, 'propertyChangedAt'> & {
  readonly propertyTimes?: StoredTimes;
  readonly propertyChangedAt?: Readonly<Record<string, string>>;
};

export const accountCodec: RowCodec<AccountState> = {
  toStored: ({ fieldChangedAt, ...rest }) => ({
    ...rest,
    fieldTimes: compactTimes(rest.fields, fieldChangedAt),
  }),
  fromStored: (stored) => {
    const { fieldTimes, fieldChangedAt, ...rest } = stored as StoredAccount;
    return {
      ...rest,
      fieldChangedAt: fieldChangedAt ?? expandTimes(rest.fields, fieldTimes ?? {}),
    };
  },
};

export const companyCodec: RowCodec<CompanyState> = {
  toStored: ({ propertyChangedAt, ...rest }) => ({
    ...rest,
    propertyTimes: compactTimes(rest.properties, propertyChangedAt),
  }),
  fromStored: (stored) => {
    const { propertyTimes, propertyChangedAt, ...rest } = stored as StoredCompany;
    return {
      ...rest,
      propertyChangedAt: propertyChangedAt ?? expandTimes(rest.properties, propertyTimes ?? {}),
    };
  },
};

/** The latest change time of a stored account or company row (what the read model keeps). */
export function latestChange(
  stored: Readonly<Record<string, unknown>>,
  timesField: 'fieldTimes' | 'propertyTimes',
  legacyField: 'fieldChangedAt' | 'propertyChangedAt',
): string | null {
  const legacy = stored[legacyField] as Readonly<Record<string, string>> | undefined;
  if (legacy !== undefined) return latestOf(Object.values(legacy));
  return latestTime(stored[timesField] as StoredTimes | undefined);
}
