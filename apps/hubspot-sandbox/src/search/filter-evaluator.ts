import { toEpochMillis, type PropertyType } from '../model/property-registry.js';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Filter {
  readonly propertyName: string;
  readonly operator: Operator;
  readonly value?: string;
  readonly highValue?: string;
  readonly values?: readonly string[];
}

export interface FilterGroup {
  readonly filters: readonly Filter[];
}

/** HubSpot's documented search limits (CRM search guide, "Limitations"). */
export const SEARCH_LIMITS = { maxGroups: 5, maxFiltersPerGroup: 6, maxFiltersTotal: 18 } as const;

/** Resolves a property's type so comparisons are numeric for numbers, dates and datetimes. */
export type TypeOf = (propertyName: string) => PropertyType | undefined;

/** Groups are OR-ed, filters within a group AND-ed; no groups matches everything. */
export function matches(
  properties: Readonly<Record<string, string>>,
  groups: readonly FilterGroup[],
  typeOf: TypeOf,
): boolean {
  if (groups.length === 0) return true;
  return groups.some((g) =>
    g.filters.every((f) => matchesFilter(properties[f.propertyName], f, typeOf(f.propertyName))),
  );
}

export function matchesFilter(
  actual: string | undefined,
  f: Filter,
  type: PropertyType | undefined,
): boolean {
  const has = actual !== undefined && actual !== '';
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'NEQ':
      // A record without the property is "not equal" to any value in HubSpot search.
      return !has || compare(actual, f.value ?? '', type) !== 0;
    case 'NOT_IN':
      return !has || !(f.values ?? []).some((v) => compare(actual, v, type) === 0);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(actual, f.value ?? '');
    default:
      break;
  }
  if (!has) return false;
  switch (f.operator) {
    case 'EQ':
      return compare(actual, f.value ?? '', type) === 0;
    case 'LT':
      return compare(actual, f.value ?? '', type) < 0;
    case 'LTE':
      return compare(actual, f.value ?? '', type) <= 0;
    case 'GT':
      return compare(actual, f.value ?? '', type) > 0;
    case 'GTE':
      return compare(actual, f.value ?? '', type) >= 0;
    case 'BETWEEN':
      return (
        compare(actual, f.value ?? '', type) >= 0 && compare(actual, f.highValue ?? '', type) <= 0
      );
    case 'IN':
      return (f.values ?? []).some((v) => compare(actual, v, type) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(actual, f.value ?? '');
  }
}

/** A comparable key: epoch millis for dates/datetimes, a number for numbers, lower-case text otherwise. */
export function sortKey(value: string, type: PropertyType | undefined): number | string {
  if (type === 'datetime' || type === 'date') return toEpochMillis(value) ?? Number.NaN;
  if (type === 'number') return Number(value);
  return value.toLowerCase();
}

/** Compares a stored value with a filter value; string comparison is case-insensitive, like HubSpot. */
export function compare(actual: string, expected: string, type: PropertyType | undefined): number {
  const a = sortKey(actual, type);
  const b = sortKey(expected, type);
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
    return a - b;
  }
  const as = String(a);
  const bs = String(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

/**
 * CONTAINS_TOKEN: the value is split into words on non-alphanumeric characters; the filter token
 * matches a word case-insensitively, and `*` is a wildcard (e.g. `*@hubspot.com` on emails).
 */
export function containsToken(actual: string, token: string): boolean {
  const t = token.toLowerCase();
  if (t.includes('*')) {
    const re = new RegExp(`^${t.split('*').map(escapeRegExp).join('.*')}$`);
    if (re.test(actual.toLowerCase())) return true;
    return tokens(actual).some((w) => re.test(w));
  }
  if (/[^a-z0-9]/.test(t)) return actual.toLowerCase().includes(t);
  return tokens(actual).includes(t);
}

function tokens(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
