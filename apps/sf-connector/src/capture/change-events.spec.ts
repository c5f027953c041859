import { describe, expect, it } from '@jest/globals';
import { ChangeEvent, SalesforceAccountState, changeEventKey } from '@crm-sync/domain';
import { accountStateOf, changeEventOf, polledChange } from './change-events.js';
import { polledRecordOf, type PolledRecord } from './records.js';

const raw = {
  attributes: { type: 'Account', url: '/x' },
  Id: '001000000000001AAA',
  Name: 'Acme',
  IsDeleted: false,
  MasterRecordId: null,
  CreatedDate: '2026-11-01T10:00:00.000+0000',
  SystemModstamp: '2026-11-28T12:00:00.000+0000',
  BillingAddress: { City: 'Berlin' },
  BillingCity: 'Berlin',
};

function record(overrides: Record<string, unknown> = {}): PolledRecord {
  const r = polledRecordOf('Account', { ...raw, ...overrides });
  if ('invalid' in r) throw new Error(r.invalid);
  return r;
}

describe('polled records', () => {
  it('keeps scalar fields, drops attributes and compound values, reads times', () => {
    const r = record();
    expect(r.fields).toEqual({
      Id: '001000000000001AAA',
      Name: 'Acme',
      IsDeleted: false,
      MasterRecordId: null,
      CreatedDate: '2026-11-01T10:00:00.000+0000',
      SystemModstamp: '2026-11-28T12:00:00.000+0000',
      BillingCity: 'Berlin',
    });
    expect(r.systemModstamp).toBe(Date.parse('2026-11-28T12:00:00.000Z'));
    expect(polledRecordOf('Account', { ...raw, SystemModstamp: null })).toEqual({
      invalid: '001000000000001AAA has no SystemModstamp',
    });
  });
});

describe('change events', () => {
  it.each(['created', 'updated', 'deleted', 'undeleted'] as const)(
    'a polled %s change satisfies the contract',
    (changeType) => {
      const event = changeEventOf(
        'c-1',
        polledChange(record(), changeType, { capturedBy: 'poll' }),
      );
      expect(ChangeEvent.parse(event)).toEqual(event);
      expect(event.payload).toMatchObject({
        changeType,
        changedAt: '2026-11-28T12:00:00.000Z',
        changeOrigin: null,
      });
      expect(changeEventKey(event)).toBe('c-1:salesforce:Account:001000000000001AAA');
    },
  );

  it('a merge names the survivor; a snapshot its job', () => {
    const merged = changeEventOf(
      'c-1',
      polledChange(record({ IsDeleted: true, MasterRecordId: '001000000000002AAA' }), 'merged', {
        capturedBy: 'poll',
      }),
    );
    expect(ChangeEvent.parse(merged).payload).toMatchObject({
      masterRecordId: '001000000000002AAA',
    });
    const snapshot = changeEventOf(
      'c-1',
      polledChange(record(), 'snapshot', { capturedBy: 'import', importJobId: 'job-1' }),
    );
    expect(ChangeEvent.parse(snapshot).payload).toMatchObject({ importJobId: 'job-1' });
  });

  it('ids identify the change, so a change captured twice carries one id', () => {
    const a = changeEventOf('c-1', polledChange(record(), 'updated', { capturedBy: 'poll' }));
    const b = changeEventOf('c-1', {
      ...polledChange(record(), 'updated', { capturedBy: 'cdc' }),
      changeOrigin: 'x',
    });
    const later = changeEventOf(
      'c-1',
      polledChange(record({ SystemModstamp: '2026-11-28T12:00:01.000+0000' }), 'updated', {
        capturedBy: 'poll',
      }),
    );
    expect(a.id).toBe(b.id);
    expect(later.id).not.toBe(a.id);
    const long = changeEventOf(
      'c'.repeat(100),
      polledChange(record(), 'snapshot', { capturedBy: 'import', importJobId: 'j'.repeat(150) }),
    );
    expect(long.id.length).toBeLessThanOrEqual(200);
    expect(ChangeEvent.safeParse(long).success).toBe(true);
  });

  it('account states satisfy their contract, deleted accounts included', () => {
    const state = accountStateOf('c-1', record({ IsDeleted: true }));
    expect(SalesforceAccountState.parse(state).payload).toMatchObject({
      accountId: '001000000000001AAA',
      deleted: true,
      createdDate: '2026-11-01T10:00:00.000Z',
    });
  });
});
