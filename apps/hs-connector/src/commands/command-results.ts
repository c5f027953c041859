import {
  classifyHubSpotError,
  commandKey,
  commandResultOf,
  syncErrorData,
  type CommandOutcome,
  type HubSpotCommand,
  type SyncErrorData,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import { propertyProblems } from '../hubspot/failures.js';
import type { BatchWriteResponse, WriteError } from '../hubspot/hubspot-api.port.js';
import type { WriteGroup } from './command-plan.js';

/** HTTP status of a 207 error entry, from its category when HubSpot does not give one. */
function statusOf(e: WriteError): number {
  if (e.status !== undefined) return e.status;
  switch (e.category) {
    case 'OBJECT_NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'RATE_LIMITS':
      return 429;
    default:
      return 400;
  }
}

/** The domain's classification of one 207 error entry (category, retriable, property). */
export function classifyWriteError(e: WriteError): SyncErrorData {
  const problems = propertyProblems(e.message);
  const property = problems[0]?.name;
  return classifyHubSpotError({
    status: statusOf(e),
    message: e.message,
    category: e.category,
    ...(problems.length === 0 ? {} : { errorCodes: problems.map((p) => p.error) }),
    ...(property === undefined ? {} : { property }),
  }).data;
}

/**
 * Maps a batch answer (200/201, or 207 multi-status) back to its inputs: results by input id,
 * errors by the ids they name. An error that names no ids applies to every input left without
 * an answer; an input HubSpot answered nothing about is a transient failure (retriable), never
 * a silent success.
 */
export function outcomesOf(
  groups: readonly WriteGroup[],
  response: BatchWriteResponse,
): Map<string, CommandOutcome> {
  const outcomes = new Map<string, CommandOutcome>();
  const inputs = new Set(groups.map((g) => g.input.id));
  for (const r of response.results) {
    if (inputs.has(r.inputId))
      outcomes.set(r.inputId, { outcome: 'succeeded', recordId: r.companyId, created: r.created });
  }
  const unattributed: SyncErrorData[] = [];
  for (const e of response.errors) {
    const error = classifyWriteError(e);
    const named = e.ids.filter((id) => inputs.has(id));
    if (named.length === 0) unattributed.push(error);
    for (const id of named) outcomes.set(id, { outcome: 'failed', error });
  }
  for (const g of groups) {
    if (outcomes.has(g.input.id)) continue;
    outcomes.set(g.input.id, {
      outcome: 'failed',
      error:
        unattributed[0] ??
        syncErrorData('NO_RESULT', 'transient', 'HubSpot answered the batch without this record'),
    });
  }
  return outcomes;
}

/** Every input of the groups failed the same way (a whole request refused for one record). */
export function allFailed(
  groups: readonly WriteGroup[],
  error: SyncErrorData,
): Map<string, CommandOutcome> {
  return new Map(groups.map((g) => [g.input.id, { outcome: 'failed', error } as const]));
}

/**
 * The command result of one command (keyed like the command), with an id derived from the
 * command so a re-run batch produces the same result message.
 */
export function resultMessage(
  topic: string,
  command: HubSpotCommand,
  outcome: CommandOutcome,
  completedAt: string,
): OutboundMessage {
  const result = commandResultOf(command, outcome, {
    id: `${command.id}:result`,
    source: 'hs-connector',
    system: 'hubspot',
    attempt: 1,
    completedAt,
  });
  return { topic, key: commandKey(command), value: JSON.stringify(result) };
}
