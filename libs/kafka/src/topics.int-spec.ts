import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafka } from './broker.fixture.js';
import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { ensureTopics } from './topics.js';

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
