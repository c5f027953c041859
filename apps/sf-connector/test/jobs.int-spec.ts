// Import jobs and manual resyncs through the control topic, with progress in MongoDB.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectionKey,
  JobProgress,
  SalesforceAccountState,
  type ControlMessage,
  type SalesforceChangeEvent,
} from '@crm-sync/domain';
import { fetchTopicOffsets, groupLag, type Admin } from '@crm-sync/kafka';
import { uniqueName, waitFor, type Collector } from '@crm-sync/testing';
import { MongoClient, type Db } from 'mongodb';
import {
  changes,
  connectorEnv,
  control,
  startConnector,
  startSandbox,
  TopicsUnderTest,
  waitForPolls,
  type ConnectorUnderTest,
  type SalesforceSandbox,
} from './harness.js';

const ACCOUNTS = 2_500;
const PAGE = 1_000;
/** The import's look-ahead; its engine group commits only in the test that plays the engine. */
const MAX_AHEAD = 1_000;

let sandbox: SalesforceSandbox;
let connector: ConnectorUnderTest;
let kafka: TopicsUnderTest;
let changeTopic: Collector;
let stateTopic: Collector;
let mongo: MongoClient;
let db: Db;
let C: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  await control(sandbox, 'POST', '/seed', { seed: 3, accounts: ACCOUNTS });
  connector = await startConnector(
    connectorEnv(sandbox, {
      SF_CDC_ENABLED: 'false',
      SF_OBJECTS: 'Account',
      SF_IMPORT_PAGE_SIZE: String(PAGE),
      SF_JOB_MAX_AHEAD: String(MAX_AHEAD),
      SF_ENGINE_GROUP: uniqueName('engine'),
    }),
  );
  C = connector.connectionId;
  kafka = new TopicsUnderTest(connector.env['KAFKA_TOPIC_PREFIX'] ?? '');
  changeTopic = await kafka.collect('salesforceChanges');
  stateTopic = await kafka.collect('salesforceAccountState');
  mongo = new MongoClient(connector.env['MONGO_URL'] ?? '');
  db = mongo.db(connector.env['MONGO_DB']);
  await waitForPolls(connector);
});

afterAll(async () => {
  await connector.stop();
  await kafka.stop();
  await db.dropDatabase();
  await mongo.close();
  await sandbox.close();
});

function controlMessage(type: ControlMessage['type'], payload: object): ControlMessage {
  return {
    id: uniqueName('ctl'),
    type,
    connectionId: C,
    occurredAt: new Date().toISOString(),
    source: 'settings-api',
    payload,
  } as ControlMessage;
}

async function send(...messages: ControlMessage[]): Promise<void> {
  await kafka.send(
    'syncControl',
    messages.map((m) => ({ key: connectionKey(C), value: JSON.stringify(m) })),
  );
}

async function progress(jobId: string): Promise<JobProgress | undefined> {
  const doc = await db.collection('job_progress').findOne({ _id: jobId as never });
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return JobProgress.parse(rest);
}

function snapshotsOf(jobId: string): SalesforceChangeEvent[] {
  return changes(changeTopic).filter(
    (e): e is SalesforceChangeEvent =>
      e.type === 'salesforce.account-changed.v1' && e.payload.importJobId === jobId,
  );
}

describe('import job', () => {
  it('snapshots every account into the change and state topics, with progress to done = total', async () => {
    const jobId = uniqueName('import');
    const request = controlMessage('sync.import-requested.v1', {
      jobId,
      object: 'Account',
      requestedBy: 'tester',
    });
    await send(request);
    const done = await waitFor(
      async () => {
        const p = await progress(jobId);
        return p?.state === 'completed' ? p : undefined;
      },
      { description: 'a completed import', timeoutMs: 60_000 },
    );
    expect(done).toMatchObject({
      kind: 'import',
      connectionId: C,
      done: ACCOUNTS,
      total: ACCOUNTS,
    });
    expect(done.finishedAt).not.toBeNull();
    // Published before the progress said so; the test's reader may still be catching up.
    const snapshots = await waitFor(
      () => (snapshotsOf(jobId).length >= ACCOUNTS ? snapshotsOf(jobId) : undefined),
      { description: 'all snapshots read' },
    );
    expect(snapshots).toHaveLength(ACCOUNTS);
    expect(new Set(snapshots.map((e) => e.payload.recordId)).size).toBe(ACCOUNTS);
    expect(snapshots.every((e) => e.payload.changeType === 'snapshot')).toBe(true);
    expect(snapshots.every((e) => e.payload.capturedBy === 'import')).toBe(true);
    await waitFor(() => new Set(stateTopic.messages.map((m) => m.key)).size >= ACCOUNTS, {
      description: 'account states',
    });

    // The same request again (a redelivery) does not run the import twice: the resync sent after
    // it is handled after it (one partition per connection), and by then nothing was added.
    const [first, second] = snapshots.map((e) => e.payload.recordId);
    const resyncId = uniqueName('resync');
    await send(
      request,
      controlMessage('sync.resync-requested.v1', {
        jobId: resyncId,
        scope: { kind: 'accounts', accountIds: [first, second] },
        requestedBy: 'tester',
      }),
    );
    const resynced = await waitFor(
      () => (snapshotsOf(resyncId).length === 2 ? snapshotsOf(resyncId) : undefined),
      {
        description: 'two resynced accounts',
      },
    );
    expect(resynced.map((e) => e.payload.capturedBy)).toEqual(['manual', 'manual']);
    expect(snapshotsOf(jobId)).toHaveLength(ACCOUNTS);
  });

  it('stops when cancelled and resumes after the last account it published', async () => {
    await control(sandbox, 'PUT', '/latency', { ms: 150 });
    const jobId = uniqueName('import');
    const request = {
      jobId,
      object: 'Account',
      requestedBy: 'tester',
    };
    await send(controlMessage('sync.import-requested.v1', request));
    await waitFor(async () => ((await progress(jobId))?.done ?? 0) > 0, {
      description: 'a first page',
    });
    await send(controlMessage('sync.job-cancel-requested.v1', { jobId, requestedBy: 'tester' }));
    const cancelled = await waitFor(
      async () => {
        const p = await progress(jobId);
        return p?.state === 'cancelled' ? p : undefined;
      },
      { description: 'a cancelled import' },
    );
    expect(cancelled.done).toBeLessThan(ACCOUNTS);
    expect(cancelled.resumeAfter).not.toBeNull();
    await control(sandbox, 'PUT', '/latency', { ms: 0 });

    await send(
      controlMessage('sync.import-requested.v1', {
        ...request,
        resumeAfter: cancelled.resumeAfter,
      }),
    );
    const completed = await waitFor(
      async () => {
        const p = await progress(jobId);
        return p?.state === 'completed' ? p : undefined;
      },
      { description: 'the resumed import', timeoutMs: 60_000 },
    );
    expect(completed).toMatchObject({ done: ACCOUNTS, total: ACCOUNTS });
    await waitFor(() => snapshotsOf(jobId).length >= ACCOUNTS, {
      description: 'all snapshots read',
    });
    const ids = snapshotsOf(jobId).map((e) => e.payload.recordId);
    expect(ids).toHaveLength(ACCOUNTS);
    expect(new Set(ids).size).toBe(ACCOUNTS);
  });
});

describe('look-ahead', () => {
  it(`keeps an import at most SF_JOB_MAX_AHEAD changes ahead of the sync engine's group`, async () => {
    const admin: Admin = kafka.kafka.admin();
    await admin.connect();
    const topic = connector.topics.salesforceChanges;
    const groupId = connector.env['SF_ENGINE_GROUP'] ?? '';
    /** The test plays the engine: it decides everything published so far, at once. */
    const catchUp = async () => {
      const ends = await fetchTopicOffsets(admin, topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
      });
    };
    try {
      await catchUp();
      const jobId = uniqueName('import');
      await send(
        controlMessage('sync.import-requested.v1', {
          jobId,
          object: 'Account',
          requestedBy: 'tester',
        }),
      );
      const held: { behind: number; done: number }[] = [];
      for (;;) {
        // The import runs until the engine is MAX_AHEAD behind, then waits for it.
        const seen = await waitFor(
          async () => {
            const [lag, p] = await Promise.all([groupLag(admin, groupId, topic), progress(jobId)]);
            const behind = lag ?? 0;
            if (p === undefined) return undefined;
            if (p.state === 'completed') return { behind, p };
            // Held: the engine is MAX_AHEAD behind, and the job's progress, written just after
            // each batch is published, counts every change published since the last catch-up.
            const counted = p.done - (held.at(-1)?.done ?? 0);
            return behind >= MAX_AHEAD && counted >= behind ? { behind, p } : undefined;
          },
          { description: 'the import ahead of the engine, or done', timeoutMs: 60_000 },
        );
        if (seen.p.state === 'completed') break;
        held.push({ behind: seen.behind, done: seen.p.done });
        await catchUp();
      }
      // Held back after each of its two whole pages, never more than a page past the limit.
      expect(held.map((h) => h.done)).toEqual([PAGE, 2 * PAGE]);
      for (const h of held) expect(h.behind).toBeLessThan(MAX_AHEAD + PAGE);
      expect(await progress(jobId)).toMatchObject({ done: ACCOUNTS, total: ACCOUNTS });
    } finally {
      // No commits left behind: the other tests' jobs never wait for this group.
      await admin.deleteGroups([groupId]);
      await admin.disconnect();
    }
  });
});

describe('replay job', () => {
  /** The latest state per account as the compacted topic keeps it: the last message per key. */
  function latestStates(): Map<string, SalesforceAccountState> {
    const latest = new Map<string, SalesforceAccountState>();
    for (const m of stateTopic.messages) {
      const state = SalesforceAccountState.parse(JSON.parse(m.value));
      if (state.connectionId === C) latest.set(state.payload.accountId, state);
    }
    return latest;
  }

  it('publishes the accounts changed since `from` again from the state topic, with no Salesforce call', async () => {
    await waitFor(() => latestStates().size >= ACCOUNTS, { description: 'account states' });
    const states = [...latestStates().values()];
    const instants = states.map((s) => s.payload.changedAt).sort();
    const from = instants[Math.floor(instants.length / 2)] ?? '';
    const expected = states.filter((s) => s.payload.changedAt >= from);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(states.length);

    // Salesforce refuses every call from now on: a replay does not need it.
    const limits = await control<{ max: number; used: number }>(sandbox, 'GET', '/limits');
    await control(sandbox, 'PUT', '/limits', { used: limits.max });
    try {
      const jobId = uniqueName('replay');
      await send(
        controlMessage('sync.replay-requested.v1', {
          jobId,
          from,
          requestedBy: 'tester',
          reason: 'new industry mapping',
        }),
      );
      const done = await waitFor(
        async () => {
          const p = await progress(jobId);
          return p?.state === 'completed' ? p : undefined;
        },
        { description: 'a completed replay', timeoutMs: 60_000 },
      );
      expect(done).toMatchObject({
        kind: 'replay',
        done: expected.length,
        total: expected.length,
        failed: 0,
      });
      const replayed = await waitFor(
        () => {
          const events = changes(changeTopic).filter(
            (e): e is SalesforceChangeEvent =>
              e.type === 'salesforce.account-changed.v1' && e.payload.importJobId === jobId,
          );
          return events.length >= expected.length ? events : undefined;
        },
        { description: 'the replayed changes read' },
      );
      expect(new Set(replayed.map((e) => e.payload.recordId))).toEqual(
        new Set(expected.map((s) => s.payload.accountId)),
      );
      expect(replayed).toHaveLength(expected.length);
      const byId = new Map(expected.map((s) => [s.payload.accountId, s]));
      for (const e of replayed) {
        const state = byId.get(e.payload.recordId);
        expect(e.payload).toMatchObject({
          capturedBy: 'replay',
          changeType: state?.payload.deleted ? 'deleted' : 'updated',
          changedAt: state?.payload.changedAt,
          fields: state?.payload.fields,
        });
      }
      const after = await control<{ used: number }>(sandbox, 'GET', '/limits');
      expect(after.used).toBe(limits.max);
    } finally {
      await control(sandbox, 'PUT', '/limits', { used: 0 });
    }
  });
});
