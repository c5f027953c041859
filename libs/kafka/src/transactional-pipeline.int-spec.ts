import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger as silent, testKafka, uniqueName as unique } from './broker.fixture.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { ensureTopics } from './topics.js';
import {
  type BatchContext,
  type InboundMessage,
  TransactionalPipeline,
} from './transactional-pipeline.js';

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

describe('TransactionalPipeline across a rebalance', () => {
  it('commits a batch once when its partition moves while the old owner is still handling it', async () => {
    const input = unique('pipeline-moved');
    const output = unique('pipeline-moved-out');
    const groupId = unique('pipeline-moved-group');
    await ensureTopics(admin, [
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    const total = 10;
    await producer.send({
      topic: input,
      messages: Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    const echo = (messages: readonly InboundMessage[]) =>
      messages.map((m) => ({ topic: output, key: m.key ?? '', value: m.value ?? '' }));

    // The old owner takes the batch and is held in its handler past the rebalance timeout.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Its attempt to commit ends either way: committed, or failed (then it says so).
    let settle!: () => void;
    const oldOwnerSettled = new Promise<void>((resolve) => (settle = resolve));
    const committedBy = { old: 0, new: 0 };
    let newOwnerCommitted!: () => void;
    const newOwnerDone = new Promise<void>((resolve) => (newOwnerCommitted = resolve));
    const rebalanceTimeoutMs = 2_000;
    /** The batch's outputs; once they commit, `who` counts them and `then` runs. */
    const outputsCountedBy = (
      who: keyof typeof committedBy,
      then: () => void,
      messages: readonly InboundMessage[],
      ctx: BatchContext,
    ) => {
      ctx.onCommit(() => {
        committedBy[who] += messages.length;
        then();
      });
      return echo(messages);
    };

    const oldOwner = new TransactionalPipeline({
      kafka,
      groupId,
      topics: [input],
      rebalanceTimeoutMs,
      logger: {
        ...silent,
        warn: (msg) => {
          if (msg.startsWith('batch transaction failed')) settle();
        },
      },
      handle: async (messages, ctx) => {
        if (committedBy.old === 0) {
          holding();
          await released;
        }
        return outputsCountedBy('old', settle, messages, ctx);
      },
    });
    const newOwner = new TransactionalPipeline({
      kafka,
      groupId,
      topics: [input],
      rebalanceTimeoutMs,
      logger: silent,
      handle: async (messages, ctx) => {
        // The old owner finishes its batch now, while this member holds the partition.
        release();
        await oldOwnerSettled;
        return outputsCountedBy('new', newOwnerCommitted, messages, ctx);
      },
    });
    await oldOwner.start();
    try {
      await held;
      await newOwner.start();
      try {
        await Promise.all([oldOwnerSettled, newOwnerDone]);
        // Each input's output committed once: by the new owner, the old one being fenced.
        expect(committedBy).toEqual({ old: 0, new: total });
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        expect(offsets?.partitions).toMatchObject([{ partition: 0, offset: String(total) }]);
      } finally {
        await newOwner.stop();
      }
    } finally {
      release();
      await oldOwner.stop();
    }
  }, 60_000);
});
