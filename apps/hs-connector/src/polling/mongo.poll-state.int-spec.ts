import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@crm-sync/testing';
import { MongoPollState } from './mongo.poll-state.js';

let db: TestDatabase;
let store: MongoPollState;

beforeAll(async () => {
  db = await createTestDatabase('hspoll');
  store = new MongoPollState(db.db);
});

afterAll(async () => {
  await db.dispose();
});

describe('MongoPollState (FerretDB)', () => {
  it('keeps a cursor with 12,000 seen versions', async () => {
    const seen = new Map(
      Array.from({ length: 12_000 }, (_, i) => [
        String(10_000_001 + i),
        1_795_000_000_000 + (i % 3),
      ]),
    );
    await store.saveCursor('c1', 'companies', { watermark: 1_795_000_000_123, seen });
    const loaded = await store.loadCursor('c1', 'companies');
    expect(loaded?.watermark).toBe(1_795_000_000_123);
    expect(loaded?.seen).toEqual(seen);
    expect(await store.loadCursor('c1', 'contacts')).toBeUndefined();
    expect(await store.loadCursor('c2', 'companies')).toBeUndefined();
  });

  it('keeps the companies of contacts across buckets, updating only what it is given', async () => {
    await store.saveAssociations(
      'c1',
      new Map([
        ['20000001', ['10000001']],
        ['20001500', []],
        ['20000002', ['10000002', '10000003']],
      ]),
    );
    await store.saveAssociations('c1', new Map([['20000002', ['10000003']]]));
    const known = await store.loadAssociations('c1', [
      '20000001',
      '20000002',
      '20001500',
      '20009999',
    ]);
    expect(known).toEqual(
      new Map([
        ['20000001', ['10000001']],
        ['20000002', ['10000003']],
        ['20001500', []],
      ]),
    );
    expect(await store.loadAssociations('c2', ['20000001'])).toEqual(new Map());
  });

  it('keeps the sweep progress, paging cursor absent or not', async () => {
    const state = {
      running: true,
      phase: 'companies' as const,
      after: undefined,
      startedAt: 1,
      deletedSince: 0,
      completedAt: undefined,
    };
    await store.saveSweep('c1', state);
    expect(await store.loadSweep('c1')).toEqual(state);
    await store.saveSweep('c1', { ...state, after: '10000100', completedAt: 5 });
    expect(await store.loadSweep('c1')).toEqual({ ...state, after: '10000100', completedAt: 5 });
  });
});
