/** Change events that must parse (scenario fixtures, STYLE §9). */
const envelope = (type: string, payload: unknown) => ({
  id: `evt-${type}`,
  type,
  connectionId: 'c1',
  occurredAt: '2025-03-01T10:00:00Z',
  source: 'sf-connector',
  payload,
});

const sf = {
  recordId: '001000000000001AAA',
  fields: { Name: 'Acme', NumberOfEmployees: 12, IsPartner: false, Website: null },
  changedFields: ['Name'],
  changedAt: '2025-03-01T09:59:59.000Z',
  createdDate: '2025-01-01T00:00:00.000+00:00',
  changeOrigin: 'com/salesforce/api/rest/61.0;client=crm-sync',
  capturedBy: 'cdc',
};

const hs = {
  recordId: '123',
  properties: { name: 'Acme', domain: null },
  propertyChangedAt: { name: '2025-03-01T09:59:59.000Z' },
  changedProperties: ['name'],
  changedAt: '2025-03-01T09:59:59.000Z',
  changeSource: 'CRM_UI',
  sourceId: null,
  capturedBy: 'webhook',
};

export const VALID_CHANGE_EVENTS: readonly (readonly [string, unknown])[] = [
  [
    'account updated',
    envelope('salesforce.account-changed.v1', {
      kind: 'salesforce_account',
      changeType: 'updated',
      ...sf,
    }),
  ],
  [
    'account merged',
    envelope('salesforce.account-changed.v1', {
      kind: 'salesforce_account',
      ...sf,
      changeType: 'merged',
      masterRecordId: '001000000000002AAA',
      createdDate: undefined,
    }),
  ],
  [
    'account deleted without createdDate',
    envelope('salesforce.account-changed.v1', {
      kind: 'salesforce_account',
      ...sf,
      changeType: 'deleted',
      createdDate: undefined,
      changeOrigin: null,
      capturedBy: 'poll',
    }),
  ],
  [
    'account snapshot',
    envelope('salesforce.account-changed.v1', {
      kind: 'salesforce_account',
      ...sf,
      changeType: 'snapshot',
      capturedBy: 'import',
      importJobId: 'job-1',
    }),
  ],
  [
    'contact created (15-char id)',
    envelope('salesforce.contact-changed.v1', {
      kind: 'salesforce_contact',
      ...sf,
      recordId: '003000000000001',
      changeType: 'created',
      fields: { AccountId: null },
    }),
  ],
  [
    'lead undeleted',
    envelope('salesforce.lead-changed.v1', {
      kind: 'salesforce_lead',
      ...sf,
      recordId: '00Q000000000001AAA',
      changeType: 'undeleted',
    }),
  ],
  [
    'company created',
    envelope('hubspot.company-changed.v1', {
      kind: 'hubspot_company',
      changeType: 'created',
      ...hs,
      autoCreated: true,
    }),
  ],
  [
    'company merged',
    envelope('hubspot.company-changed.v1', {
      kind: 'hubspot_company',
      ...hs,
      changeType: 'merged',
      mergedIntoId: '456',
    }),
  ],
  [
    'contact restored',
    envelope('hubspot.contact-changed.v1', {
      kind: 'hubspot_contact',
      ...hs,
      changeType: 'restored',
      sourceId: '999',
    }),
  ],
  [
    'association added',
    envelope('hubspot.association-changed.v1', {
      kind: 'hubspot_association',
      changeType: 'added',
      companyId: '1',
      contactId: '2',
      changedAt: '2025-03-01T09:59:59Z',
      changeSource: null,
      sourceId: null,
      capturedBy: 'poll',
    }),
  ],
];
