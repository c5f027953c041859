import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafka, uniqueName as unique } from './broker.fixture.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { readTopicToEnd } from './topic-reader.js';
import { ensureTopics } from './topics.js';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  kafka = testKafka('reader-test');
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

async function topicWith(count: number, partitions = 3): Promise<string> {
  const topic = unique('read-to-end');
  await ensureTopics(admin, [{ topic, partitions, cleanupPolicy: 'compact' }]);
  const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  if (messages.length > 0) await producer.send({ topic, messages });
  return topic;
}

describe('readTopicToEnd', () => {
  it('reads every message present when the read began, then stops; later ones are left alone', async () => {
    const topic = await topicWith(2_000);
    const seen: string[] = [];
    let added = false;
    const read = await readTopicToEnd({
      kafka,
      topic,
      groupId: unique('reader'),
      onBatch: async (messages) => {
        seen.push(...messages.map((m) => m.value ?? ''));
        if (!added) {
          added = true;
          // Written after the read began: not part of this read.
          await producer.send({ topic, messages: [{ key: 'late', value: 'late' }] });
        }
      },
    });
    expect(read).toBe(2_000);
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: 2_000 }, (_, i) => `v${i}`)));
    expect(seen).not.toContain('late');
  });

  it('returns at once for an empty topic and leaves no consumer group behind', async () => {
    const topic = await topicWith(0);
    const groupId = unique('reader');
    await expect(
      readTopicToEnd({ kafka, topic, groupId, onBatch: () => Promise.resolve() }),
    ).resolves.toBe(0);
    const full = await topicWith(10, 1);
    await readTopicToEnd({ kafka, topic: full, groupId, onBatch: () => Promise.resolve() });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups).not.toContain(groupId);
  });

  it('stops with the abort reason when aborted', async () => {
    const topic = await topicWith(500, 1);
    const abort = new AbortController();
    await expect(
      readTopicToEnd({
        kafka,
        topic,
        groupId: unique('reader'),
        signal: abort.signal,
        onBatch: () => {
          abort.abort(new Error('cancelled by tester'));
          return Promise.resolve();
        },
      }),
    ).rejects.toThrow('cancelled by tester');
  });
});
