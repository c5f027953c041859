import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafka, uniqueName as unique } from './broker.fixture.js';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { ensureTopics } from './topics.js';

let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = testKafka('assigner-test');
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

describe('coPartitionedAssigner', () => {
  it('gives each member the same partition numbers of every topic, and all of them once', async () => {
    const topics = [unique('co-a'), unique('co-b')];
    await ensureTopics(
      admin,
      topics.map((topic) => ({ topic, partitions: 5 })),
    );
    const groupId = unique('co-group');
    const assigned = new Map<Consumer, Record<string, number[]>>();
    const consumers = Array.from({ length: 3 }, () =>
      kafka.consumer({ groupId, partitionAssigners: [coPartitionedAssigner], maxWaitTimeInMs: 50 }),
    );
    try {
      // Members join one by one; the group settles when the three assignments cover everything.
      const cover = () =>
        [...assigned.values()].flatMap((a) => a[topics[0] ?? ''] ?? []).sort((x, y) => x - y);
      const settled = new Promise<void>((resolve) => {
        for (const c of consumers) {
          c.on(c.events.GROUP_JOIN, (e) => {
            assigned.set(c, e.payload.memberAssignment);
            if (assigned.size === consumers.length && cover().join() === '0,1,2,3,4') resolve();
          });
        }
      });
      for (const c of consumers) {
        await c.connect();
        for (const topic of topics) await c.subscribe({ topic, fromBeginning: true });
      }
      // All at once: one rebalance instead of one per member.
      await Promise.all(consumers.map((c) => c.run({ eachMessage: () => Promise.resolve() })));
      await settled;
      // A fetch each member completes from now on follows its offsets' resolution: no
      // ListOffsets retry (new topics' leaders may still be moving) is left running when it
      // disconnects, to outlive the test.
      await Promise.all(
        consumers.map(
          (c) =>
            new Promise<void>((resolve) => {
              const off = c.on(c.events.FETCH, () => {
                off();
                resolve();
              });
            }),
        ),
      );
      expect(cover()).toEqual([0, 1, 2, 3, 4]);
      for (const a of assigned.values()) {
        expect([...(a[topics[1] ?? ''] ?? [])].sort()).toEqual(
          [...(a[topics[0] ?? ''] ?? [])].sort(),
        );
      }
    } finally {
      for (const c of consumers) await c.disconnect();
    }
  });
});
