import type { Kafka, OutboundMessage, Producer } from '@crm-sync/kafka';

/** Messages per produce request: keeps each partition's record batch well under 1 MB. */
const CHUNK = 500;

/**
 * Publishes captured changes and account states. Idempotent producer, `acks: -1`: `publish`
 * resolves only when every message is written to all in-sync replicas, which is the point after
 * which a cursor may move past them.
 */
export class ChangePublisher {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async start(): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    this.producer = producer;
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('publisher not started');
    for (let i = 0; i < messages.length; i += CHUNK) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const m of messages.slice(i, i + CHUNK)) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value });
        byTopic.set(m.topic, list);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    }
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}
