import type { DeadLettered } from '@crm-sync/domain';
import type { InboundMessage, OutboundMessage } from '@crm-sync/kafka';

/**
 * A message that cannot be processed, as a dead-letter output: the raw text and key are kept,
 * so nothing is lost, and the reason says why. Produced in the batch's transaction, so the
 * partition moves on.
 */
export function deadLetter(
  m: InboundMessage,
  reason: string,
  consumerGroup: string,
  topic: string,
  now: Date,
  connectionId = 'unknown',
): OutboundMessage {
  const failedAt = now.toISOString();
  const envelope: DeadLettered = {
    id: `dlq:${m.topic}:${m.partition}:${m.offset}`,
    type: 'ops.dead-lettered.v1',
    connectionId,
    occurredAt: failedAt,
    source: 'hs-connector',
    payload: {
      originalTopic: m.topic,
      partition: m.partition,
      offset: m.offset,
      key: m.key,
      value: m.value,
      reason: reason.slice(0, 2_000) || 'unknown reason',
      consumerGroup,
      failedAt,
    },
  };
  return {
    topic,
    key: m.key ?? `${m.topic}:${m.partition}:${m.offset}`,
    value: JSON.stringify(envelope),
  };
}

/** JSON.parse that returns undefined instead of throwing (the schema then says what is wrong). */
export function parseJson(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
