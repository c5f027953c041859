import { ControlMessage, connectionKey } from '@crm-sync/domain';
import { partitionForKey, type Consumer, type Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { z } from 'zod';

/** Which configured connections an assignment of control partitions gives this instance. */
export function ownedConnections(
  connectionIds: readonly string[],
  assigned: readonly number[],
  partitions: number,
): string[] {
  const mine = new Set(assigned);
  return connectionIds.filter((id) => mine.has(partitionForKey(connectionKey(id), partitions)));
}

/** Import and resync requests older than this, never started, are history, not work. */
export const STALE_REQUEST_MS = 24 * 60 * 60 * 1000;

/**
 * A request from before the last day that this connector never acted on: a fresh deployment (or
 * consumer group) reading the control topic from its start must not run every import ever made.
 */
export function isStaleRequest(occurredAt: string, now: number): boolean {
  return now - Date.parse(occurredAt) > STALE_REQUEST_MS;
}

export type ControlDecoding =
  | { readonly ok: true; readonly message: ControlMessage }
  | { readonly ok: false; readonly reason: string };

export function decodeControl(raw: string | null): ControlDecoding {
  if (raw === null) return { ok: false, reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const parsed = ControlMessage.safeParse(json);
  return parsed.success
    ? { ok: true, message: parsed.data }
    : { ok: false, reason: z.prettifyError(parsed.error) };
}

export interface ControlConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly connectionIds: readonly string[];
  /** Called after every rebalance with the connections this instance owns now. */
  readonly onAssignment: (owned: readonly string[]) => void;
  readonly onMessage: (message: ControlMessage) => Promise<void>;
  readonly deadLetter: (raw: {
    readonly partition: number;
    readonly offset: string;
    readonly key: string | null;
    readonly value: string | null;
    readonly reason: string;
  }) => Promise<void>;
  readonly logger: Logger;
}

/**
 * Ownership of connections, decided by Kafka. The control topic is keyed by connection, so each
 * connection's messages live in exactly one of its partitions; in this consumer group exactly
 * one instance is assigned that partition at a time. That instance owns the connection: it runs
 * the connection's pollers, CDC subscription and jobs, and receives its import and resync
 * requests. A rebalance (an instance joins, leaves or dies) moves ownership with the partition.
 */
export class ControlConsumer {
  private consumer: Consumer | undefined;

  constructor(private readonly o: ControlConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, topic, groupId, logger } = this.o;
    const admin = kafka.admin();
    await admin.connect();
    let partitions: number;
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      partitions = meta.topics[0]?.partitions.length ?? 0;
    } finally {
      await admin.disconnect();
    }
    if (partitions < 1) throw new Error(`control topic ${topic} has no partitions`);

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[topic] ?? [];
      const owned = ownedConnections(this.o.connectionIds, assigned, partitions);
      logger.info('control partitions assigned', { groupId, assigned, owned });
      this.o.onAssignment(owned);
    });
    await consumer.connect();
    // A new group reads the whole history, so a request made while no sf-connector ran is not
    // lost; requests long past are told apart by their age (see `isStaleRequest`).
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString('utf8') ?? null;
        const decoded = decodeControl(value);
        if (!decoded.ok) {
          await this.o.deadLetter({
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value,
            reason: decoded.reason,
          });
          return;
        }
        if (!this.o.connectionIds.includes(decoded.message.connectionId)) return;
        await this.o.onMessage(decoded.message);
      },
    });
  }

  /** Stops consuming: the message in hand finishes first. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
