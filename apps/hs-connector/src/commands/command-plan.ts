import { COMMAND_TYPES, type HubSpotCommand, type HubSpotProperties } from '@crm-sync/domain';
import { MAX_BATCH, type WriteInput } from '../hubspot/hubspot-api.port.js';
import { chunk } from '../util/batching.js';

/** One input of a batch write and the commands it carries out (in their offset order). */
export interface WriteGroup {
  readonly input: WriteInput;
  readonly commands: readonly HubSpotCommand[];
}

/** A batch's HubSpot writes: upserts by account id and updates by company id, ≤ 100 per request. */
export interface WritePlan {
  readonly upserts: readonly (readonly WriteGroup[])[];
  readonly updates: readonly (readonly WriteGroup[])[];
}

/** The properties a command writes. */
export function propertiesOf(command: HubSpotCommand): HubSpotProperties {
  switch (command.type) {
    case COMMAND_TYPES.upsertHubSpotCompany:
    case COMMAND_TYPES.updateHubSpotCompany:
      return command.payload.properties;
    case COMMAND_TYPES.linkHubSpotCompany:
      return { salesforceaccountid: command.payload.salesforceAccountId };
    case COMMAND_TYPES.setHubSpotCompanyLifecycleStage:
      return { lifecyclestage: command.payload.lifecycleStage };
  }
}

/**
 * Plans the requests of one batch of commands (one connection). Commands for the same record
 * are folded into one input, later values over earlier ones: HubSpot refuses duplicate ids in a
 * batch, the end state is the same as applying them one by one, and it spends one write instead
 * of several. Every command of a folded input gets that input's result. Upserts go by
 * `salesforceaccountid` (never a duplicate company), updates, links and lifecycle stages by id.
 */
export function planWrites(commands: readonly HubSpotCommand[]): WritePlan {
  const upserts = new Map<
    string,
    { properties: Record<string, string | null>; commands: HubSpotCommand[] }
  >();
  const updates = new Map<
    string,
    { properties: Record<string, string | null>; commands: HubSpotCommand[] }
  >();
  for (const command of commands) {
    const [target, id] =
      command.type === COMMAND_TYPES.upsertHubSpotCompany
        ? [upserts, command.payload.salesforceAccountId]
        : [updates, command.payload.companyId];
    const group = target.get(id) ?? { properties: {}, commands: [] };
    Object.assign(group.properties, propertiesOf(command));
    group.commands.push(command);
    target.set(id, group);
  }
  const groups = (m: typeof upserts): WriteGroup[] =>
    [...m].map(([id, g]) => ({ input: { id, properties: g.properties }, commands: g.commands }));
  return { upserts: chunk(groups(upserts), MAX_BATCH), updates: chunk(groups(updates), MAX_BATCH) };
}
