import { randomBytes } from 'node:crypto';
import type { Consumer, IHeaders, Kafka, Message, Producer } from 'kafkajs';
import type { KafkaLogger } from './client.js';

/** A consumed message, decoded to text (our messages are JSON). */
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface OutboundMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface BatchContext {
  readonly topic: string;
  readonly partition: number;
  /** Call during long work so the group does not evict this member. */
  heartbeat(): Promise<void>;
}

/**
 * Turns one partition's batch into output messages. It must not throw for a bad message (send it
 * to the dead letter as an output instead); a throw means "retry the whole batch": the
 * transaction is aborted, nothing it produced becomes visible, and the batch is delivered again.
 */
export type BatchHandler = (
  messages: readonly InboundMessage[],
  ctx: BatchContext,
) => Promise<readonly OutboundMessage[]>;

export interface TransactionalPipelineOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handle: BatchHandler;
  readonly logger: KafkaLogger;
  /** Per-instance transactional id prefix; a random suffix keeps instances apart. */
  readonly transactionalIdPrefix?: string;
  readonly fromBeginning?: boolean;
  /** Upper bound of one fetch per partition (bytes): bounds memory and batch latency. */
  readonly maxBytesPerPartition?: number;
  /**
   * Fault injection for tests: runs after the outputs and offsets are sent and before the commit.
   * A throw here is a crash between producing and committing.
   */
  readonly beforeCommit?: (ctx: { readonly topic: string; readonly partition: number }) => void;
}

/**
 * Consume → transform → produce with exactly-once effects on Kafka: a batch's outputs and its
 * consumed offsets commit in one transaction, so a crash between producing and committing
 * leaves no visible output and the batch is simply processed again. Side effects outside Kafka
 * (database writes) done by the handler must therefore be idempotent.
 *
 * Batches of different partitions are processed one after another (kafkajs default), so the one
 * transactional producer never has two transactions open.
 */
export class TransactionalPipeline {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private readonly instanceId = randomBytes(6).toString('hex');

  constructor(private readonly options: TransactionalPipelineOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId } = this.options;
    const producer = kafka.producer({
      transactionalId: `${this.options.transactionalIdPrefix ?? groupId}-${this.instanceId}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    this.producer = producer;
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      retry: { initialRetryTime: 200, retries: 30 },
    });
    await consumer.connect();
    this.consumer = consumer;
    for (const topic of this.options.topics) {
      await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
        const inbound = batch.messages.map((m): InboundMessage => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString('utf8') ?? null,
          value: m.value?.toString('utf8') ?? null,
          headers: decodeHeaders(m.headers),
          timestamp: m.timestamp,
        }));
        const outputs = await this.options.handle(inbound, {
          topic: batch.topic,
          partition: batch.partition,
          heartbeat: () => payload.heartbeat(),
        });
        const txn = await producer.transaction();
        try {
          const byTopic = new Map<string, Message[]>();
          for (const o of outputs) {
            const list = byTopic.get(o.topic) ?? [];
            list.push({
              key: o.key,
              value: o.value,
              ...(o.headers ? { headers: { ...o.headers } } : {}),
            });
            byTopic.set(o.topic, list);
          }
          if (byTopic.size > 0) {
            await txn.sendBatch({
              topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
            });
          }
          await txn.sendOffsets({
            consumerGroupId: groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [
                  { partition: batch.partition, offset: String(BigInt(batch.lastOffset()) + 1n) },
                ],
              },
            ],
          });
          this.options.beforeCommit?.({ topic: batch.topic, partition: batch.partition });
          await txn.commit();
        } catch (e) {
          // Nothing of this batch is visible; kafkajs delivers it again from the last resolved offset.
          await txn.abort().catch((abortError: unknown) => {
            this.options.logger.error('transaction abort failed', { groupId, error: abortError });
          });
          throw e;
        }
        // Move the fetch position on; the offsets themselves were committed by the transaction.
        payload.resolveOffset(batch.lastOffset());
      },
    });
  }

  /** Stops consuming (the current batch finishes or aborts) before the producer goes. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = undefined;
    this.producer = undefined;
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
  }
  return out;
}
