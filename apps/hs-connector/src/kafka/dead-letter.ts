import { deadLetterRecord } from '@crm-sync/domain';
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
  return {
    topic,
    ...deadLetterRecord({
      failed: m,
      reason,
      consumerGroup,
      source: 'hs-connector',
      connectionId,
      now: now.toISOString(),
    }),
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
