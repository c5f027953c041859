import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { createKafka } from './client.js';
import { partitionForKey } from './partitioner.js';
import { ensureTopics } from './topics.js';

// This lib sits below @crm-sync/testing, so it reads the broker address itself.
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const PARTITIONS = 7;

let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers, clientId: 'producer-test', logger: silent });
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
