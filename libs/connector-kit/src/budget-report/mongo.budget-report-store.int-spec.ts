import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { API_BUDGET_COLLECTION, ApiBudgetReport } from '@crm-sync/domain';
import { MongoClient, type Db } from 'mongodb';
import { MongoBudgetReportStore } from './mongo.budget-report-store.js';

// This lib sits below @crm-sync/testing, so it reads the database address itself.
const url = process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/';
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  db = client.db(`kit_budget_${randomBytes(5).toString('hex')}`);
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

const report = (over: Partial<ApiBudgetReport> = {}): ApiBudgetReport => ({
  _id: 'c1:salesforce:i1',
  connectionId: 'c1',
  crm: 'salesforce',
  instance: 'i1',
  limits: [{ name: 'daily', windowMs: 86_400_000, limit: 50_000, used: 12, remaining: 49_988 }],
  daily: {
    used: 812,
    limit: 100_000,
    remaining: 99_188,
    source: 'crm',
    via: 'Sforce-Limit-Info',
    observedAt: '2026-03-01T12:00:00.000Z',
  },
  share: 1,
  intervalMs: 5_000,
  startedAt: '2026-03-01T11:00:00.000Z',
  updatedAt: '2026-03-01T12:00:01.000Z',
  stoppedAt: null,
  ...over,
});

describe('MongoBudgetReportStore on the real database', () => {
  it('keeps one whole document per instance, replaced by each report', async () => {
    const store = new MongoBudgetReportStore(db);
    await store.save(report());
    await store.save(report({ updatedAt: '2026-03-01T12:00:06.000Z', daily: null }));
    const docs = await db.collection(API_BUDGET_COLLECTION).find({ connectionId: 'c1' }).toArray();
    expect(docs).toHaveLength(1);
    expect(ApiBudgetReport.parse(docs[0])).toEqual(
      report({ updatedAt: '2026-03-01T12:00:06.000Z', daily: null }),
    );
  });

  it('prunes the given connections’ reports older than a time, and only those', async () => {
    const store = new MongoBudgetReportStore(db);
    await store.save(
      report({
        _id: 'p1:salesforce:old',
        connectionId: 'p1',
        updatedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    await store.save(report({ _id: 'p1:salesforce:new', connectionId: 'p1' }));
    await store.save(
      report({
        _id: 'p2:salesforce:old',
        connectionId: 'p2',
        updatedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(await store.prune(['p1'], new Date('2026-02-01T00:00:00.000Z'))).toBe(1);
    const ids = await db
      .collection(API_BUDGET_COLLECTION)
      .find({ connectionId: { $in: ['p1', 'p2'] } })
      .map((d) => d._id)
      .toArray();
    expect(ids.map(String).sort()).toEqual(['p1:salesforce:new', 'p2:salesforce:old']);
  });
});
