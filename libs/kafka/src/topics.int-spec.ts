import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafka } from './broker.fixture.js';
import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { ensureTopics, groupLag } from './topics.js';

let admin: Admin;

beforeAll(async () => {
  admin = testKafka('topics-test').admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

describe('ensureTopics', () => {
  it('creates missing topics with their partitions and cleanup policy, idempotently and concurrently', async () => {
    const suffix = randomBytes(4).toString('hex');
    const specs = [
      { topic: `ensure-a-${suffix}`, partitions: 3 },
      { topic: `ensure-b-${suffix}`, partitions: 1, cleanupPolicy: 'compact' as const },
    ];
    // Several instances booting at once all call it.
    await Promise.all([
      ensureTopics(admin, specs),
      ensureTopics(admin, specs),
      ensureTopics(admin, specs),
    ]);
    await ensureTopics(admin, specs);

    const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    expect(meta.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
      [`ensure-a-${suffix}`, 3],
      [`ensure-b-${suffix}`, 1],
    ]);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: `ensure-b-${suffix}`,
          configNames: ['cleanup.policy'],
        },
      ],
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });
});

describe('groupLag', () => {
  it('counts the messages a group has yet to commit, from the low watermark where it committed nothing', async () => {
    const suffix = randomBytes(4).toString('hex');
    const topic = `lag-${suffix}`;
    const groupId = `lag-group-${suffix}`;
    await ensureTopics(admin, [{ topic, partitions: 2 }]);
    const producer = testKafka('topics-test').producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [0, 1, 2, 3, 4].map((i) => ({ value: String(i), partition: 0 })),
    });
    await producer.send({
      topic,
      messages: [5, 6, 7].map((i) => ({ value: String(i), partition: 1 })),
    });
    await producer.disconnect();

    // A group that never committed on the topic has no lag to speak of.
    expect(await groupLag(admin, groupId, topic)).toBeUndefined();

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    // Partition 0: 5 − 2; partition 1, never committed: all 3 from its low watermark.
    expect(await groupLag(admin, groupId, topic)).toBe(6);

    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '5' },
        { partition: 1, offset: '3' },
      ],
    });
    expect(await groupLag(admin, groupId, topic)).toBe(0);
  });
});
