import { describe, expect, it } from '@jest/globals';
import { linkAccount, reparentContact, updateAccount, upsertAccount } from '../../test/commands.js';
import { opKey, planWaves, plannedWrite } from './command-plan.js';

const C = 'c-1';
const A1 = '001000000000001AAA';
const A2 = '001000000000002AAA';

describe('request records', () => {
  it('builds each command type as the record Salesforce receives', () => {
    const upsert = plannedWrite(
      upsertAccount(C, '42', { Name: 'Acme', hubspot_company_id__c: 'x', ID: 'y' }),
    );
    expect(upsert.op).toEqual({
      kind: 'upsert',
      sobject: 'Account',
      externalIdField: 'HubSpot_Company_Id__c',
    });
    // The identifying fields are never taken from `fields`, in any case.
    expect(upsert.record).toEqual({ Name: 'Acme', HubSpot_Company_Id__c: '42' });
    expect(plannedWrite(updateAccount(C, A1, { Name: 'B', id: 'other' })).record).toEqual({
      Name: 'B',
      Id: A1,
    });
    expect(plannedWrite(linkAccount(C, A1, '42')).record).toEqual({
      Id: A1,
      HubSpot_Company_Id__c: '42',
    });
    expect(plannedWrite(reparentContact(C, '003000000000001AAA', A1))).toMatchObject({
      op: { kind: 'update', sobject: 'Contact' },
      record: { Id: '003000000000001AAA', AccountId: A1 },
    });
  });
});

describe('planning waves of collection requests', () => {
  it('packs writes of one operation into requests of at most the collection size', () => {
    const commands = Array.from({ length: 450 }, (_, i) => upsertAccount(C, String(1000 + i), {}));
    const waves = planWaves(commands, 200);
    expect(waves).toHaveLength(1);
    expect(waves[0]?.map((c) => c.writes.length)).toEqual([200, 200, 50]);
  });

  it('separates operations, and keeps writes of one record in order in later waves', () => {
    const first = updateAccount(C, A1, { Name: 'one' });
    const link = linkAccount(C, A1, '42');
    const other = updateAccount(C, A2, { Name: 'x' });
    const upsert = upsertAccount(C, '7', {});
    const third = updateAccount(C, A1, { Name: 'three' });
    const waves = planWaves([first, link, other, upsert, third], 200);
    const shape = waves.map((w) =>
      w.map((chunk) => [opKey(chunk.op), chunk.writes.map((x) => x.command)]),
    );
    expect(shape).toEqual([
      [
        ['update:Account', [first, other]],
        ['upsert:Account:HubSpot_Company_Id__c', [upsert]],
      ],
      [['update:Account', [link]]],
      [['update:Account', [third]]],
    ]);
  });

  it('refuses collection sizes Salesforce does not allow', () => {
    expect(() => planWaves([], 201)).toThrow(RangeError);
    expect(() => planWaves([], 0)).toThrow(RangeError);
  });
});
