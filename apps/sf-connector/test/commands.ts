// Command builders for tests: envelopes as sync-rules emits them.
import {
  COMMAND_TYPES,
  commandKey,
  type SalesforceCommand,
  type SalesforceFields,
} from '@crm-sync/domain';

const EXTERNAL_ID = 'HubSpot_Company_Id__c';
let seq = 0;

function envelope(
  connectionId: string,
  type: SalesforceCommand['type'],
  payload: Record<string, unknown>,
): SalesforceCommand {
  const n = ++seq;
  return {
    id: `cmd-env-${n}`,
    type,
    connectionId,
    occurredAt: '2026-11-28T12:00:00.000Z',
    source: 'sync-rules',
    payload: {
      commandId: `cmd-${n}-${Math.random().toString(36).slice(2, 8)}`,
      idempotencyKey: `idem-${n}`,
      causationId: `cause-${n}`,
      ...payload,
    },
  } as SalesforceCommand;
}

export function upsertAccount(
  connectionId: string,
  hubspotCompanyId: string,
  fields: SalesforceFields,
): SalesforceCommand {
  return envelope(connectionId, COMMAND_TYPES.upsertSalesforceAccount, {
    externalIdField: EXTERNAL_ID,
    hubspotCompanyId,
    fields,
  });
}

export function updateAccount(
  connectionId: string,
  accountId: string,
  fields: SalesforceFields,
  hubspotCompanyId = '999',
): SalesforceCommand {
  return envelope(connectionId, COMMAND_TYPES.updateSalesforceAccount, {
    accountId,
    hubspotCompanyId,
    fields,
  });
}

export function linkAccount(
  connectionId: string,
  accountId: string,
  hubspotCompanyId: string,
): SalesforceCommand {
  return envelope(connectionId, COMMAND_TYPES.linkSalesforceAccount, {
    accountId,
    externalIdField: EXTERNAL_ID,
    hubspotCompanyId,
  });
}

export function reparentContact(
  connectionId: string,
  contactId: string,
  accountId: string,
): SalesforceCommand {
  return envelope(connectionId, COMMAND_TYPES.reparentSalesforceContact, { contactId, accountId });
}

export function asMessage(command: SalesforceCommand): { key: string; value: string } {
  return { key: commandKey(command), value: JSON.stringify(command) };
}
