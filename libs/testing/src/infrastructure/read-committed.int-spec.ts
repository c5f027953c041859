/**
 * read_committed readers never see a record of an aborted transaction, however the aborted
 * transactions of several producers interleave in a partition. This is the shape a crashed
 * pipeline leaves on its output topics: one open transaction per input partition, all aborted
 * later, in whatever order their new owners fence them. kafkajs 2.2.4's own filter let some
 * of those records through (see tools/patches/kafkajs).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Consumer, Kafka, Producer } from '@crm-sync/kafka';
import { createTestTopics, testKafka } from '../kafka.js';
import { uniqueName } from '../infra.js';
import { waitFor } from '../wait.js';

let kafka: Kafka;
let admin: Admin;
const opened: { disconnect(): Promise<void> }[] = [];

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const c of opened.reverse()) await c.disconnect();
  await admin.disconnect();
});

async function transactional(): Promise<Producer> {
  const p = kafka.producer({
    transactionalId: uniqueName('tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await p.connect();
  opened.push(p);
  return p;
}

/** A read_committed reader of one partition: the values it was given and the offsets it passed. */
async function reader(topic: string): Promise<{ values: string[]; passed: Set<string> }> {
  const values: string[] = [];
  const passed = new Set<string>();
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  opened.push(consumer);
  await consumer.connect();
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    passed.add(e.payload.lastOffset);
  });
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      values.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  return { values, passed };
}

async function finish(topic: string): Promise<void> {
  const done = await transactional();
  const txn = await done.transaction();
  await txn.send({ topic, messages: [{ key: 'end', value: 'END' }] });
  await txn.commit();
}

describe('read_committed with interleaved aborted transactions', () => {
  it('hides a transaction that began first and was aborted last', async () => {
    const [topic] = await createTestTopics(admin, ['rc-order']);
    if (topic === undefined) throw new Error('no topic');
    const [a, b] = [await transactional(), await transactional()];
    const ta = await a.transaction();
    await ta.send({ topic, messages: [{ key: 'a', value: 'ABORTED-A' }] });
    const tb = await b.transaction();
    await tb.send({ topic, messages: [{ key: 'b', value: 'ABORTED-B' }] });
    // The broker lists aborted transactions in the order they ended: B, then A.
    await tb.abort();
    await ta.abort();
    await finish(topic);

    const read = await reader(topic);
    await waitFor(() => read.values.includes('END'), { description: 'the reader to reach END' });
    expect(read.values).toEqual(['END']);
  }, 60_000);

  it('hides the next aborted transaction when a fetch starts inside an earlier one', async () => {
    const [topic] = await createTestTopics(admin, ['rc-resume']);
    if (topic === undefined) throw new Error('no topic');
    const [a, b] = [await transactional(), await transactional()];
    const ta = await a.transaction();
    await ta.send({ topic, messages: [{ key: 'a', value: 'ABORTED-A' }] });
    const tb = await b.transaction();
    await tb.send({ topic, messages: [{ key: 'b', value: 'ABORTED-B' }] });
    await ta.abort();

    // B is still open: the reader gets A's record (offset 0) only, drops it, and goes on from
    // offset 1, inside A's transaction (A's abort marker is at 2).
    const read = await reader(topic);
    await waitFor(() => read.passed.has('0'), { description: 'the reader past offset 0' });
    await tb.abort();
    await finish(topic);

    await waitFor(() => read.values.includes('END'), { description: 'the reader to reach END' });
    expect(read.values).toEqual(['END']);
  }, 60_000);
});
