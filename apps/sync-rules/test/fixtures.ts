import {
  ConnectionSettings,
  DEFAULT_FIELD_MAPPINGS,
  type ChangeEvent,
  type CommandResult,
  type FieldMapping,
  type HubSpotAssociationChange,
  type HubSpotCompanyChange,
  type HubSpotContactChange,
  type HubSpotProperties,
  type SalesforceAccountChange,
  type SalesforceContactChange,
} from '@crm-sync/domain';

let seq = 0;
const next = () => String(++seq).padStart(6, '0');

/** A valid 18-character Salesforce Id with the given key prefix (001 Account, 003 Contact). */
export function sfId(prefix: '001' | '003' | '00Q'): string {
  return `${prefix}${'0'.repeat(9)}${next()}AAA`.slice(0, 18);
}

export function hsId(): string {
  return String(900_000_000 + ++seq);
}

export const T0 = '2026-11-01T00:00:00.000Z';
export const BEFORE = '2026-10-01T00:00:00.000Z';
export const AFTER = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export function settings(
  connectionId: string,
  overrides: Partial<ConnectionSettings> = {},
): ConnectionSettings {
  return ConnectionSettings.parse({
    connectionId,
    syncCompanies: true,
    syncEnabledAt: T0,
    ...overrides,
  });
}

export const mappings: readonly FieldMapping[] = DEFAULT_FIELD_MAPPINGS;

function envelope(
  connectionId: string,
  type: ChangeEvent['type'],
  payload: ChangeEvent['payload'],
): ChangeEvent {
  return {
    id: `evt-${next()}`,
    type,
    connectionId,
    occurredAt: 'changedAt' in payload ? payload.changedAt : T0,
    source: type.startsWith('salesforce') ? 'salesforce' : 'hubspot',
    payload,
  } as ChangeEvent;
}

export function accountChanged(
  connectionId: string,
  p: Partial<SalesforceAccountChange> & Pick<SalesforceAccountChange, 'recordId'>,
): ChangeEvent {
  const fields = p.fields ?? { Name: 'Acme' };
  return envelope(connectionId, 'salesforce.account-changed.v1', {
    kind: 'salesforce_account',
    changeType: 'created',
    fields,
    changedFields: Object.keys(fields),
    changedAt: AFTER(1),
    createdDate: AFTER(1),
    changeOrigin: null,
    capturedBy: 'cdc',
    ...p,
  });
}

/** The fields every HubSpot record change shares: properties changed at one instant by a person. */
function hubspotRecordChange(
  p: { properties?: HubSpotProperties; changedAt?: string },
  defaults: HubSpotProperties,
) {
  const properties = p.properties ?? defaults;
  const at = p.changedAt ?? AFTER(1);
  return {
    properties,
    changedProperties: Object.keys(properties),
    propertyChangedAt: Object.fromEntries(Object.keys(properties).map((k) => [k, at])),
    changedAt: at,
    changeSource: 'CRM_UI',
    sourceId: null,
    capturedBy: 'webhook' as const,
  };
}

export function companyChanged(
  connectionId: string,
  p: Partial<HubSpotCompanyChange> & Pick<HubSpotCompanyChange, 'recordId'>,
): ChangeEvent {
  return envelope(connectionId, 'hubspot.company-changed.v1', {
    kind: 'hubspot_company',
    changeType: 'created',
    autoCreated: false,
    ...hubspotRecordChange(p, { name: 'Acme' }),
    ...p,
  });
}

export function contactChanged(
  connectionId: string,
  p: Partial<HubSpotContactChange> & Pick<HubSpotContactChange, 'recordId'>,
): ChangeEvent {
  return envelope(connectionId, 'hubspot.contact-changed.v1', {
    kind: 'hubspot_contact',
    changeType: 'updated',
    ...hubspotRecordChange(p, {}),
    ...p,
  });
}

export function salesforceContactChanged(
  connectionId: string,
  p: Partial<SalesforceContactChange> & Pick<SalesforceContactChange, 'recordId'>,
): ChangeEvent {
  const fields = p.fields ?? { LastName: 'Doe', AccountId: null };
  return envelope(connectionId, 'salesforce.contact-changed.v1', {
    kind: 'salesforce_contact',
    changeType: 'created',
    fields,
    changedFields: Object.keys(fields),
    changedAt: AFTER(1),
    createdDate: AFTER(1),
    changeOrigin: null,
    capturedBy: 'cdc',
    ...p,
  });
}

export function associated(
  connectionId: string,
  companyId: string,
  contactId: string,
  changeType: HubSpotAssociationChange['changeType'] = 'added',
): ChangeEvent {
  return envelope(connectionId, 'hubspot.association-changed.v1', {
    kind: 'hubspot_association',
    changeType,
    companyId,
    contactId,
    changedAt: AFTER(2),
    changeSource: 'CRM_UI',
    sourceId: null,
    capturedBy: 'webhook',
  });
}

/**
 * What the hs-connector answers after writing a company: the result with the company as HubSpot
 * answered the write (`written`).
 */
export function succeededWriting(
  command: Parameters<typeof succeeded>[0],
  written: ChangeEvent,
): CommandResult {
  if (written.type !== 'hubspot.company-changed.v1') throw new Error('not a company change');
  const result = succeeded(
    command,
    written.payload.recordId,
    written.payload.changeType === 'created',
  );
  if (result.type !== 'sync.command-succeeded.v1') throw new Error('not a success');
  return { ...result, payload: { ...result.payload, written } };
}

/** What a connector answers after carrying out a command. */
export function succeeded(
  command: {
    connectionId: string;
    type: string;
    payload: { commandId: string; idempotencyKey: string };
  },
  recordId: string,
  created = true,
): CommandResult {
  return {
    id: `res-${next()}`,
    type: 'sync.command-succeeded.v1',
    connectionId: command.connectionId,
    occurredAt: AFTER(3),
    source: command.type.startsWith('salesforce') ? 'sf-connector' : 'hs-connector',
    payload: {
      commandId: command.payload.commandId,
      idempotencyKey: command.payload.idempotencyKey,
      commandType: command.type as CommandResult['payload']['commandType'],
      system: command.type.startsWith('salesforce') ? 'salesforce' : 'hubspot',
      completedAt: AFTER(3),
      attempt: 1,
      outcome: 'succeeded',
      recordId,
      created,
    },
  };
}
