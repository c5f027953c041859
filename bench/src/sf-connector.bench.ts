// Benchmark: sf-connector against the Salesforce sandbox, both as their own processes, on the
// real broker and database (run in the order B, A, D, C).
//   A. limits off: Salesforce collection writes (upserts by external id) per second, from
//      commands on Kafka to results on Kafka, CDC off: the write path alone, as the hs-connector
//      bench measures upserts without a webhook subscription;
//   B. CDC capture latency: from the sandbox committing a change (the CDC commitTimestamp) to the
//      change event on Kafka (its record timestamp) and to a reader receiving it;
//   C. limits on (SF_RATE_LIMIT calls per window): the fraction of the configured rate reached,
//      and the most calls seen in any window (must never exceed the limit);
//   D. as A with CDC on: the connector also captures every write's echo (a change event each),
//      as it does in production; records/s written and changes/s captured.
// Peak RSS of the connector process.
//
//   npx tsc -b apps/salesforce-sandbox/tsconfig.build.json apps/sf-connector/tsconfig.build.json \
//     bench/tsconfig.build.json && node bench/dist/sf-connector.bench.js
//   env: BENCH_RECORDS (100000), BENCH_RATE_LIMIT (50), BENCH_RATE_WINDOW_MS (5000),
//        BENCH_RATE_SECONDS (30), BENCH_CDC_CHANGES (400), BENCH_PHASES (ABCD)
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  COMMAND_TYPES,
  TOPICS,
  commandKey,
  topicName,
  type SalesforceCommand,
} from '@crm-sync/domain';
import { createKafka, ensureTopics, type Consumer } from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import jsforce from 'jsforce';
import { MongoClient } from 'mongodb';
import { groupProgress, waitForCount } from './lib/group-progress.js';
import { cpuSeconds, metricTotal, peakRssMb, percentiles, report } from './lib/measure.js';
import { startService, type ServiceProcess } from './lib/service-process.js';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 100_000);
const RATE_LIMIT = Number(process.env['BENCH_RATE_LIMIT'] ?? 50);
const RATE_WINDOW_MS = Number(process.env['BENCH_RATE_WINDOW_MS'] ?? 5_000);
const RATE_SECONDS = Number(process.env['BENCH_RATE_SECONDS'] ?? 30);
const CDC_CHANGES = Number(process.env['BENCH_CDC_CHANGES'] ?? 400);
/** Extra connector env of phases A, B and D, e.g. `{"SF_COMMAND_FETCH_MAX_BYTES":"1048576"}`. */
const CONNECTOR_ENV = JSON.parse(process.env['BENCH_CONNECTOR_ENV'] ?? '{}') as Record<
  string,
  string
>;
/** Which phases to run (A, B, C, D). */
const PHASES = process.env['BENCH_PHASES'] ?? 'ABCD';
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const MONGO_URL = process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/';
const SANDBOX_PORT = 18_591;
const CONNECTOR_PORT = 18_592;
const CLIENT = { id: 'bench-client', secret: 'bench-secret' };
const PRODUCE_BATCH = 2_000;

const run = randomBytes(4).toString('hex');
const prefix = `bench-${run}`;
const dbName = `bench_sfc_${run}`;
const connectionId = 'bench';
/** The connector's group prefix; its command consumer is `<prefix>-commands`. */
const CONNECTOR_GROUP = `bench-sfc-${run}`;
const logger = createLogger('bench', { level: 'warn' });
const kafka = createKafka({ brokers: BROKERS, clientId: 'bench', logger });
const topic = (id: keyof typeof TOPICS) => topicName(TOPICS[id].ref, prefix);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function upsert(i: number): SalesforceCommand {
  const companyId = String(10_000_000 + i);
  return {
    id: `bench-${run}-${i}`,
    type: COMMAND_TYPES.upsertSalesforceAccount,
    connectionId,
    occurredAt: new Date().toISOString(),
    source: 'sync-rules',
    payload: {
      commandId: `bench-${run}-${i}`,
      idempotencyKey: `bench-${run}-${i}`,
      causationId: `bench-${run}-${i}`,
      externalIdField: 'HubSpot_Company_Id__c',
      hubspotCompanyId: companyId,
      fields: {
        Name: `Bench Company ${i}`,
        Website: `https://bench${i}.example.com`,
        Industry: 'Banking',
        BillingCity: 'Berlin',
        NumberOfEmployees: i % 5_000,
      },
    },
  };
}

/**
 * The command messages, built (and serialised) ahead, so that producing them during a
 * measurement spends only the producer's own CPU on the cores the connector runs on.
 */
function commandMessages(from: number, count: number): { key: string; value: string }[][] {
  const batches: { key: string; value: string }[][] = [];
  for (let i = from; i < from + count; i += PRODUCE_BATCH) {
    const size = Math.min(PRODUCE_BATCH, from + count - i);
    batches.push(
      Array.from({ length: size }, (_, k) => {
        const c = upsert(i + k);
        return { key: commandKey(c), value: JSON.stringify(c) };
      }),
    );
  }
  return batches;
}

async function produceCommands(batches: readonly { key: string; value: string }[][]) {
  // Idempotent: a send retried after "not the leader" must not write the batch twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const messages of batches) {
      await producer.send({ topic: topic('salesforceCommands'), messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Counts committed results as they arrive. */
async function resultCounter(phase: string): Promise<{
  count: () => number;
  stop: () => Promise<void>;
}> {
  const consumer: Consumer = kafka.consumer({
    groupId: `bench-results-${run}-${phase}`,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topic('commandResults'), fromBeginning: true });
  let n = 0;
  await consumer.run({
    eachBatch: ({ batch }) => {
      n += batch.messages.length;
      return Promise.resolve();
    },
  });
  return { count: () => n, stop: () => consumer.disconnect() };
}

function connectorEnv(extra: Record<string, string>): Record<string, string> {
  return {
    KAFKA_BROKERS: BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    MONGO_URL,
    MONGO_DB: dbName,
    LOG_LEVEL: 'warn',
    CONNECTION_ID: connectionId,
    SF_CONNECTOR_GROUP: CONNECTOR_GROUP,
    SF_LOGIN_URL: `http://127.0.0.1:${SANDBOX_PORT}`,
    SF_AUTH_FLOW: 'client_credentials',
    SF_CLIENT_ID: CLIENT.id,
    SF_CLIENT_SECRET: CLIENT.secret,
    SF_OBJECTS: 'Account',
    SF_POLL_INTERVAL_MS: '60000',
    SF_DAILY_SHARE: '1',
    SF_COMMAND_PARTITIONS_CONCURRENTLY: '12',
    ...extra,
  };
}

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${SANDBOX_PORT}/__control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

/** Salesforce queries the connector has made (query, queryAll, queryMore). */
const queryCalls = () =>
  metricTotal(
    `http://127.0.0.1:${String(CONNECTOR_PORT)}`,
    /^crm_sync_api_calls_total\{.*operation="query/,
  );

/** Changes the connector has published from CDC. */
const cdcCaptured = () =>
  metricTotal(
    `http://127.0.0.1:${String(CONNECTOR_PORT)}`,
    /^crm_sync_changes_captured_total\{.*method="cdc"/,
  );

/**
 * The phases of collection writes, each on records of its own (`from`: the first command's
 * record). D starts on capture state of its own, its poll cursor at "now" with a short overlap:
 * its first poll must not re-read the records of A (unpolled: A's next poll was a minute away).
 */
const WRITE_PHASES = {
  A: { title: 'collection writes, limits off, CDC off', cdc: false, from: 0, env: {} },
  D: {
    title: 'collection writes, limits off, CDC capturing their echoes',
    cdc: true,
    from: RECORDS,
    env: { MONGO_DB: `${dbName}_d`, SF_POLL_OVERLAP_MS: '1000' },
  },
} as const;

/**
 * Phases A and D: limits off. A measures the write path alone, as the HubSpot bench measures
 * upserts without a webhook subscription; D the same writes while CDC captures their echoes, the
 * connector's production load. The connector starts with every command on its topic done, and
 * the phase's commands are produced once its first capture poll has run: that poll finds nothing,
 * and the next one is a minute away, so the capture of the writes' echoes stays out of the
 * measured span. (Commands produced before the start raced that first poll: it ran somewhere in
 * the middle of the writes, behind them for the connection's call slots, and captured anything
 * from none to most of their echoes, which made the figure swing by a third from run to run.)
 * Progress is read from the connector group's committed offsets (committed in the results'
 * transaction), so reading results does not spend the cores the connector runs on; producing the
 * commands does, in the first seconds (the producer's work only: the messages are built and
 * serialised before).
 */
async function throughput(phase: keyof typeof WRITE_PHASES) {
  const { title, cdc, from, env } = WRITE_PHASES[phase];
  const progress = await groupProgress(
    kafka,
    `${CONNECTOR_GROUP}-commands`,
    topic('salesforceCommands'),
  );
  const messages = commandMessages(from, RECORDS);
  const connector = await startService(
    'sf-connector',
    connectorEnv({ ...CONNECTOR_ENV, SF_CDC_ENABLED: String(cdc), ...env }),
    { port: CONNECTOR_PORT, healthPath: '/health' },
  );
  try {
    await waitForCount(() => queryCalls(), 1, 'capture polls');
    const queriesBefore = await queryCalls();
    const capturedBefore = await cdcCaptured();
    // Commands of earlier phases are committed already: count this phase's only.
    const committedBefore = await progress.committed();
    const committed = async () => (await progress.committed()) - committedBefore;
    const cpuBefore = cpuSeconds(connector.pid);
    await produceCommands(messages);
    const span = await waitForCount(committed, RECORDS, 'commands committed', 100);
    const cpu = cpuSeconds(connector.pid) - cpuBefore;
    const captured = (await cdcCaptured()) - capturedBefore;
    const seconds = (span.doneAt - span.firstAt) / 1000;
    const calls = (await control<{ used: number }>('GET', '/limits')).used;
    const queries = (await queryCalls()) - queriesBefore;
    // Every command has its result on Kafka (read after the clock stopped), one per record, after
    // those of the commands committed before.
    const results = await resultCounter(phase);
    await waitForCount(results.count, committedBefore + RECORDS, 'results');
    await results.stop();
    report(`sf-connector ${phase}: ${title}`, {
      records: RECORDS,
      'API calls (all)': calls,
      'capture queries while writing': queries,
      'seconds (first to last commit)': seconds,
      'records/s': Math.round((RECORDS - span.firstCount) / seconds),
      ...(cdc
        ? {
            'changes captured by CDC meanwhile': captured,
            'changes captured/s': Math.round(captured / seconds),
          }
        : {}),
      'connector CPU µs per record': Math.round((cpu * 1e6) / RECORDS),
      'connector peak RSS MB': peakRssMb(connector.pid),
    });
  } finally {
    await connector.stop();
    await progress.close();
  }
}

/** Phase B: CDC latency, from the sandbox's commit to the event on Kafka. */
async function cdcLatency(connector: ServiceProcess) {
  const conn = new jsforce.Connection({
    oauth2: {
      loginUrl: `http://127.0.0.1:${SANDBOX_PORT}`,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
    },
    version: '62.0',
    callOptions: { client: 'bench-user' },
  });
  await conn.login('bench@example.com', 'bench');
  const created = await conn.sobject('Account').create(
    Array.from({ length: 20 }, (_, i) => ({ Name: `Latency ${i}` })),
    { allOrNone: true },
  );
  const ids = created.flatMap((r) => (r.success ? [r.id] : []));

  const consumer = kafka.consumer({ groupId: `bench-changes-${run}`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topic: topic('salesforceChanges'), fromBeginning: false });
  // `fromBeginning: false` reads from the offsets at the group join: changes made before it
  // would be missed, so wait for the join itself.
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      resolve();
    });
  });
  const toKafka: number[] = [];
  const toReader: number[] = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      const received = Date.now();
      const event = JSON.parse(message.value?.toString() ?? '{}') as {
        payload?: {
          capturedBy?: string;
          changeType?: string;
          changedAt?: string;
          fields?: { Name?: string };
        };
      };
      const p = event.payload;
      if (
        p?.capturedBy !== 'cdc' ||
        p.changeType !== 'updated' ||
        !p.fields?.Name?.startsWith('Latency run')
      ) {
        return Promise.resolve();
      }
      const committed = Date.parse(p.changedAt ?? '');
      toKafka.push(Number(message.timestamp) - committed);
      toReader.push(received - committed);
      return Promise.resolve();
    },
  });
  await joined;
  for (let i = 0; i < CDC_CHANGES; i++) {
    const id = ids[i % ids.length] ?? '';
    await conn.sobject('Account').update({ Id: id, Name: `Latency run ${i}` });
    await sleep(20);
  }
  await waitForCount(() => toKafka.length, CDC_CHANGES, 'CDC events');
  await consumer.disconnect();
  const k = percentiles(toKafka, [50, 95, 99]);
  const r = percentiles(toReader, [50, 95, 99]);
  report('sf-connector B: CDC capture latency (sandbox commit → Kafka)', {
    changes: CDC_CHANGES,
    'to Kafka p50 ms': k['p50'] ?? Number.NaN,
    'to Kafka p95 ms': k['p95'] ?? Number.NaN,
    'to Kafka p99 ms': k['p99'] ?? Number.NaN,
    'to a reader p50 ms': r['p50'] ?? Number.NaN,
    'to a reader p99 ms': r['p99'] ?? Number.NaN,
    'connector peak RSS MB': peakRssMb(connector.pid),
  });
}

/**
 * A pass-through HTTP proxy in front of the sandbox that notes when each REST API call arrives:
 * the rate Salesforce would see, measured exactly. (OAuth and CometD pass too, uncounted.)
 */
async function arrivalRecorder(): Promise<{
  url: string;
  arrivals: number[];
  close: () => Promise<void>;
}> {
  const arrivals: number[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/services/data/v')) arrivals.push(performance.now());
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: SANDBOX_PORT,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Most arrivals within any span of `windowMs` (two pointers over sorted times). */
function mostInAnyWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] ?? 0) - (times[i] ?? 0) >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Phase C: limits on; a proxy records when each call reaches the sandbox. */
async function rateLimited() {
  const results = await resultCounter('C');
  const recorder = await arrivalRecorder();
  const connector = await startService(
    'sf-connector',
    connectorEnv({
      SF_LOGIN_URL: recorder.url,
      SF_RATE_LIMIT: String(RATE_LIMIT),
      SF_RATE_LIMIT_WINDOW_MS: String(RATE_WINDOW_MS),
      SF_CDC_ENABLED: 'false',
    }),
    { port: CONNECTOR_PORT, healthPath: '/health' },
  );
  try {
    const before = results.count();
    // More than the limit lets through in the measured time.
    const needed = Math.ceil(((RATE_SECONDS * 1000) / RATE_WINDOW_MS + 3) * RATE_LIMIT * 200);
    await produceCommands(commandMessages(2 * RECORDS, needed));
    await waitForCount(results.count, before + 1, 'first rate-limited result');
    // A rolling window allows a burst of the whole limit at the start: measure after it.
    await sleep(RATE_WINDOW_MS);
    const from = performance.now();
    await sleep(RATE_SECONDS * 1000);
    const to = performance.now();
    const all = [...recorder.arrivals];
    const measured = all.filter((t) => t >= from && t < to);
    const seconds = (to - from) / 1000;
    const allowed = (seconds * 1000 * RATE_LIMIT) / RATE_WINDOW_MS;
    report(`sf-connector C: limits on (${RATE_LIMIT} calls per ${RATE_WINDOW_MS / 1000} s)`, {
      'seconds measured': seconds,
      'API calls': measured.length,
      'configured calls/s': (RATE_LIMIT * 1000) / RATE_WINDOW_MS,
      'reached calls/s': measured.length / seconds,
      'fraction of configured rate': measured.length / allowed,
      [`most calls in any ${RATE_WINDOW_MS / 1000} s (measured)`]: mostInAnyWindow(
        measured,
        RATE_WINDOW_MS,
      ),
      [`most calls in any ${RATE_WINDOW_MS / 1000} s (from start)`]: mostInAnyWindow(
        all,
        RATE_WINDOW_MS,
      ),
      'records/s': Math.round((measured.length * 200) / seconds),
      'connector peak RSS MB': peakRssMb(connector.pid),
    });
  } finally {
    await connector.stop();
    await recorder.close();
    await results.stop();
  }
}

async function main() {
  const mongo = new MongoClient(MONGO_URL);
  await mongo.connect();
  const sandbox = await startService(
    'salesforce-sandbox',
    {
      SF_CLIENT_ID: CLIENT.id,
      SF_CLIENT_SECRET: CLIENT.secret,
      SF_DAILY_API_LIMIT: '100000000',
      SF_CDC_RETENTION: '50000',
      LOG_LEVEL: 'warn',
    },
    { port: SANDBOX_PORT, healthPath: '/__control/health' },
  );
  try {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(
      admin,
      (['salesforceCommands', 'commandResults', 'salesforceChanges'] as const).map((id) => ({
        topic: topic(id),
        partitions: TOPICS[id].partitions,
      })),
    );
    await admin.disconnect();
    if (PHASES.includes('B')) {
      const connector = await startService('sf-connector', connectorEnv(CONNECTOR_ENV), {
        port: CONNECTOR_PORT,
        healthPath: '/health',
      });
      try {
        await cdcLatency(connector);
      } finally {
        await connector.stop();
      }
    }
    for (const phase of ['A', 'D'] as const) if (PHASES.includes(phase)) await throughput(phase);
    if (PHASES.includes('C')) await rateLimited();
  } finally {
    await sandbox.stop();
    await mongo.db(dbName).dropDatabase();
    await mongo.db(WRITE_PHASES.D.env.MONGO_DB).dropDatabase();
    await mongo.close();
  }
}

await main();
