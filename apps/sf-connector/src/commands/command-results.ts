import {
  commandKey,
  commandResultOf as resultOf,
  type CommandOutcome,
  type CommandResult,
  type SalesforceCommand,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';

/** Validation messages are at most 255 characters; results must stay small (see README). */
const MAX_MESSAGE = 300;

/**
 * The result of a command. Its id derives from the command, so a redelivered batch (after a crash
 * before the Kafka commit) produces the very same result message.
 */
export function commandResultOf(
  command: SalesforceCommand,
  outcome: CommandOutcome,
  attempt: number,
  completedAt: string,
): CommandResult {
  return resultOf(
    command,
    outcome.outcome === 'succeeded'
      ? outcome
      : {
          outcome: 'failed',
          error: { ...outcome.error, message: outcome.error.message.slice(0, MAX_MESSAGE) },
        },
    {
      id: `result:${command.payload.commandId}`,
      source: 'sf-connector',
      system: 'salesforce',
      attempt,
      completedAt,
    },
  );
}

export function commandResultMessage(
  topic: string,
  command: SalesforceCommand,
  result: CommandResult,
): OutboundMessage {
  return { topic, key: commandKey(command), value: JSON.stringify(result) };
}
