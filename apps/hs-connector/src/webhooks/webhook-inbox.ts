import { topicName, TOPICS } from '@crm-sync/domain';
import { ensureTopics, type Kafka, type Producer } from '@crm-sync/kafka';
import { ownWritesOnly } from '../inbox/webhook-actions.js';
import type { WebhookEvent } from './webhook-events.js';

/**
 * Accepted webhook events go to Kafka before HubSpot gets its 200: durable first, then fast.
 * A record's events that are all our own company writes are left out (`ownWritesOnly`).
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
    /** Our app's id: the `sourceId` of our own writes. */
    private readonly appId: string,
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
    const messages = [];
    for (const [key, group] of byRecord) {
      // The command processor published these writes from HubSpot's answers already.
      if (ownWritesOnly(group, this.appId)) continue;
      messages.push({
        key,
        value: JSON.stringify({ connectionId: this.connectionId, receivedAt, events: group }),
      });
    }
    if (messages.length === 0) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}
