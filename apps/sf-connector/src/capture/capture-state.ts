import type { SalesforceChangeType } from '@crm-sync/domain';
import type { PolledRecord } from './records.js';

/**
 * Change capture state of one object of one connection. The poller and the CDC pump move it on
 * after Kafka acknowledged what they published, and one writer persists it. The functions below
 * decide everything from their arguments; `afterPollPage` and `afterCdc` update `seen` in place
 * (the ledger is its only owner), since copying a window of versions for every CDC round would
 * cost more than the round itself.
 *
 * - `hwm`: the highest SystemModstamp a poll has published (ms). The next poll reads from
 *   `hwm - overlap`, so rows committed late with an older SystemModstamp, and rows sharing the
 *   boundary timestamp, are read again rather than skipped.
 * - `seen`: the newest version (SystemModstamp) of each record published within the overlap
 *   window, and by whom. It is what makes re-reading safe: a version already published is not
 *   published again ((Id, SystemModstamp) de-duplication). Entries older than the window cannot
 *   come back from a query and are pruned.
 * - `deletedCheckedUntil`: how far getDeleted reconciliation has looked (ms, minute-aligned).
 */
export interface ObjectCursor {
  readonly hwm: number;
  readonly seen: SeenVersions;
  readonly deletedCheckedUntil: number | null;
}

/**
 * `poll`: the change event and the account state were published; `cdc`: only the change event
 * (CDC carries changed fields only), so a poll still publishes the record's full state.
 */
export interface Seen {
  readonly at: number;
  readonly by: 'poll' | 'cdc';
}

/** Deleted records we reported, by Id → delete time (ms): how polling tells an undelete. */
export type Tombstones = ReadonlyMap<string, number>;

export function initialCursor(now: number): ObjectCursor {
  return { hwm: now, seen: new SeenVersions(), deletedCheckedUntil: null };
}

/** Where the next poll starts reading. */
export function pollFrom(cursor: ObjectCursor, overlapMs: number): number {
  return cursor.hwm - overlapMs;
}

/** What a poll does with one record it read. */
export type PollAction =
  | { readonly kind: 'skip'; readonly record: PolledRecord }
  | { readonly kind: 'state-only'; readonly record: PolledRecord }
  | {
      readonly kind: 'change';
      readonly record: PolledRecord;
      readonly changeType: Exclude<SalesforceChangeType, 'snapshot'>;
    };

/**
 * Decides, for one polled record, whether it is news (pure).
 *
 * A version CDC published stands for the record only while CDC has been continuous since before
 * the changes the poll has not read yet (`cdcSince <= hwm`): CDC sends changed fields only, so
 * after a gap in the stream (first start, replay id expired) an earlier change could hide behind
 * a later CDC event. Until the poll has caught up, its versions are published regardless.
 */
export function classifyPolled(
  record: PolledRecord,
  cursor: ObjectCursor,
  tombstones: Tombstones,
  cdcSince: number | null = null,
): PollAction {
  const found = cursor.seen.get(record.id);
  const trusted = found?.by === 'poll' || (cdcSince !== null && cursor.hwm >= cdcSince);
  const seen = trusted ? found : undefined;
  if (seen !== undefined && seen.at >= record.systemModstamp) {
    // A newer version is already out (CDC ran ahead of this query): publishing this one's state
    // would move the compacted state topic backwards.
    if (seen.by === 'poll' || seen.at > record.systemModstamp) return { kind: 'skip', record };
    return { kind: 'state-only', record };
  }
  return { kind: 'change', record, changeType: changeTypeOf(record, tombstones) };
}

/** The change a polled record stands for. */
export function changeTypeOf(
  record: PolledRecord,
  tombstones: Tombstones,
): Exclude<SalesforceChangeType, 'snapshot'> {
  if (record.isDeleted) return record.masterRecordId === null ? 'deleted' : 'merged';
  if (tombstones.has(record.id)) return 'undeleted';
  return record.createdDate === record.systemModstamp ? 'created' : 'updated';
}

/**
 * The cursor after a page of polled records was published: the high-water mark moves to the
 * newest SystemModstamp, every record is remembered as published by the poll, and what fell out
 * of the overlap window is forgotten.
 */
export function afterPollPage(
  cursor: ObjectCursor,
  records: readonly PolledRecord[],
  overlapMs: number,
  cap = SEEN_CAP,
): ObjectCursor {
  const seen = cursor.seen;
  let hwm = cursor.hwm;
  for (const r of records) {
    hwm = Math.max(hwm, r.systemModstamp);
    const prev = seen.get(r.id);
    if (prev === undefined || prev.at <= r.systemModstamp) {
      seen.set(r.id, { at: r.systemModstamp, by: 'poll' });
    }
  }
  prune(seen, hwm - overlapMs, cap);
  return { ...cursor, hwm };
}

/**
 * The cursor after CDC published versions (Id → LastModifiedDate ms) of this object. What fell
 * out of the window is left for the next poll page to forget (pruning scans them all).
 */
export function afterCdc(
  cursor: ObjectCursor,
  versions: readonly { readonly id: string; readonly at: number }[],
  overlapMs: number,
  cap = SEEN_CAP,
): ObjectCursor {
  const seen = cursor.seen;
  for (const v of versions) {
    const prev = seen.get(v.id);
    if (prev === undefined || prev.at < v.at) seen.set(v.id, { at: v.at, by: 'cdc' });
  }
  if (seen.size > cap) prune(seen, cursor.hwm - overlapMs, cap);
  return cursor;
}

/**
 * Most versions remembered per object. De-duplication saves duplicates, not records: forgetting a
 * version only means the poll publishes it once more. The cap bounds memory and the stored
 * document (~25 bytes a version) when a bulk job changes more records in the overlap window than
 * that; versions only CDC published go first, then the oldest.
 */
export const SEEN_CAP = 200_000;

function prune(seen: SeenVersions, before: number, cap = SEEN_CAP): SeenVersions {
  for (const [id, s] of seen) if (s.at < before) seen.delete(id);
  if (seen.size <= cap) return seen;
  const order = [...seen].sort(([, a], [, b]) =>
    a.by === b.by ? a.at - b.at : a.by === 'cdc' ? -1 : 1,
  );
  for (const [id] of order.slice(0, seen.size - cap)) seen.delete(id);
  return seen;
}

/** Tombstones after published changes: deletes and merges add one, undeletes remove it. */
export function withTombstones(
  tombstones: Tombstones,
  changes: readonly {
    readonly id: string;
    readonly changeType: SalesforceChangeType;
    readonly at: number;
  }[],
): Tombstones {
  const relevant = changes.filter(
    (c) => c.changeType === 'deleted' || c.changeType === 'merged' || c.changeType === 'undeleted',
  );
  if (relevant.length === 0) return tombstones;
  const next = new Map(tombstones);
  for (const c of relevant) {
    if (c.changeType === 'undeleted') next.delete(c.id);
    else next.set(c.id, Math.max(next.get(c.id) ?? 0, c.at));
  }
  return next;
}

/** Forgets deletes older than the recycle bin keeps records (they cannot be undeleted). */
export function pruneTombstones(tombstones: Tombstones, before: number): Tombstones {
  let changed = false;
  const next = new Map(tombstones);
  for (const [id, at] of next) {
    if (at < before) {
      next.delete(id);
      changed = true;
    }
  }
  return changed ? next : tombstones;
}

const MINUTE_MS = 60_000;

/**
 * What getDeleted reconciliation does next. It stays behind the poll (`hwm - overlap`): polling
 * reports the deletes it can see, and getDeleted only finds those that left the recycle bin
 * before a poll saw them. getDeleted works in whole minutes and at most 30 days back; a cursor
 * that never checked starts at the poll's boundary.
 */
export type DeletedCheck =
  | { readonly kind: 'start'; readonly from: number }
  | { readonly kind: 'check'; readonly start: number; readonly end: number }
  | { readonly kind: 'none' };

export function deletedCheck(cursor: ObjectCursor, overlapMs: number, now: number): DeletedCheck {
  const end = Math.floor((cursor.hwm - overlapMs) / MINUTE_MS) * MINUTE_MS;
  if (cursor.deletedCheckedUntil === null) return { kind: 'start', from: end };
  const oldest = Math.ceil((now - 29 * 86_400_000) / MINUTE_MS) * MINUTE_MS;
  const start = Math.max(cursor.deletedCheckedUntil, oldest);
  return end > start ? { kind: 'check', start, end } : { kind: 'none' };
}

/** Which getDeleted results polling never reported (they need a delete event now). */
export function missedDeletes(
  deleted: readonly { readonly id: string; readonly deletedAt: number }[],
  tombstones: Tombstones,
): { readonly id: string; readonly deletedAt: number }[] {
  return deleted.filter((d) => !tombstones.has(d.id));
}

/**
 * The pause before the next poll: at least the configured interval, stretched so that polling
 * spends at most `pollShare` of the daily budget (a poll costs `callsPerPoll` calls).
 */
export function pollDelay(input: {
  readonly intervalMs: number;
  readonly callsPerPoll: number;
  readonly dailyBudget: number;
  readonly pollShare: number;
}): number {
  const pollsPerDay = (input.dailyBudget * input.pollShare) / Math.max(1, input.callsPerPoll);
  const budgetMs = pollsPerDay > 0 ? 86_400_000 / pollsPerDay : Number.POSITIVE_INFINITY;
  return Math.ceil(Math.max(input.intervalMs, budgetMs));
}

/** Versions are stored in slices of this much SystemModstamp time (one document each). */
export const SEEN_SLICE_MS = 1_000;

export function seenSliceOf(at: number): number {
  return Math.floor(at / SEEN_SLICE_MS);
}

/**
 * The `seen` map of a cursor, which also notes the time slices whose versions changed since the
 * last `takeChangedSlices()`, so that a save rewrites those slices and not the whole window (a
 * bulk job puts 100,000s of versions in it, and the ledger saves every second).
 */
export class SeenVersions extends Map<string, Seen> {
  private changed = new Set<number>();

  override set(id: string, version: Seen): this {
    const previous = super.get(id);
    if (previous !== undefined) this.changed.add(seenSliceOf(previous.at));
    this.changed.add(seenSliceOf(version.at));
    return super.set(id, version);
  }

  override delete(id: string): boolean {
    const previous = super.get(id);
    if (previous !== undefined) this.changed.add(seenSliceOf(previous.at));
    return super.delete(id);
  }

  override clear(): void {
    for (const v of super.values()) this.changed.add(seenSliceOf(v.at));
    super.clear();
  }

  /** The slices changed since the last call (and forgets them: see `restoreChangedSlices`). */
  takeChangedSlices(): number[] {
    const slices = [...this.changed];
    this.changed = new Set();
    return slices;
  }

  /** A save that failed gives its slices back, to be written with the next one. */
  restoreChangedSlices(slices: readonly number[]): void {
    for (const slice of slices) this.changed.add(slice);
  }
}

// ---------------------------------------------------------------------------------------------
// Persistence shape (see capture-store.ts): per connection one document of cursor heads, and the
// seen versions in one document per object and time slice.
// ---------------------------------------------------------------------------------------------

/** Versions of one time slice, grouped by timestamp (keeps thousands of equal ones small). */
export type StoredVersions = readonly {
  readonly at: number;
  readonly poll: string[];
  readonly cdc: string[];
}[];

/** A cursor as stored; `seen` only in documents written before versions moved to slices. */
export interface StoredCursor {
  readonly hwm: number;
  readonly deletedCheckedUntil: number | null;
  readonly seen?: StoredVersions;
}

export function storeCursor(cursor: ObjectCursor): StoredCursor {
  return { hwm: cursor.hwm, deletedCheckedUntil: cursor.deletedCheckedUntil };
}

/** The versions of each of `slices` as stored (an empty list: the slice has none left). */
export function storeSlices(
  cursor: ObjectCursor,
  slices: readonly number[],
): Map<number, StoredVersions> {
  const bySlice = new Map<number, Map<number, { at: number; poll: string[]; cdc: string[] }>>(
    slices.map((slice) => [slice, new Map()]),
  );
  for (const [id, s] of cursor.seen) {
    const groups = bySlice.get(seenSliceOf(s.at));
    if (groups === undefined) continue;
    let group = groups.get(s.at);
    if (!group) groups.set(s.at, (group = { at: s.at, poll: [], cdc: [] }));
    group[s.by].push(id);
  }
  return new Map(
    [...bySlice].map(([slice, groups]) => [
      slice,
      [...groups.values()].sort((a, b) => a.at - b.at),
    ]),
  );
}

/** A cursor from its stored head and its stored slices (in any order). */
export function loadCursor(
  stored: StoredCursor,
  slices: readonly StoredVersions[] = [],
): ObjectCursor {
  const seen = new SeenVersions();
  const groups = [...(stored.seen ?? []), ...slices.flat()].sort((a, b) => a.at - b.at);
  for (const g of groups) {
    for (const id of g.poll) seen.set(id, { at: g.at, by: 'poll' });
    for (const id of g.cdc) seen.set(id, { at: g.at, by: 'cdc' });
  }
  seen.takeChangedSlices();
  return { hwm: stored.hwm, deletedCheckedUntil: stored.deletedCheckedUntil, seen };
}
