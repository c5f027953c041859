/**
 * The read model on the real broker and MongoDB-protocol server: big batches, redeliveries and
 * the tables the settings API does not read.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '@crm-sync/runtime';
import {
  createTestDatabase,
  createTestTopics,
  testKafka,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '@crm-sync/testing';
import { ReadModelYield, yieldSettings } from './read-model-yield.js';
import { ReadModelSink } from './read-model.js';
import { encodeRecord } from './state/state-changelog.js';
import { rowId } from './state/sync-state.js';

const kafka = testKafka();
let t: TestDatabase;
let stateTopic: string;
let decisionsTopic: string;

beforeAll(async () => {
  t = await createTestDatabase('read_model');
  const admin = kafka.admin();
  await admin.connect();
  const [state, decisions] = await createTestTopics(admin, ['state', 'decisions']);
  if (state === undefined || decisions === undefined) throw new Error('topics not created');
  [stateTopic, decisionsTopic] = [state, decisions];
  await admin.disconnect();
});

afterAll(async () => {
  await t.dispose();
});

const C = 'conn-1';
const accountId = (i: number) => `001${String(i).padStart(12, '0')}AAA`;

function decision(i: number) {
  return {
    key: C,
    value: JSON.stringify({
      id: `decision-${i}`,
      type: 'sync.decision-recorded.v1',
      connectionId: C,
      occurredAt: '2026-11-02T00:00:00.000Z',
      source: 'sync-rules',
      payload: {
        subject: { system: 'salesforce', recordType: 'account', recordId: accountId(i) },
        kind: 'account_sync',
        code: 'CREATE_COMPANY',
        decidedAt: '2026-11-02T00:00:00.000Z',
      },
    }),
  };
}

/** A row version's change time. */
const version = (seq: number) => new Date(Date.UTC(2026, 2, seq)).toISOString();

describe('ReadModelSink', () => {
  it('writes batches of hundreds of rows and decisions, once each, and only the tables the API reads', async () => {
    const accounts = 600;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const rows = (seq: number, count = accounts) =>
      Array.from({ length: count }, (_, i) =>
        encodeRecord(stateTopic, {
          table: 'accounts',
          id: rowId(C, accountId(i)),
          seq,
          row: {
            accountId: accountId(i),
            fields: { Name: 'Acme' },
            fieldTimes: { all: version(seq) },
            deleted: false,
          },
        }),
      );
    const pending = encodeRecord(stateTopic, {
      table: 'pending_creates',
      id: rowId(C, accountId(0)),
      seq: 1,
      row: { subjectKey: 'x' },
    });
    const link = (row: object | null) =>
      encodeRecord(stateTopic, { table: 'links', id: rowId(C, accountId(0)), seq: 1, row });
    const decisions = Array.from({ length: accounts }, (_, i) => decision(i));
    const sink = new ReadModelSink({
      kafka,
      db: t.db,
      stateTopic,
      decisionsTopic,
      groupId: uniqueName('read-model'),
      logger: createLogger('test', { level: 'warn' }),
    });
    await sink.ensureIndexes();
    await sink.start();
    const count = (collection: string, filter = {}) =>
      t.db.collection(collection).countDocuments(filter);
    try {
      // New documents, and a pending create the API never reads.
      await producer.send({
        topic: stateTopic,
        messages: [...rows(1), pending, link({ accountId: accountId(0), companyId: '42' })],
      });
      await producer.send({ topic: decisionsTopic, messages: decisions });
      await waitFor(
        async () =>
          (await count('accounts', { changedAt: version(1) })) === accounts &&
          (await count('decisions')) === accounts &&
          (await count('links')) === 1,
        {
          description: 'every account at version 1, every decision and the link',
          timeoutMs: 60_000,
        },
      );
      // Then every one of them replaced (one batch of 600 updates of existing documents: what
      // FerretDB cannot take in one command) with 10 new ones among them, the link deleted, and
      // every decision redelivered.
      await producer.send({
        topic: stateTopic,
        messages: [...rows(2, accounts + 10), link(null)],
      });
      await producer.send({ topic: decisionsTopic, messages: decisions });
      await waitFor(
        async () =>
          (await count('accounts', { changedAt: version(2) })) === accounts + 10 &&
          (await count('links')) === 0,
        { description: 'every account at version 2, and the link deleted', timeoutMs: 60_000 },
      );
      expect(await count('accounts')).toBe(accounts + 10);
      await waitFor(() => sink.duplicateDecisions === accounts, {
        description: 'the redelivered decisions refused as duplicates',
      });

      expect(await count('decisions')).toBe(accounts);
      const doc = await t.db
        .collection<{ _id: string }>('accounts')
        .findOne({ _id: `${C}:${accountId(7)}` });
      expect(doc).toMatchObject({ connectionId: C, accountId: accountId(7), deleted: false });
      expect(doc).not.toHaveProperty('fields'); // no CRM values in the read model
      const one = await t.db
        .collection<{ _id: string }>('decisions')
        .findOne({ _id: `${C}:decision-7` });
      expect(one).toMatchObject({ recordId: accountId(7), code: 'CREATE_COMPANY' });
      expect(await count('pending_creates')).toBe(0);
    } finally {
      await producer.disconnect();
      await sink.stop();
    }
  });

  it('pauses its topics while the engine has a backlog and writes once the engine caught up', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const [state, decisions] = await createTestTopics(admin, ['yield-state', 'yield-decisions']);
    await admin.disconnect();
    if (state === undefined || decisions === undefined) throw new Error('topics not created');
    let backlog = 10_000;
    const sink = new ReadModelSink({
      kafka,
      db: t.db,
      stateTopic: state,
      decisionsTopic: decisions,
      groupId: uniqueName('read-model-yield'),
      logger: createLogger('test', { level: 'warn' }),
      yieldTo: {
        backlog: () => backlog,
        policy: new ReadModelYield(yieldSettings(5_000)),
        nowMs: () => Date.now(),
        everyMs: 10,
      },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const C2 = 'conn-yield';
    await sink.start();
    try {
      // kafkajs lists paused partitions once they are assigned.
      await waitFor(() => sink.yielding && sink.pausedTopics().length === 2, {
        description: 'the sink paused for the backlog, its partitions assigned',
      });
      expect(sink.pausedTopics()).toEqual([decisions, state].sort());
      await producer.send({
        topic: state,
        messages: [
          encodeRecord(state, {
            table: 'links',
            id: rowId(C2, accountId(1)),
            seq: 1,
            row: { accountId: accountId(1), companyId: '7' },
          }),
        ],
      });
      backlog = 400; // under a tenth of the threshold
      await waitFor(
        async () => (await t.db.collection('links').countDocuments({ connectionId: C2 })) === 1,
        { description: 'the link written after the engine caught up', timeoutMs: 30_000 },
      );
      expect(sink.yielding).toBe(false);
      expect(sink.pausedTopics()).toEqual([]);
      expect(sink.pauses).toBe(1);
    } finally {
      await producer.disconnect();
      await sink.stop();
    }
  });
});
