import type {
  Admin,
  Consumer,
  EachBatchPayload,
  Kafka,
  Message,
  PartitionAssigner,
  Producer,
} from 'kafkajs';
import type { KafkaLogger } from './client.js';
import { inboundOf } from './topic-reader.js';
import { committedOffsets } from './topics.js';

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
  /**
   * Runs `effect` once this batch's transaction has committed (its outputs are visible), and
   * never if it aborts: for in-process effects that may only follow published outputs.
   */
  onCommit(effect: () => void): void;
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
  /** Transactional id prefix (default: the group id); the input topic-partition is appended. */
  readonly transactionalIdPrefix?: string;
  readonly fromBeginning?: boolean;
  /** Upper bound of one fetch per partition (bytes): bounds memory and batch latency. */
  readonly maxBytesPerPartition?: number;
  /**
   * Upper bound of one fetch over all partitions (bytes; default kafkajs' 10 MiB). kafkajs holds
   * a whole fetch, decoded, until every batch in it is done, and fetches again only then: this is
   * the data in memory at once.
   */
  readonly maxBytesPerFetch?: number;
  /** Partitions processed at once, each with its own transaction (default 2). */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Co-partitioned topics (keyed and partitioned alike, with `coPartitionedAssigner`): batches
   * of partition N of any topic run one at a time, so handlers see one key's messages in turn
   * whichever topic brought them.
   */
  readonly coPartitioned?: { readonly assigners: readonly PartitionAssigner[] };
  /**
   * Fault injection for tests: runs after the outputs and offsets are sent and before the commit.
   * A throw here is a crash between producing and committing.
   */
  readonly beforeCommit?: (ctx: { readonly topic: string; readonly partition: number }) => void;
  /**
   * Runs before the first batch after this member joined the group (partitions may have moved),
   * with the partitions it now holds. It may move this member's position on them (`seek`): the
   * batches fetched from the old position are then dropped. A throw fails that batch (delivered
   * again, and the hook runs again).
   */
  readonly beforeFirstBatchAfterJoin?: (joined: AfterJoin) => Promise<void>;
  /**
   * How long the group waits for its members to rejoin when a rebalance starts (kafkajs'
   * `rebalanceTimeout`, default 60 s); a member still busy then is dropped from the group.
   */
  readonly rebalanceTimeoutMs?: number;
}

/** What `beforeFirstBatchAfterJoin` is told, and may do. */
export interface AfterJoin {
  /** Topic → the partitions this member holds. */
  readonly assigned: Readonly<Record<string, readonly number[]>>;
  /** Where this member's next batch of the partition starts. */
  seek(topic: string, partition: number, offset: string): void;
}

/**
 * Consume → transform → produce with exactly-once effects on Kafka: a batch's outputs and its
 * consumed offsets commit in one transaction, so a crash between producing and committing
 * leaves no visible output and the batch is simply processed again. Side effects outside Kafka
 * (database writes) done by the handler must therefore be idempotent.
 *
 * One transactional producer per input partition, with a transactional id derived from the
 * group, topic and partition (the classic EOS pattern for clients without KIP-447, whose offset
 * commits carry no group generation). It also lets partitions commit concurrently: with one
 * shared producer, each transaction waits for the previous commit's markers
 * (CONCURRENT_TRANSACTIONS).
 *
 * Fence, then verify: a member takes on a partition (after every join, and after any failed
 * transaction) with a fresh producer, whose initialisation fences every earlier producer of that
 * id and waits for its open transaction to end; only then does it read the partition's committed
 * offset. A batch fetched from before that offset was committed by the previous owner meanwhile
 * and is dropped (the member seeks to the offset). Without this, an owner that outlived its
 * assignment (busy past the rebalance timeout) could commit a batch the new owner then handles
 * and commits again.
 */
export class TransactionalPipeline {
  private consumer: Consumer | undefined;
  private readonly producers = new Map<string, Promise<Producer>>();
  private joinedSinceLastBatch = false;
  private assigned: Readonly<Record<string, readonly number[]>> = {};
  /** The barrier run after the last join (shared by the batches waiting for it). */
  private joined: Promise<void> | undefined;
  /** Per partition number: the last batch's turn (see `coPartitioned`). */
  private readonly partitionTurns = new Map<number, Promise<void>>();
  /** Per held topic-partition: the messages behind its last fetched batch (see `backlog`). */
  private readonly lagBehind = new Map<string, number>();
  /** Topic-partitions this member fenced and verified since it last joined (see the class). */
  private readonly fenced = new Set<string>();
  private admin: Admin | undefined;

  constructor(private readonly options: TransactionalPipelineOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId } = this.options;
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      ...(this.options.maxBytesPerFetch === undefined
        ? {}
        : { maxBytes: this.options.maxBytesPerFetch }),
      retry: { initialRetryTime: 200, retries: 30 },
      ...(this.options.rebalanceTimeoutMs === undefined
        ? {}
        : { rebalanceTimeout: this.options.rebalanceTimeoutMs }),
      ...(this.options.coPartitioned
        ? { partitionAssigners: [...this.options.coPartitioned.assigners] }
        : {}),
    });
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    await consumer.connect();
    this.consumer = consumer;
    // Every batch fetched, those of transaction markers only too (never handed to eachBatch).
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      this.lagBehind.set(`${payload.topic}:${payload.partition}`, Number(payload.offsetLag));
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = payload.memberAssignment;
      this.lagBehind.clear();
      this.fenced.clear();
      this.joined = undefined;
      this.joinedSinceLastBatch = true;
    });
    for (const topic of this.options.topics) {
      await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    }
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachBatchAutoResolve: false,
      eachBatch: (payload) =>
        this.options.coPartitioned
          ? this.oneAtATime(payload.batch.partition, () => this.processBatch(payload))
          : this.processBatch(payload),
    });
  }

  /**
   * Messages this member has yet to process on the partitions it holds, as of each partition's
   * last fetched batch (its high watermark less its last offset: transaction markers count too).
   * A cheap local signal of how far behind this stage is, for work that should yield to it.
   */
  backlog(): number {
    let sum = 0;
    for (const lag of this.lagBehind.values()) sum += lag;
    return sum;
  }

  /** Runs `work` after every earlier batch of the same partition number (any topic) settled. */
  private oneAtATime(partition: number, work: () => Promise<void>): Promise<void> {
    const previous = this.partitionTurns.get(partition) ?? Promise.resolve();
    const turn = previous.then(work);
    const settled = turn.catch(() => undefined);
    this.partitionTurns.set(partition, settled);
    void settled.then(() => {
      if (this.partitionTurns.get(partition) === settled) this.partitionTurns.delete(partition);
    });
    return turn;
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { groupId } = this.options;
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
    if (this.joinedSinceLastBatch && this.options.beforeFirstBatchAfterJoin) {
      if (this.joined === undefined) {
        const consumer = this.consumer;
        const run = this.options
          .beforeFirstBatchAfterJoin({
            assigned: this.assigned,
            seek: (topic, partition, offset) => consumer?.seek({ topic, partition, offset }),
          })
          .then(() => {
            this.joinedSinceLastBatch = false;
          });
        // A failed hook runs again for the next batch.
        run.catch(() => {
          if (this.joined === run) this.joined = undefined;
        });
        this.joined = run;
      }
      await this.joined;
      // The hook moved this partition: this batch was fetched from where it no longer starts.
      if (payload.isStale()) return;
    }
    if (!(await this.fenceAndVerify(payload))) return;
    const where = { topic: batch.topic, partition: batch.partition };
    const inbound = batch.messages.map((m) => inboundOf(batch.topic, batch.partition, m));
    const onCommit: (() => void)[] = [];
    const outputs = await this.options.handle(inbound, {
      ...where,
      heartbeat: () => payload.heartbeat(),
      onCommit: (effect) => onCommit.push(effect),
    });
    const producer = await this.producerFor(batch.topic, batch.partition);
    const txn = await producer.transaction();
    try {
      // Several produce requests in the one transaction: a batch's outputs can be several times
      // its input, and one record batch must stay under the broker's message.max.bytes (1 MB).
      for (const chunk of chunksOf(outputs, MAX_REQUEST_BYTES)) {
        const byTopic = new Map<string, Message[]>();
        for (const o of chunk) {
          const list = byTopic.get(o.topic) ?? [];
          list.push({
            key: o.key,
            value: o.value,
            ...(o.headers ? { headers: { ...o.headers } } : {}),
          });
          byTopic.set(o.topic, list);
        }
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
      this.options.beforeCommit?.(where);
      await txn.commit();
    } catch (e) {
      // Nothing of this batch is visible; kafkajs delivers it again from the last resolved offset.
      this.options.logger.warn('batch transaction failed; the batch will be retried', {
        groupId,
        ...where,
        error: e instanceof Error ? e.message : String(e),
      });
      await txn.abort().catch((abortError: unknown) => {
        this.options.logger.error('transaction abort failed', { groupId, error: abortError });
      });
      // The producer may be fenced (the partition moved): the next try fences and verifies anew.
      await this.dropProducer(batch.topic, batch.partition);
      throw e;
    }
    for (const effect of onCommit) effect();
    // Move the fetch position on; the offsets themselves were committed by the transaction.
    payload.resolveOffset(batch.lastOffset());
  }

  /**
   * The first batch of a partition since joining (or since a failed transaction) fences the
   * partition's earlier producers and checks where the partition's committed offset now is (see
   * the class). False when the batch was fetched from before that offset: the member has moved
   * on to it, and the batch is dropped.
   */
  private async fenceAndVerify(payload: EachBatchPayload): Promise<boolean> {
    const { topic, partition } = payload.batch;
    const key = `${topic}-${partition}`;
    if (this.fenced.has(key)) return true;
    await this.dropProducer(topic, partition);
    await this.producerFor(topic, partition);
    const admin = this.admin;
    if (!admin) throw new Error('TransactionalPipeline is not started');
    const committed = (await committedOffsets(admin, this.options.groupId, topic)).get(partition);
    this.fenced.add(key);
    // The first offset may sit past the committed one by transaction markers only: no gap.
    if (
      committed === undefined ||
      BigInt(committed) <= BigInt(payload.batch.firstOffset() ?? '0')
    ) {
      return true;
    }
    this.options.logger.info('partition was committed past this batch by its previous owner', {
      groupId: this.options.groupId,
      topic,
      partition,
      committed,
    });
    this.consumer?.seek({ topic, partition, offset: committed });
    return false;
  }

  private producerFor(topic: string, partition: number): Promise<Producer> {
    const key = `${topic}-${partition}`;
    let producer = this.producers.get(key);
    if (!producer) {
      const p = this.options.kafka.producer({
        transactionalId: `${this.options.transactionalIdPrefix ?? this.options.groupId}-${key}`,
        idempotent: true,
        maxInFlightRequests: 1,
        // CONCURRENT_TRANSACTIONS right after a commit clears within milliseconds.
        retry: { initialRetryTime: 10, retries: Number.MAX_SAFE_INTEGER },
      });
      // An empty transaction initialises the transactional id now (kafkajs would at the first
      // transaction): this fences every earlier producer of the id and ends its open transaction.
      producer = p.connect().then(async () => {
        await (await p.transaction()).abort();
        return p;
      });
      this.producers.set(key, producer);
    }
    return producer;
  }

  private async dropProducer(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    this.fenced.delete(key);
    const producer = this.producers.get(key);
    this.producers.delete(key);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Stops consuming (the current batches finish or abort) before the producers go. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
    const producers = [...this.producers.values()];
    this.producers.clear();
    for (const p of producers) await (await p).disconnect();
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}

/** Bytes of output per produce request (keys and values; the broker takes 1 MB per batch). */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Consecutive runs of messages of at most `maxBytes` (a larger message goes alone). */
export function chunksOf(
  messages: readonly OutboundMessage[],
  maxBytes: number,
): OutboundMessage[][] {
  const chunks: OutboundMessage[][] = [];
  let current: OutboundMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.key.length + m.value.length;
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
