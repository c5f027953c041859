import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafka, uniqueName as unique } from './broker.fixture.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { partitionForKey } from './partitioner.js';
import { ensureTopics } from './topics.js';

const PARTITIONS = 7;

let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];

beforeAll(async () => {
  kafka = testKafka('producer-test');
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const p of producers) await p.disconnect();
  await admin.disconnect();
});

/** Messages like ours: record keys, JSON values of 300–1,500 bytes, some keys non-ASCII. */
function messages(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 10 === 0 ? `c1:hubspot:Company:Zürich-${i}` : `c1:salesforce:Account:001${i}AAA`,
    value: JSON.stringify({ i, pad: 'x'.repeat(300 + ((i * 37) % 1_200)) }),
  }));
}

/** Reads the topic back (committed records only) until `count` keys are in: key → partition. */
async function partitionsOf(topic: string, count: number): Promise<Map<string, number>> {
  const placed = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: unique('producer-test-reader'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            placed.set(message.key?.toString('utf8') ?? '', partition);
            if (placed.size >= count) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return placed;
}

/** Creates a topic, lets `send` write 500 messages to it, and returns where each key landed. */
async function placement(
  send: (topic: string, sent: ReturnType<typeof messages>) => Promise<void>,
): Promise<{ sent: ReturnType<typeof messages>; placed: Map<string, number> }> {
  const topic = unique('producer-placement');
  await ensureTopics(admin, [{ topic, partitions: PARTITIONS }]);
  const sent = messages(500);
  await send(topic, sent);
  return { sent, placed: await partitionsOf(topic, sent.length) };
}

async function connected(producer: Producer): Promise<Producer> {
  producers.push(producer);
  await producer.connect();
  return producer;
}

describe('producers from createKafka', () => {
  it('put each key where the Java client would, and the broker takes their batches', async () => {
    const producer = await connected(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    const { sent, placed } = await placement(async (topic, batch) => {
      await producer.send({ topic, messages: batch });
    });
    expect(placed.size).toBe(sent.length);
    expect(sent.filter((m) => placed.get(m.key) !== partitionForKey(m.key, PARTITIONS))).toEqual(
      [],
    );
  });

  it('do so in transactions too (the producers of TransactionalPipeline)', async () => {
    const producer = await connected(
      kafka.producer({
        transactionalId: unique('producer-test'),
        idempotent: true,
        maxInFlightRequests: 1,
      }),
    );
    const { sent, placed } = await placement(async (topic, batch) => {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: batch });
      await txn.commit();
    });
    expect(placed.size).toBe(sent.length);
    expect(sent.filter((m) => placed.get(m.key) !== partitionForKey(m.key, PARTITIONS))).toEqual(
      [],
    );
  });
});

describe('transactional producers (tools/patches: coordinators kept)', () => {
  /** Counts the requests `producer` sends, by API name. */
  function requestsOf(producer: Producer): Map<string, number> {
    const counts = new Map<string, number>();
    producer.on(producer.events.REQUEST, ({ payload }) => {
      counts.set(payload.apiName, (counts.get(payload.apiName) ?? 0) + 1);
    });
    return counts;
  }

  async function oneTransaction(producer: Producer, topic: string, groupId: string, n: number) {
    const txn = await producer.transaction();
    try {
      await txn.send({ topic, messages: [{ key: `k${n}`, value: `v${n}` }] });
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: String(n + 1) }] }],
      });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  }

  it('look each coordinator up once, and again only after a request to it failed', async () => {
    const topic = unique('producer-coordinators');
    const groupId = unique('producer-coordinators-group');
    const transactionalId = unique('producer-coordinators-txn');
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
    // Retries as TransactionalPipeline's producers (CONCURRENT_TRANSACTIONS after a commit).
    const retry = { initialRetryTime: 10, retries: 20 };
    const options = { transactionalId, idempotent: true, maxInFlightRequests: 1, retry };
    const first = kafka.producer(options);
    const counts = requestsOf(first);
    await connected(first);

    for (let n = 0; n < 5; n++) await oneTransaction(first, topic, groupId, n);
    // One lookup of the transaction coordinator (at connect) and one of the group's.
    expect(counts.get('GroupCoordinator')).toBe(2);
    expect(counts.get('EndTxn')).toBe(5);
    expect(counts.get('TxnOffsetCommit')).toBe(5);

    // A second producer with the same id fences the first (at its first transaction): the
    // first's next transaction fails at its coordinator, which it then forgets.
    await oneTransaction(await connected(kafka.producer(options)), topic, groupId, 5);
    await expect(oneTransaction(first, topic, groupId, 6)).rejects.toThrow();
    const afterFailure = counts.get('GroupCoordinator') ?? 0;
    await expect(oneTransaction(first, topic, groupId, 7)).rejects.toThrow();
    expect(counts.get('GroupCoordinator')).toBe(afterFailure + 1);
  });
});
