import { deadLetterRecord, type FailedMessage } from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';

/** A dead-letter output of the sf-connector (see `deadLetterRecord`). */
export function deadLetterMessage(input: {
  readonly deadLetterTopic: string;
  readonly failed: FailedMessage;
  readonly reason: string;
  readonly consumerGroup: string;
  readonly connectionId: string | undefined;
  readonly now: string;
}): OutboundMessage {
  return {
    topic: input.deadLetterTopic,
    ...deadLetterRecord({ ...input, source: 'sf-connector' }),
  };
}

/** The envelope's connection id of a message that failed its schema, when it has one. */
export function connectionIdOf(json: unknown): string | undefined {
  const id = (json as { connectionId?: unknown } | null)?.connectionId;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : undefined;
}
