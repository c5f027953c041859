import type { DeadLettered } from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';

export interface FailedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * A message that cannot be processed, kept whole on the dead-letter topic with the reason and
 * under its original key. Its id derives from where it was read, so a redelivered batch
 * dead-letters it under the same id.
 */
export function deadLetterMessage(input: {
  readonly deadLetterTopic: string;
  readonly failed: FailedMessage;
  readonly reason: string;
  readonly consumerGroup: string;
  readonly connectionId: string | undefined;
  readonly now: string;
}): OutboundMessage {
  const { failed } = input;
  const envelope: DeadLettered = {
    id: `dlq:${failed.topic}:${failed.partition}:${failed.offset}`,
    type: 'ops.dead-lettered.v1',
    connectionId: input.connectionId ?? 'unknown',
    occurredAt: input.now,
    source: 'sf-connector',
    payload: {
      originalTopic: failed.topic,
      partition: failed.partition,
      offset: failed.offset,
      key: failed.key,
      value: failed.value,
      reason: input.reason.slice(0, 4_000),
      consumerGroup: input.consumerGroup,
      failedAt: input.now,
    },
  };
  return {
    topic: input.deadLetterTopic,
    key: failed.key ?? `${failed.topic}:${failed.partition}:${failed.offset}`,
    value: JSON.stringify(envelope),
  };
}

/** The envelope's connection id of a message that failed its schema, when it has one. */
export function connectionIdOf(json: unknown): string | undefined {
  const id = (json as { connectionId?: unknown } | null)?.connectionId;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : undefined;
}
