import { connectionKey, TOPICS, topicName } from '@crm-sync/domain';
import { ensureTopics, type Admin, type Kafka, type Producer } from '@crm-sync/kafka';
import { unavailable } from '../http/errors.js';

/** Sends serialized control envelopes to `TOPICS.syncControl`, keyed by connection, in order. */
export interface ControlPublisher {
  publish(connectionId: string, messages: readonly string[]): Promise<void>;
}

/**
 * The Kafka adapter: an idempotent producer with one request in flight, so the messages of one
 * call (e.g. MappingsChanged then MassSyncRequested) land in their partition in order, and
 * `acks: -1`, so a 2xx means every in-sync replica has them.
 */
export class KafkaControlPublisher implements ControlPublisher {
  readonly topic: string;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    topicPrefix: string | undefined,
  ) {
    this.topic = topicName(TOPICS.syncControl.ref, topicPrefix);
  }

  async start(admin: Admin): Promise<void> {
    await ensureTopics(admin, [
      {
        topic: this.topic,
        partitions: TOPICS.syncControl.partitions,
        cleanupPolicy: TOPICS.syncControl.cleanupPolicy,
        // Kept forever: consumers rebuild settings and mappings by reading it from the start.
        retentionMs: TOPICS.syncControl.retentionMs,
      },
    ]);
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    this.producer = producer;
  }

  async publish(connectionId: string, messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    if (!this.producer) throw new Error('control publisher is not started');
    const key = connectionKey(connectionId);
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: messages.map((value) => ({ key, value })),
      });
    } catch (e) {
      throw unavailable(
        `Kafka did not accept the control message (${e instanceof Error ? e.message : String(e)}); nothing was changed, retry later.`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/** The in-memory twin: records what was published; `failNext` simulates a broker outage. */
export class InMemoryControlPublisher implements ControlPublisher {
  readonly published: { connectionId: string; value: string }[] = [];
  failNext = false;

  publish(connectionId: string, messages: readonly string[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(unavailable('Kafka is unavailable (simulated); nothing was changed.'));
    }
    this.published.push(...messages.map((value) => ({ connectionId, value })));
    return Promise.resolve();
  }
}
