import { describe, expect, it } from '@jest/globals';
import {
  completedCdcChange,
  flatFieldName,
  flattenCdcFields,
  readCdcMessage,
} from './cdc-events.js';

const OBJECTS = ['Account', 'Contact', 'Lead'] as const;
const COMMIT = Date.parse('2026-11-28T12:00:00.000Z');

function message(
  header: Record<string, unknown>,
  values: Record<string, unknown> = {},
  replayId = 7,
) {
  return {
    schema: 'x',
    payload: {
      ChangeEventHeader: {
        entityName: 'Account',
        recordIds: ['001000000000001AAA'],
        changeType: 'UPDATE',
        changeOrigin: 'com/salesforce/api/rest/62.0;client=crm-sync',
        commitTimestamp: COMMIT,
        changedFields: [],
        nulledFields: [],
        ...header,
      },
      ...values,
    },
    event: { replayId },
  };
}

describe('CDC field names', () => {
  it.each([
    ['BillingAddress.City', 'BillingCity'],
    ['Address.PostalCode', 'PostalCode'],
    ['MailingAddress.Street', 'MailingStreet'],
    ['Name.LastName', 'LastName'],
    ['Phone', 'Phone'],
  ])('%s → %s', (nested, flat) => {
    expect(flatFieldName(nested)).toBe(flat);
  });

  it('flattens nested compound values and keeps scalars', () => {
    expect(
      flattenCdcFields({
        Name: 'Acme',
        BillingAddress: { City: 'Berlin', Country: null },
        Tags: ['not', 'a', 'scalar'],
      }),
    ).toEqual({ Name: 'Acme', BillingCity: 'Berlin', BillingCountry: null });
  });
});

describe('reading CDC messages', () => {
  it('reads an update: changed fields flattened, nulled fields as null, origin and version', () => {
    const reading = readCdcMessage(
      message(
        {
          changedFields: ['Name', 'BillingAddress.City', 'Phone', 'LastModifiedDate'],
          nulledFields: ['Phone'],
        },
        {
          Name: 'Acme 2',
          BillingAddress: { City: 'Paris' },
          LastModifiedDate: '2026-11-28T12:00:00.000+0000',
        },
      ),
      OBJECTS,
    );
    expect(reading).toEqual({
      kind: 'changes',
      replayId: 7,
      changes: [
        {
          object: 'Account',
          recordId: '001000000000001AAA',
          changeType: 'updated',
          fields: {
            Name: 'Acme 2',
            BillingCity: 'Paris',
            Phone: null,
            LastModifiedDate: '2026-11-28T12:00:00.000+0000',
          },
          changedFields: ['Name', 'BillingCity', 'Phone', 'LastModifiedDate'],
          changedAt: COMMIT,
          createdDate: undefined,
          version: COMMIT,
          changeOrigin: 'com/salesforce/api/rest/62.0;client=crm-sync',
          capturedBy: 'cdc',
        },
      ],
    });
  });

  it('reads a create with all its fields and its CreatedDate, and a delete with none', () => {
    const created = readCdcMessage(
      message(
        { changeType: 'CREATE', entityName: 'Contact' },
        { LastName: 'Lovelace', CreatedDate: '2026-11-28T11:59:00.000+0000' },
      ),
      OBJECTS,
    );
    if (created.kind !== 'changes') throw new Error(created.kind);
    expect(created.changes[0]).toMatchObject({
      object: 'Contact',
      changeType: 'created',
      changedFields: ['LastName', 'CreatedDate'],
      createdDate: COMMIT - 60_000,
    });
    const deleted = readCdcMessage(message({ changeType: 'DELETE' }, { Name: 'x' }), OBJECTS);
    if (deleted.kind !== 'changes') throw new Error(deleted.kind);
    expect(deleted.changes[0]).toMatchObject({
      changeType: 'deleted',
      fields: {},
      changedFields: [],
    });
  });

  it('ignores gap events and entities not captured, and reports malformed messages', () => {
    expect(readCdcMessage(message({ changeType: 'GAP_UPDATE' }), OBJECTS).kind).toBe('ignored');
    expect(readCdcMessage(message({ entityName: 'Opportunity' }), OBJECTS).kind).toBe('ignored');
    expect(readCdcMessage({ payload: {} }, OBJECTS).kind).toBe('invalid');
  });

  it('completes an update with the CreatedDate read separately', () => {
    const reading = readCdcMessage(message({}), OBJECTS);
    if (reading.kind !== 'changes') throw new Error(reading.kind);
    const [change] = reading.changes;
    if (!change) throw new Error('no change');
    expect(completedCdcChange(change, COMMIT - 1)).toMatchObject({ createdDate: COMMIT - 1 });
    expect('version' in completedCdcChange(change, undefined)).toBe(false);
  });
});
