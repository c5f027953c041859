import {
  commandKey,
  type CommandResult,
  type SalesforceCommand,
  type SyncErrorData,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';

/** Validation messages are at most 255 characters; results must stay small (see README). */
const MAX_MESSAGE = 300;

/** How one command ended. */
export type CommandOutcome =
  | { readonly outcome: 'succeeded'; readonly recordId: string; readonly created: boolean }
  | { readonly outcome: 'failed'; readonly error: SyncErrorData };

/**
 * The result envelope of a command. Its id derives from the command, so a redelivered batch
 * (after a crash before the Kafka commit) produces the very same result message.
 */
export function commandResultOf(
  command: SalesforceCommand,
  outcome: CommandOutcome,
  attempt: number,
  completedAt: string,
): CommandResult {
  const base = {
    commandId: command.payload.commandId,
    idempotencyKey: command.payload.idempotencyKey,
    commandType: command.type,
    system: 'salesforce' as const,
    completedAt,
    attempt,
  };
  const envelope = {
    id: `result:${command.payload.commandId}`,
    connectionId: command.connectionId,
    occurredAt: completedAt,
    source: 'sf-connector' as const,
  };
  return outcome.outcome === 'succeeded'
    ? {
        ...envelope,
        type: 'sync.command-succeeded.v1',
        payload: {
          ...base,
          outcome: 'succeeded',
          recordId: outcome.recordId,
          created: outcome.created,
        },
      }
    : {
        ...envelope,
        type: 'sync.command-failed.v1',
        payload: {
          ...base,
          outcome: 'failed',
          error: { ...outcome.error, message: outcome.error.message.slice(0, MAX_MESSAGE) },
        },
      };
}

export function commandResultMessage(
  topic: string,
  command: SalesforceCommand,
  result: CommandResult,
): OutboundMessage {
  return { topic, key: commandKey(command), value: JSON.stringify(result) };
}
