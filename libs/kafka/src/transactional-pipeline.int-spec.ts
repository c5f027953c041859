import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger as silent, testKafka, uniqueName as unique } from './broker.fixture.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { ensureTopics } from './topics.js';
import { TransactionalPipeline } from './transactional-pipeline.js';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  kafka = testKafka('pipeline-test');
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

describe('TransactionalPipeline.backlog', () => {
  it('counts the messages behind the batch in hand, and none once all are done; runs commit effects', async () => {
    const topic = unique('pipeline-backlog');
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
    const total = 200;
    // One record batch per send: a fetch returns whole record batches.
    for (let i = 0; i < total; i += 10) {
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({
          key: `k${i + j}`,
          value: 'x'.repeat(200),
        })),
      });
    }
    const seen: { from: number; size: number; backlog: number }[] = [];
    let committed = 0;
    let lastHandled!: () => void;
    const done = new Promise<void>((resolve) => (lastHandled = resolve));
    const pipeline: TransactionalPipeline = new TransactionalPipeline({
      kafka,
      groupId: unique('pipeline-backlog-group'),
      topics: [topic],
      logger: silent,
      // A few messages per fetch, so that most of the topic waits behind the first batch.
      maxBytesPerPartition: 4_096,
      handle: (messages, ctx) => {
        const from = Number(messages[0]?.offset);
        seen.push({ from, size: messages.length, backlog: pipeline.backlog() });
        const last = messages.some((m) => m.offset === String(total - 1));
        ctx.onCommit(() => {
          committed += messages.length;
          if (last) lastHandled();
        });
        return Promise.resolve([]);
      },
    });
    await pipeline.start();
    try {
      await done;
      // A batch may come twice (a transaction retried): each time, what is behind it counts.
      expect(seen.length).toBeGreaterThan(1);
      expect(seen[0]?.from).toBe(0);
      for (const { from, size, backlog } of seen) expect(backlog).toBe(total - from - size);
      expect(pipeline.backlog()).toBe(0);
      // Every message's batch committed at least once (a redelivered one twice).
      expect(committed).toBeGreaterThanOrEqual(total);
    } finally {
      await pipeline.stop();
    }
  });
});
