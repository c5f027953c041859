/**
 * What every service relies on from the real broker (Kafka 4.x, KRaft) through kafkajs:
 * group consumption with manual commits, and transactional consume-transform-produce.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Consumer, Kafka } from '@crm-sync/kafka';
import { collect, createTestTopics, testKafka } from '../kafka.js';
import { uniqueName } from '../infra.js';
import { waitFor } from '../wait.js';

let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset;
}

describe('consumer group with manual commits', () => {
  it('resumes after the last committed offset when a consumer restarts', async () => {
    const [topic] = await createTestTopics(admin, ['manual-commit']);
    if (topic === undefined) throw new Error('no topic');
    const groupId = uniqueName('group');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();

    // First instance processes everything it is given but commits only after the first five.
    const first: string[] = [];
    const c1: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await c1.connect();
    await c1.subscribe({ topic, fromBeginning: true });
    await c1.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        first.push(message.value?.toString() ?? '');
        if (Number(message.offset) < 5) {
          await c1.commitOffsets([
            { topic, partition, offset: String(Number(message.offset) + 1) },
          ]);
        }
      },
    });
    await waitFor(() => first.length >= 5, { description: 'first consumer to see 5 messages' });
    await waitFor(async () => (await committedOffset(groupId, topic)) === '5', {
      description: 'offset 5 committed',
    });
    await c1.disconnect();

    // The restarted instance starts at the committed offset, not at the beginning or the end.
    const second: string[] = [];
    const c2 = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await c2.connect();
    await c2.subscribe({ topic, fromBeginning: true });
    await c2.run({
      autoCommit: false,
      eachMessage: ({ message }) => {
        second.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await waitFor(() => second.length >= 5, { description: 'restarted consumer to see 5' });
    await c2.disconnect();
    expect(second).toEqual(['5', '6', '7', '8', '9']);
    expect(await committedOffset(groupId, topic)).toBe('5');
  });
});

describe('transactional consume-transform-produce', () => {
  it('commits output and input offsets atomically, and hides aborted output from read_committed', async () => {
    const [input, output] = await createTestTopics(admin, ['tx-in', 'tx-out']);
    if (input === undefined || output === undefined) throw new Error('no topics');
    const groupId = uniqueName('tx-group');

    const plain = kafka.producer();
    await plain.connect();
    await plain.send({
      topic: input,
      messages: ['a', 'b', 'c'].map((v) => ({ key: v, value: v })),
    });
    await plain.disconnect();

    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let transformed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const txn = await producer.transaction();
        try {
          await txn.send({
            topic: output,
            messages: batch.messages.map((m) => ({
              key: m.key,
              value: (m.value?.toString() ?? '').toUpperCase(),
            })),
          });
          await txn.sendOffsets({
            consumerGroupId: groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [
                  { partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) },
                ],
              },
            ],
          });
          await txn.commit();
          transformed += batch.messages.length;
        } catch (e) {
          await txn.abort();
          throw e;
        }
      },
    });
    await waitFor(() => transformed >= 3, { description: 'three inputs transformed' });
    await consumer.disconnect();

    // The input offsets were committed by the transaction, not by the consumer. The coordinator
    // applies them when it writes the commit markers, just after `commit()` returns.
    await waitFor(async () => (await committedOffset(groupId, input)) === '3', {
      description: 'the input offsets committed by the transaction',
    });
    expect(await committedOffset(groupId, input)).toBe('3');

    // An aborted transaction, then a committed marker that read_committed readers must reach.
    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'x', value: 'ABORTED' }] });
    await aborted.abort();
    const marker = await producer.transaction();
    await marker.send({ topic: output, messages: [{ key: 'end', value: 'END' }] });
    await marker.commit();
    await producer.disconnect();

    const committed = await collect(kafka, output);
    const uncommitted = await collect(kafka, output, { readUncommitted: true });
    try {
      await waitFor(() => committed.messages.some((m) => m.value === 'END'), {
        description: 'read_committed reader to reach END',
      });
      await waitFor(() => uncommitted.messages.some((m) => m.value === 'END'), {
        description: 'read_uncommitted reader to reach END',
      });
      expect(committed.messages.map((m) => m.value)).toEqual(['A', 'B', 'C', 'END']);
      // The aborted record is in the log: only isolation hides it.
      expect(uncommitted.messages.map((m) => m.value)).toContain('ABORTED');
    } finally {
      await committed.stop();
      await uncommitted.stop();
    }
  });
});
