import {
  COMMAND_TYPES,
  idempotencyKey,
  type HubSpotCommand,
  type HubSpotProperties,
} from '@crm-sync/domain';

/** Test builders of HubSpot commands (shared by unit and integration tests). */
export const upsert = (
  n: number,
  properties: HubSpotProperties = { name: `Company ${n}` },
  connectionId = 'c1',
): HubSpotCommand => {
  const accountId = accountIdOf(n);
  return {
    id: `cmd-upsert-${accountId}-${JSON.stringify(properties).length}`,
    type: COMMAND_TYPES.upsertHubSpotCompany,
    connectionId,
    occurredAt: '2026-03-01T12:00:00.000Z',
    source: 'sync-rules',
    payload: {
      commandId: `upsert-${accountId}`,
      idempotencyKey: idempotencyKey({
        type: COMMAND_TYPES.upsertHubSpotCompany,
        connectionId,
        subject: { system: 'salesforce', object: 'Account', recordId: accountId },
        effect: properties,
      }),
      causationId: `evt-${n}`,
      salesforceAccountId: accountId,
      properties,
    },
  };
};

export const update = (
  companyId: string,
  properties: HubSpotProperties,
  tag = 'u',
  connectionId = 'c1',
): HubSpotCommand => ({
  id: `cmd-update-${companyId}-${tag}`,
  type: COMMAND_TYPES.updateHubSpotCompany,
  connectionId,
  occurredAt: '2026-03-01T12:00:00.000Z',
  source: 'sync-rules',
  payload: {
    commandId: `update-${companyId}-${tag}`,
    idempotencyKey: `update:${companyId}:${tag}`,
    causationId: `evt-${tag}`,
    companyId,
    salesforceAccountId: accountIdOf(1),
    properties,
  },
});

export const lifecycle = (companyId: string, stage: string): HubSpotCommand => ({
  id: `cmd-lifecycle-${companyId}-${stage}`,
  type: COMMAND_TYPES.setHubSpotCompanyLifecycleStage,
  connectionId: 'c1',
  occurredAt: '2026-03-01T12:00:00.000Z',
  source: 'sync-rules',
  payload: {
    commandId: `lifecycle-${companyId}-${stage}`,
    idempotencyKey: `lifecycle:${companyId}:${stage}`,
    causationId: 'evt-l',
    companyId,
    lifecycleStage: stage,
  },
});

/** An 18-character Salesforce Account Id numbered `n`. */
export function accountIdOf(n: number): string {
  return `001${String(n).padStart(12, '0')}AAA`;
}
