import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@crm-sync/testing';
import { afterCdc, afterPollPage, initialCursor, type ObjectCursor } from './capture-state.js';
import { CaptureStore } from './capture-store.js';
import { polledAccount as rec } from './polled-record.fixture.js';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');
const OVERLAP = 300_000;
const CDC = { replayId: 42, since: T0 } as const;

let db: TestDatabase;
let store: CaptureStore;

beforeAll(async () => {
  db = await createTestDatabase('sfcapture');
  store = new CaptureStore(db.db);
});

afterAll(async () => {
  await db.dispose();
});

async function save(connectionId: string, cursor: ObjectCursor): Promise<void> {
  await store.saveCursors(
    connectionId,
    { Account: cursor },
    CDC,
    new Map([['Account', cursor.seen.takeChangedSlices()]]),
  );
}

describe('CaptureStore (FerretDB)', () => {
  it('keeps 12,000 versions in slices and rewrites only the slices that changed', async () => {
    // 12,000 records over three seconds of SystemModstamp, 4,000 sharing each timestamp.
    let cursor = afterPollPage(
      initialCursor(T0),
      Array.from({ length: 12_000 }, (_, i) => rec(`001${i}`, T0 + 1_000 * (i % 3))),
      OVERLAP,
    );
    await save('c1', cursor);
    const slices = db.db.collection('sf_capture_seen');
    expect(await slices.countDocuments({ connectionId: 'c1' })).toBe(3);
    const first = await store.load('c1');
    expect(first?.cursors.Account).toEqual(cursor);
    expect(first?.cdcReplayId).toBe(42);

    // One version moves to a new second: its old slice and the new one are written, no other.
    const untouched = await slices.findOne({ _id: `c1:Account:${(T0 + 2_000) / 1_000}` as never });
    cursor = afterCdc(cursor, [{ id: '0010', at: T0 + 3_000 }], OVERLAP);
    await save('c1', cursor);
    expect(await slices.countDocuments({ connectionId: 'c1' })).toBe(4);
    expect(await slices.findOne({ _id: `c1:Account:${(T0 + 2_000) / 1_000}` as never })).toEqual(
      untouched,
    );
    expect((await store.load('c1'))?.cursors.Account).toEqual(cursor);

    // The window moves past the first two seconds: their slices are deleted.
    cursor = afterPollPage(cursor, [rec('new', T0 + 1_500 + OVERLAP)], OVERLAP);
    await save('c1', cursor);
    expect(await slices.countDocuments({ connectionId: 'c1' })).toBe(3);
    const last = await store.load('c1');
    expect(last?.cursors.Account).toEqual(cursor);
    expect(last?.cursors.Account?.seen.size).toBe(4_001 + 1);
    expect(await store.load('c2')).toBeUndefined();
  });

  it('loads a cursor document written before slices (versions inline)', async () => {
    await db.db.collection('sf_capture_cursors').insertOne({
      _id: 'legacy' as never,
      connectionId: 'legacy',
      cursors: {
        Account: { hwm: T0, deletedCheckedUntil: null, seen: [{ at: T0, poll: ['a'], cdc: [] }] },
      },
      cdcReplayId: null,
      cdcSince: null,
      updatedAt: new Date(),
    });
    const loaded = await store.load('legacy');
    expect(loaded?.cursors.Account?.seen.get('a')).toEqual({ at: T0, by: 'poll' });
  });
});
