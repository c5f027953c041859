// Benchmark: hs-connector as its own process against the HubSpot sandbox (its own process),
// real Kafka and FerretDB.
//   1. throughput: UpsertHubSpotCompany commands → batch upserts → results, limits off;
//   2. budget: the same with HubSpot's limit on (190 requests per 10 s on both sides): the share
//      of the limit reached, and whether HubSpot ever refused a request (429 = above the limit);
//   3. webhook capture: a person's edit in the sandbox → signed webhook → connector → change
//      event visible in Kafka (read_committed), latency percentiles.
//
//   ./dev bench hs-connector     (BENCH_COMMANDS, BENCH_LIMITED_SECONDS (0 skips), BENCH_EDITS
//                                 to resize)
import { randomBytes } from 'node:crypto';
import {
  COMMAND_TYPES,
  commandKey,
  TOPICS,
  topicName,
  type HubSpotCommand,
} from '@crm-sync/domain';
import { createKafka, ensureTopics, type Consumer, type Producer } from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import { waitFor } from '@crm-sync/testing';
import { groupProgress, waitForCount } from './lib/group-progress.js';
import { cpuSeconds, metricTotal, percentiles, peakRssMb, report } from './lib/measure.js';
import { startService, type ServiceProcess } from './lib/service-process.js';

const COMMANDS = Number(process.env['BENCH_COMMANDS'] ?? 100_000);
/**
 * The limited phase's measured span; 0 skips the phase. A shorter span than two windows (20 s)
 * is refused: the first window's requests leave in its first seconds, and a span that falls in
 * the pause before the next window would print a share near 0 %.
 */
const LIMITED_SECONDS = Number(process.env['BENCH_LIMITED_SECONDS'] ?? 60);
if (!(LIMITED_SECONDS === 0 || LIMITED_SECONDS >= 20)) {
  throw new Error(`BENCH_LIMITED_SECONDS must be 0 (skip) or at least 20, got ${LIMITED_SECONDS}`);
}
const EDITS = Number(process.env['BENCH_EDITS'] ?? 1_000);
const EDITS_PER_SECOND = 50;
const LIMIT = 190;
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const MONGO_URL = process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/';
const SANDBOX_PORT = 18621;
const CONNECTOR_PORTS = [18622, 18623];
const TOKEN = 'bench-token';
const APP_ID = '1160452';
const SECRET = 'bench-client-secret';

const run = randomBytes(4).toString('hex');
const logger = createLogger('bench', { level: 'warn' });
const kafka = createKafka({ brokers: BROKERS, clientId: `bench-${run}`, logger });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function upsert(connectionId: string, i: number): HubSpotCommand {
  const accountId = `001${String(i).padStart(12, '0')}${connectionId === 'bench-a' ? 'AAA' : 'BBB'}`;
  return {
    id: `bench-${run}-${connectionId}-${i}`,
    type: COMMAND_TYPES.upsertHubSpotCompany,
    connectionId,
    occurredAt: new Date().toISOString(),
    source: 'sync-rules',
    payload: {
      commandId: `bench-${connectionId}-${i}`,
      idempotencyKey: `bench-${connectionId}-${i}`,
      causationId: `bench-${i}`,
      salesforceAccountId: accountId,
      properties: {
        name: `Bench Company ${i}`,
        domain: `bench${i}.example.com`,
        city: 'Berlin',
        numberofemployees: String(i % 5000),
      },
    },
  };
}

interface Connector {
  readonly process: ServiceProcess;
  readonly prefix: string;
}

const prefixOf = (connectionId: string) => `bench-${run}-${connectionId}`;

/** The connector's topics, created ahead so commands can wait there before it starts. */
async function prepareTopics(prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [TOPICS.hubspotCommands, TOPICS.commandResults, TOPICS.hubspotChanges].map((t) => ({
      topic: topicName(t.ref, prefix),
      partitions: t.partitions,
    })),
  );
  await admin.disconnect();
}

async function startConnector(
  connectionId: string,
  port: number,
  extra: Readonly<Record<string, string>>,
): Promise<Connector> {
  const prefix = prefixOf(connectionId);
  const process = await startService(
    'hs-connector',
    {
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      MONGO_URL,
      MONGO_DB: `bench_${run}`,
      HS_CONNECTOR_GROUP: `bench-${run}-${connectionId}`,
      CONNECTION_ID: connectionId,
      HUBSPOT_CLIENT_SECRET: SECRET,
      HUBSPOT_ACCESS_TOKEN: TOKEN,
      HUBSPOT_APP_ID: APP_ID,
      HUBSPOT_BASE_URL: `http://127.0.0.1:${SANDBOX_PORT}`,
      // Polling is not measured here: start it at "now" with no overlap to read back.
      HUBSPOT_POLL_INTERVAL_MS: '3600000',
      HUBSPOT_POLL_LOOKBACK_MS: '0',
      HUBSPOT_SWEEP_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    { port, healthPath: '/health', timeoutMs: 60_000 },
  );
  return { process, prefix };
}

async function produce(producer: Producer, topic: string, commands: readonly HubSpotCommand[]) {
  for (let i = 0; i < commands.length; i += 2_000) {
    await producer.send({
      topic,
      messages: commands
        .slice(i, i + 2_000)
        .map((c) => ({ key: commandKey(c), value: JSON.stringify(c) })),
    });
  }
}

/** Counts committed results. */
async function countResults(topic: string): Promise<{
  readonly consumer: Consumer;
  count(): number;
}> {
  const consumer = kafka.consumer({
    groupId: `bench-results-${run}-${topic}`,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  await consumer.run({
    eachBatch: ({ batch }) => {
      n += batch.messages.length;
      return Promise.resolve();
    },
  });
  return { consumer, count: () => n };
}

async function control(path: string, body: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${SANDBOX_PORT}/__control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
}

/**
 * Phase 1: limits off. The commands wait in Kafka first, so the figure is the connector's, not the
 * producer's. Progress is read from the connector group's committed offsets (committed in the
 * results' transaction), as the Salesforce bench does: a reader decoding every result would
 * spend the cores the connector runs on. The results are counted after the clock stopped.
 */
async function throughput(producer: Producer): Promise<Connector> {
  const prefix = prefixOf('bench-a');
  await prepareTopics(prefix);
  const commandTopic = topicName(TOPICS.hubspotCommands.ref, prefix);
  const commands = Array.from({ length: COMMANDS }, (_, i) => upsert('bench-a', i));
  await produce(producer, commandTopic, commands);
  const progress = await groupProgress(kafka, `bench-${run}-bench-a-commands`, commandTopic);
  const t0 = performance.now();
  const fast = await startConnector('bench-a', CONNECTOR_PORTS[0] ?? 0, {
    HUBSPOT_LIMIT_TEN_SECONDLY: 'off',
    HUBSPOT_LIMIT_DAILY: 'off',
    HUBSPOT_LIMIT_SEARCH_PER_SECOND: 'off',
    HUBSPOT_CONCURRENCY: process.env['BENCH_CONCURRENCY'] ?? '4',
    HUBSPOT_MAX_IN_FLIGHT: process.env['BENCH_IN_FLIGHT'] ?? '12',
    HS_CONNECTOR_PARTITIONS_CONCURRENTLY: process.env['BENCH_PARTITIONS'] ?? '12',
  });
  // The connector's CPU from its first commit (its start-up left out) to its last.
  let cpuAtFirst: { readonly seconds: number; readonly count: number } | undefined;
  const committed = async () => {
    const count = await progress.committed();
    if (count > 0) cpuAtFirst ??= { seconds: cpuSeconds(fast.process.pid), count };
    return count;
  };
  let span: Awaited<ReturnType<typeof waitForCount>>;
  let cpu: number;
  try {
    span = await waitForCount(committed, COMMANDS, 'commands committed', 100);
    cpu = cpuSeconds(fast.process.pid) - (cpuAtFirst?.seconds ?? 0);
  } finally {
    await progress.close();
  }
  const results = await countResults(topicName(TOPICS.commandResults.ref, prefix));
  await waitFor(() => results.count() >= COMMANDS, {
    timeoutMs: 60_000,
    description: 'a result for every command',
  });
  await results.consumer.disconnect();
  const seconds = (span.doneAt - span.firstAt) / 1000;
  report(`hs-connector: ${COMMANDS.toLocaleString('en-US')} company upserts, limits off`, {
    'records/s (first to last commit)': Math.round((COMMANDS - span.firstCount) / seconds),
    'records/s (process start to last commit)': Math.round(COMMANDS / ((span.doneAt - t0) / 1000)),
    'upsert requests': await metricTotal(fast.process.url, /operation="companies\.batch\.upsert"/),
    'connector CPU µs per record': Math.round((cpu * 1e6) / (COMMANDS - (cpuAtFirst?.count ?? 0))),
    'connector peak RSS (MB)': peakRssMb(fast.process.pid),
  });
  return fast;
}

async function budget(producer: Producer): Promise<void> {
  await control('/limits', { tenSecondly: LIMIT, daily: null, searchPerSecond: null }, 'PUT');
  // More work than the window allows for the whole measurement, waiting in Kafka.
  const prefix = prefixOf('bench-b');
  await prepareTopics(prefix);
  const needed = Math.ceil(((LIMITED_SECONDS + 20) * LIMIT) / 10) * 100;
  const commands = Array.from({ length: needed }, (_, i) => upsert('bench-b', i));
  await produce(producer, topicName(TOPICS.hubspotCommands.ref, prefix), commands);
  const limited = await startConnector('bench-b', CONNECTOR_PORTS[1] ?? 0, {
    HUBSPOT_LIMIT_TEN_SECONDLY: String(LIMIT),
    HUBSPOT_LIMIT_DAILY: 'off',
  });
  try {
    const upserts = /operation="companies\.batch\.upsert",status="200"/;
    // Skip the start-up (first fetches, the empty window): measure from when a whole window's
    // worth of requests was answered, so the rolling window is full and the rate steady.
    await waitFor(async () => (await metricTotal(limited.process.url, upserts)) >= LIMIT, {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: "a whole window's worth of answered upserts",
    });
    const samples: { at: number; n: number }[] = [];
    const end = performance.now() + LIMITED_SECONDS * 1000;
    while (performance.now() < end) {
      samples.push({ at: performance.now(), n: await metricTotal(limited.process.url, upserts) });
      await sleep(500);
    }
    const first = samples[0] ?? { at: 0, n: 0 };
    const last = samples.at(-1) ?? first;
    const perTenSeconds = ((last.n - first.n) * 10_000) / (last.at - first.at);
    let busiest = 0;
    for (const s of samples) {
      const before = samples.filter((x) => x.at <= s.at - 10_000).at(-1);
      if (before) busiest = Math.max(busiest, s.n - before.n);
    }
    const refused = await metricTotal(limited.process.url, /status="429"/);
    report(`hs-connector: limits on (${LIMIT} requests per 10 s), ${LIMITED_SECONDS} s steady`, {
      // Counted when answered (the connector's /metrics), so a window's edges blur by the few
      // requests in flight; HubSpot's verdict on "above the limit" is its 429s.
      'requests per 10 s (mean, by answer)': perTenSeconds,
      'share of the limit': `${((100 * perTenSeconds) / LIMIT).toFixed(1)} %`,
      'busiest 10 s (by answer, sampled)': busiest,
      '429 answers (above the limit)': refused,
      'records/s': Math.round((perTenSeconds * 100) / 10),
      'connector peak RSS (MB)': peakRssMb(limited.process.pid),
    });
  } finally {
    await limited.process.stop();
    await control('/limits', { tenSecondly: null, daily: null, searchPerSecond: null }, 'PUT');
  }
}

async function captureLatency(connector: Connector): Promise<void> {
  await control(
    '/webhooks',
    {
      targetUrl: `${connector.process.url}/webhooks/hubspot`,
      subscriptions: [{ subscriptionType: 'company.propertyChange', propertyName: 'description' }],
      batchWindowMs: 5,
    },
    'PUT',
  );
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  // From the sandbox committing the edit (the property's history timestamp, the moment its
  // webhook event is due) to the change event's Kafka record and to this reader: what capture
  // adds, without the bench's own edit request.
  const toKafka: number[] = [];
  const toReader: number[] = [];
  const consumer = kafka.consumer({ groupId: `bench-changes-${run}`, maxWaitTimeInMs: 10 });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName(TOPICS.hubspotChanges.ref, connector.prefix) });
  await consumer.run({
    eachMessage: ({ message }) => {
      const now = performance.now();
      const wallNow = Date.now();
      const e = JSON.parse(message.value?.toString() ?? '{}') as {
        payload?: {
          properties?: Record<string, string | null>;
          propertyChangedAt?: Record<string, string>;
        };
      };
      const marker = e.payload?.properties?.['description'] ?? '';
      const t = sentAt.get(marker);
      if (t !== undefined) {
        latencies.push(now - t);
        sentAt.delete(marker);
        const committedAt = Date.parse(e.payload?.propertyChangedAt?.['description'] ?? '');
        if (Number.isFinite(committedAt)) {
          toKafka.push(Number(message.timestamp) - committedAt);
          toReader.push(wallNow - committedAt);
        }
      }
      return Promise.resolve();
    },
  });
  await joined;
  const ids = await (
    await fetch(`http://127.0.0.1:${SANDBOX_PORT}/crm/v3/objects/companies?limit=100`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).json();
  const companyIds = (ids as { results: { id: string }[] }).results.map((r) => r.id);
  for (let i = 0; i < EDITS; i++) {
    const marker = `edit ${run} ${i}`;
    sentAt.set(marker, performance.now());
    await control(`/objects/companies/${companyIds[i % companyIds.length] ?? ''}/edit`, {
      properties: { description: marker },
    });
    await sleep(1000 / EDITS_PER_SECOND);
  }
  const deadline = performance.now() + 30_000;
  while (latencies.length < EDITS && performance.now() < deadline) await sleep(50);
  await consumer.disconnect();
  const p = percentiles(latencies, [50, 95, 99]);
  const k = percentiles(toKafka, [50, 95, 99]);
  const r = percentiles(toReader, [50, 99]);
  report(
    `hs-connector: webhook → change event in Kafka (${EDITS} edits at ${EDITS_PER_SECOND}/s)`,
    {
      captured: `${latencies.length} of ${EDITS}`,
      'sandbox commit → Kafka p50 ms': k['p50'] ?? Number.NaN,
      'sandbox commit → Kafka p95 ms': k['p95'] ?? Number.NaN,
      'sandbox commit → Kafka p99 ms': k['p99'] ?? Number.NaN,
      'sandbox commit → a reader p50 ms': r['p50'] ?? Number.NaN,
      'sandbox commit → a reader p99 ms': r['p99'] ?? Number.NaN,
      'edit request → a reader p50 ms': p['p50'] ?? Number.NaN,
      'edit request → a reader p95 ms': p['p95'] ?? Number.NaN,
      'edit request → a reader p99 ms': p['p99'] ?? Number.NaN,
      'connector peak RSS (MB)': peakRssMb(connector.process.pid),
    },
  );
}

async function main(): Promise<void> {
  const sandbox = await startService(
    'hubspot-sandbox',
    {
      HUBSPOT_SANDBOX_TOKENS: `${TOKEN}:${APP_ID}`,
      HUBSPOT_APP_ID: APP_ID,
      HUBSPOT_CLIENT_SECRET: SECRET,
      HUBSPOT_LIMIT_TEN_SECONDLY: 'off',
      HUBSPOT_LIMIT_DAILY: 'off',
      HUBSPOT_LIMIT_SEARCH_PER_SECOND: 'off',
      LOG_LEVEL: 'warn',
    },
    { port: SANDBOX_PORT, healthPath: '/__control/health' },
  );
  // Idempotent: a send retried after "not the leader" must not write the batch twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let fast: Connector | undefined;
  try {
    fast = await throughput(producer);
    await captureLatency(fast);
    // The limited connector must be the portal's only client: the first one's reads of the
    // companies the webhooks name would count in the same HubSpot window (and rightly so).
    await fast.process.stop();
    fast = undefined;
    if (LIMITED_SECONDS > 0) await budget(producer);
    report('hs-connector bench: processes', {
      'sandbox peak RSS (MB)': peakRssMb(sandbox.pid),
      'bench peak RSS (MB)': peakRssMb(),
    });
  } finally {
    await producer.disconnect();
    await fast?.process.stop();
    await sandbox.stop();
  }
}

await main();
