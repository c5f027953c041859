/**
 * What the services rely on from the real MongoDB-protocol server (FerretDB locally): unique
 * indexes and single-document atomic upserts. There are no multi-document transactions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError } from 'mongodb';
import { createTestDatabase, type TestDatabase } from '../mongo.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('infra');
});

afterAll(async () => {
  await t.dispose();
});

const DUPLICATE_KEY = 11000;

describe('MongoDB-protocol server', () => {
  it('rejects a duplicate under a unique index with error 11000', async () => {
    const links = t.db.collection<{ accountId: string; companyId: string }>('links');
    await links.createIndex({ accountId: 1 }, { unique: true }, {});
    await links.insertOne({ accountId: '001000000000001AAA', companyId: '1' });
    const error = await links.insertOne({ accountId: '001000000000001AAA', companyId: '2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(DUPLICATE_KEY);
    expect(await links.countDocuments({ accountId: '001000000000001AAA' })).toBe(1);
  });

  it('yields exactly one document from 20 concurrent findOneAndUpdate upserts', async () => {
    const markers = t.db.collection<{ key: string; claimedBy: number }>('pending_creates');
    await markers.createIndex({ key: 1 }, { unique: true }, {});

    // Concurrent upserts on one key may race to insert; the unique index turns the loser's
    // insert into error 11000, and a retry then finds the winner's document.
    const claim = async (caller: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await markers.findOneAndUpdate(
            { key: 'account:001000000000002AAA' },
            { $setOnInsert: { claimedBy: caller } },
            { upsert: true, returnDocument: 'after' },
          );
          if (!doc) throw new Error('upsert returned no document');
          return doc;
        } catch (e) {
          if (!(e instanceof MongoServerError && e.code === DUPLICATE_KEY) || attempt >= 5) throw e;
        }
      }
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(i)));

    expect(await markers.countDocuments({ key: 'account:001000000000002AAA' })).toBe(1);
    const ids = new Set(results.map((d) => d._id.toHexString()));
    expect(ids.size).toBe(1);
    // Every caller sees the one winner's document, so all act on the same claim.
    const winners = new Set(results.map((d) => d.claimedBy));
    expect(winners.size).toBe(1);
    const stored = await markers.findOne({ key: 'account:001000000000002AAA' });
    expect(winners.has(stored?.claimedBy ?? -1)).toBe(true);
  });

  it('finds a document by its string _id through the _id index, not by a scan', async () => {
    const docs = t.db.collection<{ _id: string; n: number }>('by_id');
    await docs.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: `doc-${n}`, n })));
    const plan = JSON.stringify(await docs.find({ _id: 'doc-7' }).explain());
    // FerretDB (SQLite) reports SQLite's plan, real MongoDB its stages: neither may scan.
    expect(plan).toMatch(/USING INDEX|IDHACK|EXPRESS_IXSCAN|IXSCAN/);
    expect(plan).not.toMatch(/detail=SCAN |COLLSCAN/);
    expect(await docs.findOne({ _id: 'doc-7' })).toEqual({ _id: 'doc-7', n: 7 });
  });
});
