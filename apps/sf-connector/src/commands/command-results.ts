import {
  commandKey,
  commandResultOf,
  type CommandOutcome,
  type SalesforceCommand,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';

/** Validation messages are at most 255 characters; results must stay small (see README). */
const MAX_MESSAGE = 300;

/**
 * The result message of a command, keyed like the command. Its id derives from the command, so a
 * redelivered batch (after a crash before the Kafka commit) produces the very same message.
 */
export function resultMessage(
  topic: string,
  command: SalesforceCommand,
  outcome: CommandOutcome,
  attempt: number,
  completedAt: string,
): OutboundMessage {
  const result = commandResultOf(
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
  return { topic, key: commandKey(command), value: JSON.stringify(result) };
}
