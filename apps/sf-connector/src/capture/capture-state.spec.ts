import { describe, expect, it } from '@jest/globals';
import {
  afterCdc,
  afterPollPage,
  changeTypeOf,
  classifyPolled,
  deletedCheck,
  initialCursor,
  loadCursor,
  missedDeletes,
  pollDelay,
  pollFrom,
  pruneTombstones,
  seenSliceOf,
  storeCursor,
  storeSlices,
  withTombstones,
  type ObjectCursor,
} from './capture-state.js';
import { polledAccount } from './polled-record.fixture.js';
import type { PolledRecord } from './records.js';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');
const OVERLAP = 60_000;

function rec(id: string, at: number, extra: Partial<PolledRecord> = {}): PolledRecord {
  return polledAccount(id, at, { createdDate: T0 - 86_400_000, ...extra });
}

/** What one poll publishes from `records` given the cursor, and the cursor after it. */
function poll(
  cursor: ObjectCursor,
  records: PolledRecord[],
  tombstones = new Map<string, number>(),
) {
  const news = records.filter((r) => classifyPolled(r, cursor, tombstones).kind === 'change');
  return { news: news.map((r) => r.id), cursor: afterPollPage(cursor, records, OVERLAP) };
}

describe('polling cursor', () => {
  it('reads again from the high-water mark minus the overlap', () => {
    const c = afterPollPage(initialCursor(T0), [rec('a', T0 + 5_000)], OVERLAP);
    expect(c.hwm).toBe(T0 + 5_000);
    expect(pollFrom(c, OVERLAP)).toBe(T0 + 5_000 - OVERLAP);
  });

  it('publishes every record sharing one timestamp once, across pages and polls', () => {
    const same = Array.from({ length: 5 }, (_, i) => rec(`r${i}`, T0));
    let cursor = initialCursor(T0 - 1);
    // A first poll sees two of them (the rest were not committed yet), the next all five.
    const first = poll(cursor, same.slice(0, 2));
    cursor = first.cursor;
    const second = poll(cursor, same);
    cursor = second.cursor;
    const third = poll(cursor, same);
    expect(first.news).toEqual(['r0', 'r1']);
    expect(second.news).toEqual(['r2', 'r3', 'r4']);
    expect(third.news).toEqual([]);
  });

  it('catches a late commit with an older SystemModstamp inside the overlap', () => {
    let cursor = poll(initialCursor(T0), [rec('a', T0 + 10_000)]).cursor;
    const late = rec('late', T0 + 1_000);
    expect(pollFrom(cursor, OVERLAP)).toBeLessThanOrEqual(late.systemModstamp);
    const next = poll(cursor, [late, rec('a', T0 + 10_000)]);
    expect(next.news).toEqual(['late']);
    cursor = next.cursor;
    expect(cursor.hwm).toBe(T0 + 10_000);
  });

  it('publishes a newer version of a record it published before', () => {
    const cursor = poll(initialCursor(T0), [rec('a', T0 + 1)]).cursor;
    expect(poll(cursor, [rec('a', T0 + 2)]).news).toEqual(['a']);
  });

  it('caps what it remembers, forgetting CDC-only versions first, then the oldest', () => {
    let cursor = afterCdc(
      initialCursor(T0),
      [
        { id: 'c1', at: T0 + 9 },
        { id: 'c2', at: T0 + 8 },
      ],
      OVERLAP,
    );
    cursor = afterPollPage(
      cursor,
      [rec('p1', T0 + 1), rec('p2', T0 + 2), rec('p3', T0 + 3)],
      OVERLAP,
      3,
    );
    expect([...cursor.seen.keys()].sort()).toEqual(['p1', 'p2', 'p3']);
    cursor = afterPollPage(cursor, [rec('p4', T0 + 4)], OVERLAP, 2);
    expect([...cursor.seen.keys()].sort()).toEqual(['p3', 'p4']);
  });

  it('forgets versions that fell out of the overlap window', () => {
    let cursor = poll(initialCursor(T0), [rec('old', T0)]).cursor;
    cursor = poll(cursor, [rec('new', T0 + OVERLAP + 1)]).cursor;
    expect([...cursor.seen.keys()]).toEqual(['new']);
  });
});

describe('CDC and polling together', () => {
  it('a version CDC published only needs its state from the poll; an older one nothing', () => {
    const cdcSince = T0;
    const cursor = afterCdc(initialCursor(T0), [{ id: 'a', at: T0 + 5 }], OVERLAP);
    const kind = (r: PolledRecord, c = cursor) => classifyPolled(r, c, new Map(), cdcSince).kind;
    expect(kind(rec('a', T0 + 5))).toBe('state-only');
    expect(kind(rec('a', T0 + 4))).toBe('skip');
    expect(kind(rec('a', T0 + 6))).toBe('change');
    const polled = afterPollPage(cursor, [rec('a', T0 + 5)], OVERLAP);
    expect(kind(rec('a', T0 + 5), polled)).toBe('skip');
  });

  it('does not let CDC stand for a record until the poll has caught up with the CDC stream', () => {
    // CDC (re)started at T0 + 100 without replay: a change at T0 + 50 was not in the stream.
    const cursor = afterCdc(initialCursor(T0), [{ id: 'a', at: T0 + 200 }], OVERLAP);
    expect(classifyPolled(rec('a', T0 + 200), cursor, new Map(), T0 + 100).kind).toBe('change');
    expect(classifyPolled(rec('a', T0 + 200), cursor, new Map(), null).kind).toBe('change');
    const caughtUp = afterPollPage(cursor, [rec('b', T0 + 150)], OVERLAP);
    expect(classifyPolled(rec('a', T0 + 200), caughtUp, new Map(), T0 + 100).kind).toBe(
      'state-only',
    );
  });

  it('CDC never replaces a newer version the poll published', () => {
    const cursor = poll(initialCursor(T0), [rec('a', T0 + 9)]).cursor;
    expect(afterCdc(cursor, [{ id: 'a', at: T0 + 3 }], OVERLAP).seen.get('a')).toEqual({
      at: T0 + 9,
      by: 'poll',
    });
  });
});

describe('deletes, merges and undeletes', () => {
  it('tells the change from the record and the tombstones', () => {
    const none = new Map<string, number>();
    expect(changeTypeOf(rec('a', T0, { createdDate: T0 }), none)).toBe('created');
    expect(changeTypeOf(rec('a', T0), none)).toBe('updated');
    expect(changeTypeOf(rec('a', T0, { isDeleted: true }), none)).toBe('deleted');
    expect(changeTypeOf(rec('a', T0, { isDeleted: true, masterRecordId: 'm' }), none)).toBe(
      'merged',
    );
    expect(changeTypeOf(rec('a', T0), new Map([['a', T0 - 1]]))).toBe('undeleted');
  });

  it('keeps tombstones for deletes and merges and drops them on undelete', () => {
    let t = withTombstones(new Map(), [
      { id: 'a', changeType: 'deleted', at: T0 },
      { id: 'b', changeType: 'merged', at: T0 },
      { id: 'c', changeType: 'updated', at: T0 },
    ]);
    expect([...t.keys()]).toEqual(['a', 'b']);
    t = withTombstones(t, [{ id: 'a', changeType: 'undeleted', at: T0 + 1 }]);
    expect([...t.keys()]).toEqual(['b']);
    expect(pruneTombstones(t, T0 + 1).size).toBe(0);
    const same = new Map([['x', T0]]);
    expect(pruneTombstones(same, T0)).toBe(same);
  });

  it('reconciles getDeleted behind the poll, in whole minutes, and reports what polling missed', () => {
    const cursor = { ...initialCursor(T0 + 10 * 60_000 + 30_000), deletedCheckedUntil: null };
    expect(deletedCheck(cursor, OVERLAP, T0)).toEqual({ kind: 'start', from: T0 + 9 * 60_000 });
    const started = { ...cursor, deletedCheckedUntil: T0 + 9 * 60_000 };
    expect(deletedCheck(started, OVERLAP, T0)).toEqual({ kind: 'none' });
    const later = { ...started, hwm: T0 + 12 * 60_000 };
    expect(deletedCheck(later, OVERLAP, T0)).toEqual({
      kind: 'check',
      start: T0 + 9 * 60_000,
      end: T0 + 11 * 60_000,
    });
    expect(
      missedDeletes(
        [
          { id: 'seen', deletedAt: T0 },
          { id: 'purged', deletedAt: T0 },
        ],
        new Map([['seen', T0]]),
      ),
    ).toEqual([{ id: 'purged', deletedAt: T0 }]);
  });
});

describe('poll interval', () => {
  it('is the configured interval unless the budget needs it longer', () => {
    expect(
      pollDelay({ intervalMs: 1_000, callsPerPoll: 3, dailyBudget: 1e9, pollShare: 0.2 }),
    ).toBe(1_000);
    // 10,000 calls a day for polls, 4 calls each: one poll every 34.56 s.
    expect(
      pollDelay({ intervalMs: 1_000, callsPerPoll: 4, dailyBudget: 50_000, pollShare: 0.2 }),
    ).toBe(34_560);
  });
});

describe('stored form', () => {
  it('round-trips a head and its slices, grouping equal timestamps', () => {
    let cursor = afterPollPage(
      initialCursor(T0),
      [rec('a', T0), rec('b', T0), rec('c', T0 + 1_000)],
      OVERLAP,
    );
    cursor = afterCdc(cursor, [{ id: 'd', at: T0 + 1_002 }], OVERLAP);
    const slices = cursor.seen.takeChangedSlices().sort((x, y) => x - y);
    expect(slices).toEqual([seenSliceOf(T0), seenSliceOf(T0 + 1_000)]);
    const stored = storeSlices(cursor, slices);
    expect(stored.get(seenSliceOf(T0))).toEqual([{ at: T0, poll: ['a', 'b'], cdc: [] }]);
    expect(stored.get(seenSliceOf(T0 + 1_000))).toEqual([
      { at: T0 + 1_000, poll: ['c'], cdc: [] },
      { at: T0 + 1_002, poll: [], cdc: ['d'] },
    ]);
    expect(storeCursor(cursor)).toEqual({ hwm: T0 + 1_000, deletedCheckedUntil: null });
    // Slices in any order; a loaded cursor has nothing left to write.
    const loaded = loadCursor(storeCursor(cursor), [...stored.values()].reverse());
    expect(loaded).toEqual(cursor);
    expect(loaded.seen.takeChangedSlices()).toEqual([]);
  });

  it('notes only the slices a change touched: the old and the new slice of a moved version, and pruned ones', () => {
    let cursor = afterPollPage(
      initialCursor(T0),
      [rec('a', T0), rec('b', T0 + 5_000), rec('c', T0 + 9_000)],
      OVERLAP,
    );
    cursor.seen.takeChangedSlices();
    cursor = afterCdc(cursor, [{ id: 'a', at: T0 + 20_000 }], OVERLAP);
    expect(cursor.seen.takeChangedSlices().sort((x, y) => x - y)).toEqual([
      seenSliceOf(T0),
      seenSliceOf(T0 + 20_000),
    ]);
    // The window moves past b's slice: it is pruned, and its slice is stored empty (deleted).
    cursor = afterPollPage(cursor, [rec('e', T0 + 5_500 + OVERLAP)], OVERLAP);
    const changed = cursor.seen.takeChangedSlices().sort((x, y) => x - y);
    expect(changed).toEqual([seenSliceOf(T0 + 5_000), seenSliceOf(T0 + 5_500 + OVERLAP)]);
    expect(storeSlices(cursor, changed).get(seenSliceOf(T0 + 5_000))).toEqual([]);
  });

  it('gives back the slices of a failed save', () => {
    const cursor = afterPollPage(initialCursor(T0), [rec('a', T0)], OVERLAP);
    const taken = cursor.seen.takeChangedSlices();
    cursor.seen.restoreChangedSlices(taken);
    expect(cursor.seen.takeChangedSlices()).toEqual(taken);
  });

  it('loads a head written before slices, with its versions inline', () => {
    const loaded = loadCursor({
      hwm: T0,
      deletedCheckedUntil: null,
      seen: [{ at: T0, poll: ['a'], cdc: ['b'] }],
    });
    expect([...loaded.seen]).toEqual([
      ['a', { at: T0, by: 'poll' }],
      ['b', { at: T0, by: 'cdc' }],
    ]);
  });
});
