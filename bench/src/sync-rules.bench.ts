// Benchmark: change events per second through sync-rules alone (route + decide stages, real
// Kafka and FerretDB), the cost per event as the stream grows, and the service's peak memory.
// sync-rules runs as its own process; this process feeds account-created events and counts the
// create-company commands that come out.
//
//   ./dev bench sync-rules            (BENCH_EVENTS=200000 for the full run)
import { randomBytes } from 'node:crypto';
import {
  ConnectionSettings,
  DEFAULT_FIELD_MAPPINGS,
  TOPICS,
  changeEventKey,
  topicName,
  type ChangeEvent,
} from '@crm-sync/domain';
import { createKafka, ensureTopics } from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import { deleteTopicsWithPrefix, freePort } from '@crm-sync/testing';
import { MongoClient } from 'mongodb';
import { cpuSeconds, peakRssMb, report } from './lib/measure.js';
import { startService } from './lib/service-process.js';

const N = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const CHECKPOINTS = [10_000, 50_000, 100_000, 200_000].filter((c) => c < N).concat(N);
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const MONGO_URL = process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/';
const POLL_MS = 50;
const PRODUCE_BATCH = 1_000;

const run = randomBytes(4).toString('hex');
const prefix = `bench-${run}`;
const dbName = `bench_${run}`;
const connectionId = 'bench';
const logger = createLogger('bench', { level: 'warn' });
const kafka = createKafka({ brokers: BROKERS, clientId: 'bench', logger });

function accountCreated(i: number): ChangeEvent {
  const at = new Date(Date.UTC(2026, 10, 2, 0, 0, 0) + i).toISOString();
  return {
    id: `bench-${i}`,
    type: 'salesforce.account-changed.v1',
    connectionId,
    occurredAt: at,
    source: 'salesforce',
    payload: {
      kind: 'salesforce_account',
      recordId: `001${String(i).padStart(12, '0')}AAA`,
      changeType: 'created',
      fields: {
        Name: `Bench ${i}`,
        Website: `https://bench${i}.example`,
        Phone: '+1 555 0100',
        Industry: 'Banking',
      },
      changedFields: ['Name', 'Website', 'Phone', 'Industry'],
      changedAt: at,
      createdDate: at,
      changeOrigin: null,
      capturedBy: 'cdc',
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const mongo = new MongoClient(MONGO_URL);
  await mongo.connect();
  // Idempotent: a send retried after "not the leader" must not write the batch twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      {
        topic: topicName(TOPICS.syncControl.ref, prefix),
        partitions: TOPICS.syncControl.partitions,
        cleanupPolicy: 'delete',
      },
    ]);
    await admin.disconnect();
    const settings = ConnectionSettings.parse({
      connectionId,
      syncCompanies: true,
      syncEnabledAt: '2026-11-01T00:00:00.000Z',
    });
    const control = topicName(TOPICS.syncControl.ref, prefix);
    const envelope = (type: string, payload: unknown) => ({
      key: connectionId,
      value: JSON.stringify({
        id: `${type}-${run}`,
        type,
        connectionId,
        occurredAt: new Date().toISOString(),
        source: 'settings-api',
        payload,
      }),
    });
    await producer.send({
      topic: control,
      messages: [
        envelope('sync.settings-changed.v1', { settings, changedBy: 'bench' }),
        envelope('sync.mappings-changed.v1', {
          mappings: DEFAULT_FIELD_MAPPINGS,
          changedBy: 'bench',
        }),
      ],
    });
    // sync-rules reads the whole control topic before it reports healthy: start it now.
    service = await startService(
      'sync-rules',
      {
        KAFKA_BROKERS: BROKERS.join(','),
        MONGO_URL,
        MONGO_DB: dbName,
        KAFKA_TOPIC_PREFIX: prefix,
        SYNC_RULES_GROUP: `bench-${run}`,
        LOG_LEVEL: process.env['BENCH_SERVICE_LOG_LEVEL'] ?? 'warn',
      },
      { port: await freePort(), healthPath: '/health', timeoutMs: 60_000 },
    );

    const commands = topicName(TOPICS.hubspotCommands.ref, prefix);
    const consumer = kafka.consumer({ groupId: `bench-reader-${run}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: commands, fromBeginning: true });
    let seen = 0;
    const reached = new Map<number, number>();
    await consumer.run({
      eachBatch: ({ batch }) => {
        seen += batch.messages.length;
        for (const c of CHECKPOINTS)
          if (seen >= c && !reached.has(c)) reached.set(c, performance.now());
        return Promise.resolve();
      },
    });

    const changes = topicName(TOPICS.salesforceChanges.ref, prefix);
    const started = performance.now();
    const cpuAtStart = cpuSeconds(service.pid);
    for (let from = 0; from < N; from += PRODUCE_BATCH) {
      const events = Array.from({ length: Math.min(PRODUCE_BATCH, N - from) }, (_, k) =>
        accountCreated(from + k),
      );
      await producer.send({
        topic: changes,
        messages: events.map((e) => ({ key: changeEventKey(e), value: JSON.stringify(e) })),
      });
    }
    const produced = performance.now();
    let lastReport = performance.now();
    while (seen < N) {
      await sleep(POLL_MS);
      if (performance.now() - lastReport > 5_000) {
        process.stderr.write(
          `… ${seen.toLocaleString('en-US')} of ${N.toLocaleString('en-US')} commands\n`,
        );
        lastReport = performance.now();
      }
    }
    const done = performance.now();
    const cpuUsed = cpuSeconds(service.pid) - cpuAtStart;
    await consumer.disconnect();

    const figures: Record<string, string | number> = {
      events: N,
      'produce time (s)': (produced - started) / 1000,
      'end-to-end time (s)': (done - started) / 1000,
      'events/s (end to end)': Math.round(N / ((done - started) / 1000)),
    };
    let prev = 0;
    let prevAt = started;
    for (const c of CHECKPOINTS) {
      const at = reached.get(c) ?? done;
      figures[`µs/event ${prev.toLocaleString('en-US')}–${c.toLocaleString('en-US')}`] = Math.round(
        ((at - prevAt) * 1000) / (c - prev),
      );
      prev = c;
      prevAt = at;
    }
    // CPU the service spent on the stream: what a busy shared machine disturbs least.
    figures['sync-rules CPU (s)'] = cpuUsed;
    figures['sync-rules CPU µs/event'] = Math.round((cpuUsed * 1e6) / N);
    figures['sync-rules peak RSS (MB)'] = peakRssMb(service.pid);
    report(
      `sync-rules: ${N.toLocaleString('en-US')} account-created events → create-company commands`,
      figures,
    );
  } finally {
    await producer.disconnect();
    await mongo.db(dbName).dropDatabase();
    await mongo.close();
    await service?.stop();
    // A broker keeping every run's topics slows down, and in the end runs out of heap.
    await deleteTopicsWithPrefix(kafka, `${prefix}.`);
  }
}

await main();
