import { topicName, TOPICS } from '@crm-sync/domain';
import { ensureTopics, type Kafka, type Producer } from '@crm-sync/kafka';
import type { WebhookEvent } from './webhook-events.js';

/**
 * Accepted webhook events go to Kafka before HubSpot gets its 200: durable first, then fast.
 * Enrichment (reading the full record) happens downstream, off the request path. One message
 * per record and delivery, keyed by object, so every event of one record stays in order (a new
 * company's creation and its property changes arrive in one delivery: one message, not ten);
 * HubSpot's duplicates and out-of-order deliveries are harmless downstream (events carry
 * eventId and occurredAt).
 */
export class WebhookInbox {
  readonly topic: string;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly connectionId: string,
    topicPrefix: string | undefined,
  ) {
    this.topic = topicName(TOPICS.hubspotWebhookInbox.ref, topicPrefix);
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [
        { topic: this.topic, partitions: TOPICS.hubspotWebhookInbox.partitions },
      ]);
    } finally {
      await admin.disconnect();
    }
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    this.producer = producer;
  }

  async publish(events: readonly WebhookEvent[], receivedAt: string): Promise<void> {
    if (!this.producer) throw new Error('webhook inbox is not started');
    const byRecord = new Map<string, WebhookEvent[]>();
    for (const e of events) {
      const key = `${this.connectionId}:hubspot:${e.subscriptionType.split('.')[0] ?? 'object'}:${String(e.objectId)}`;
      const group = byRecord.get(key);
      if (group === undefined) byRecord.set(key, [e]);
      else group.push(e);
    }
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [...byRecord].map(([key, group]) => ({
        key,
        value: JSON.stringify({ connectionId: this.connectionId, receivedAt, events: group }),
      })),
    });
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}
