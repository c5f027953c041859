import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { fetchTopicOffsets } from './topics.js';
import type { InboundMessage } from './transactional-pipeline.js';

/** A consumed Kafka message as the text our handlers read (our messages are JSON). */
export function inboundOf(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? null,
    value: m.value?.toString('utf8') ?? null,
    headers: decodeHeaders(m.headers),
    timestamp: m.timestamp,
  };
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
  }
  return out;
}

export interface ReadTopicOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** A group of this read alone (nothing is committed; the group is deleted afterwards). */
  readonly groupId: string;
  /** Called batch by batch; the next batch of that partition waits for it (back-pressure). */
  readonly onBatch: (messages: readonly InboundMessage[]) => Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * Reads a topic from its beginning up to its end as of the call (what was there when the read
 * began; later messages are left alone), then stops. For latest-state (compacted) topics written
 * without transactions: the last offset of a partition is always a record (compaction never
 * touches the active segment), which is how the read knows it is done. Returns the number of
 * messages handed to `onBatch`.
 */
export async function readTopicToEnd(options: ReadTopicOptions): Promise<number> {
  const { kafka, topic, groupId, signal } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const last = new Map<number, bigint>();
    for (const p of await fetchTopicOffsets(admin, topic)) {
      if (BigInt(p.high) > BigInt(p.low)) last.set(p.partition, BigInt(p.high) - 1n);
    }
    if (last.size === 0) return 0;
    signal?.throwIfAborted();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    let read = 0;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          reject(signal?.reason instanceof Error ? signal.reason : new Error('read aborted'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const finish = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        consumer.on(consumer.events.CRASH, (event) => {
          if (!event.payload.restart) {
            signal?.removeEventListener('abort', onAbort);
            reject(event.payload.error);
          }
        });
        consumer
          .run({
            autoCommit: false,
            eachBatch: async (payload) => {
              const { batch } = payload;
              const end = last.get(batch.partition);
              if (end === undefined || signal?.aborted || !payload.isRunning() || payload.isStale())
                return;
              const messages = batch.messages
                .filter((m) => BigInt(m.offset) <= end)
                .map((m) => inboundOf(batch.topic, batch.partition, m));
              if (messages.length > 0) await options.onBatch(messages);
              read += messages.length;
              if (BigInt(batch.lastOffset()) >= end) {
                last.delete(batch.partition);
                if (last.size === 0) finish();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return read;
  } finally {
    await admin.disconnect();
  }
}
