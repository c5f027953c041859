import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  accountChanged,
  AFTER,
  companyChanged,
  hsId,
  mappings,
  settings,
  sfId,
  succeeded,
} from '../../test/fixtures.js';
import { InMemorySyncStore } from '../store/in-memory.sync-store.js';
import type { WorkItem } from '../work/work-item.js';
import { Decider } from './decider.js';
import { ManualClock } from './ports.js';

const C = 'conn-unit';
let store: InMemorySyncStore;
let decider: Decider;

beforeEach(async () => {
  store = new InMemorySyncStore();
  await store.putConnection({ settings: settings(C), mappings });
  decider = new Decider({
    store,
    connections: { get: (c) => store.getConnection(c) },
    clock: new ManualClock(new Date(AFTER(100))),
    own: { salesforceClientName: 'crm-sync', hubspotAppId: '1000001' },
  });
});

const onAccount = (accountId: string, event: ReturnType<typeof accountChanged>): WorkItem => ({
  id: `${event.id}>${C}:account:${accountId}`,
  connectionId: C,
  subject: { kind: 'account', accountId },
  cause: { kind: 'change', event },
  hops: 0,
});

/** A new account's create command answered with a new company id: the pair is linked. */
async function createAndLink(
  accountId: string,
  fields?: Parameters<typeof accountChanged>[1]['fields'],
): Promise<string> {
  const created = await decider.process(
    onAccount(accountId, accountChanged(C, { recordId: accountId, ...(fields ? { fields } : {}) })),
  );
  const [upsert] = created.hubspotCommands;
  if (!upsert) throw new Error('no upsert');
  const companyId = hsId();
  const result = succeeded(upsert, companyId);
  await decider.process({
    id: `${result.id}>x`,
    connectionId: C,
    subject: { kind: 'account', accountId },
    cause: { kind: 'result', result },
    hops: 0,
  });
  return companyId;
}

describe('Decider (in-memory store)', () => {
  it('creates once per account: a second change while the create is pending adds none', async () => {
    const accountId = sfId('001');
    const first = await decider.process(
      onAccount(accountId, accountChanged(C, { recordId: accountId })),
    );
    const second = await decider.process(
      onAccount(
        accountId,
        accountChanged(C, { recordId: accountId, changeType: 'updated', changedAt: AFTER(2) }),
      ),
    );
    expect(first.hubspotCommands.map((x) => x.type)).toEqual(['hubspot.upsert-company.v1']);
    expect(second.hubspotCommands).toEqual([]);
    expect(await store.getPendingCreate(C, 'hubspot', accountId)).toMatchObject({
      sourceId: accountId,
    });
  });

  it('repeats the very same command when the same event comes again (aborted transaction)', async () => {
    const accountId = sfId('001');
    const item = onAccount(accountId, accountChanged(C, { recordId: accountId }));
    const a = await decider.process(item);
    const b = await decider.process(item);
    expect(b.hubspotCommands).toEqual(a.hubspotCommands);
    expect(b.hubspotCommands).toHaveLength(1);
  });

  it('links on the create result and clears the pending marker', async () => {
    const accountId = sfId('001');
    const companyId = await createAndLink(accountId);
    expect(await store.linkByAccount(C, accountId)).toMatchObject({
      companyId,
      via: 'created_company',
    });
    expect(await store.getPendingCreate(C, 'hubspot', accountId)).toBeUndefined();
  });

  it.each([
    ['a person', null],
    ['our own write', '1000001'],
  ])(
    'holds an account change while the linked company is unknown, and merges it when the company arrives (created by %s)',
    async (_who, sourceId) => {
      const accountId = sfId('001');
      const companyId = await createAndLink(accountId, { Name: 'Acme' });

      // Renamed before the company's first event: nothing to compare with yet.
      const renamed = await decider.process(
        onAccount(
          accountId,
          accountChanged(C, {
            recordId: accountId,
            changeType: 'updated',
            fields: { Name: 'Acme Renamed' },
            changedAt: AFTER(5),
          }),
        ),
      );
      expect(renamed.hubspotCommands).toEqual([]);
      expect(renamed.decisions.map((d) => [d.rule, d.decision])).toContainEqual([
        'field_merge',
        { kind: 'skip', reasons: ['AWAITING_LINKED_RECORD'] },
      ]);
      expect((await store.linkByAccount(C, accountId))?.pendingMerge).toEqual({
        salesforce: ['Name'],
      });

      // The company's creation echo (the name it was created with, older than the rename).
      const echo = companyChanged(C, {
        recordId: companyId,
        changeType: 'created',
        properties: { name: 'Acme', salesforceaccountid: accountId },
        changedAt: AFTER(2),
        sourceId,
      });
      const merged = await decider.process({
        id: `${echo.id}>acc`,
        connectionId: C,
        subject: { kind: 'account', accountId },
        cause: { kind: 'change', event: echo },
        hops: 0,
      });
      expect(merged.hubspotCommands.map((x) => [x.type, x.payload])).toEqual([
        [
          'hubspot.update-company.v1',
          expect.objectContaining({ companyId, properties: { name: 'Acme Renamed' } }),
        ],
      ]);
      expect((await store.linkByAccount(C, accountId))?.pendingMerge).toEqual({});
    },
  );

  it('takes from a polled change only the fields whose values differ: a blank never seen clears nothing', async () => {
    const accountId = sfId('001');
    const companyId = hsId();
    await store.insertLink(C, {
      accountId,
      companyId,
      linkedAt: AFTER(1),
      via: 'manual',
      ledger: { salesforce: {}, hubspot: {} },
      deletedOn: null,
    });
    await store.putAccount(C, {
      accountId,
      fields: { Name: 'Acme', Industry: 'Banking' },
      fieldChangedAt: { Name: AFTER(1), Industry: AFTER(1) },
      createdDate: AFTER(1),
      deleted: false,
    });
    await store.putCompany(C, {
      companyId,
      properties: { name: 'Acme', phone: '+1 555 0100', industry: 'BANKING' },
      propertyChangedAt: { name: AFTER(1), phone: AFTER(1), industry: AFTER(1) },
      autoCreated: false,
      deleted: false,
    });
    // Polling re-reads the whole record: Phone blank (never known), Industry as before, Name new.
    const fx = await decider.process(
      onAccount(
        accountId,
        accountChanged(C, {
          recordId: accountId,
          changeType: 'updated',
          fields: { Name: 'Acme Corp', Phone: null, Industry: 'Banking' },
          changedAt: AFTER(5),
          capturedBy: 'poll',
        }),
      ),
    );
    expect(fx.hubspotCommands.map((x) => x.payload)).toEqual([
      expect.objectContaining({ companyId, properties: { name: 'Acme Corp' } }),
    ]);
    expect((await store.getAccount(C, accountId))?.fieldChangedAt).toMatchObject({
      Name: AFTER(5),
      Industry: AFTER(1),
    });
  });

  it('forwards an item addressed to a company that is linked now to the account subject', async () => {
    const accountId = sfId('001');
    const companyId = hsId();
    await store.insertLink(C, {
      accountId,
      companyId,
      linkedAt: AFTER(1),
      via: 'manual',
      ledger: { salesforce: {}, hubspot: {} },
      deletedOn: null,
    });
    const event = companyChanged(C, {
      recordId: companyId,
      changeType: 'updated',
      properties: { name: 'X' },
    });
    const fx = await decider.process({
      id: `${event.id}>co`,
      connectionId: C,
      subject: { kind: 'company', companyId },
      cause: { kind: 'change', event },
      hops: 0,
    });
    expect(fx.forwards.map((f) => f.subject)).toEqual([{ kind: 'account', accountId }]);
    expect(fx.forwards[0]?.hops).toBe(1);
    expect(fx.hubspotCommands).toEqual([]);
    expect(fx.salesforceCommands).toEqual([]);
  });

  it('records SYNC_DISABLED for a connection it does not know', async () => {
    const accountId = sfId('001');
    const event = accountChanged('other-conn', { recordId: accountId });
    const fx = await decider.process({
      ...onAccount(accountId, event),
      connectionId: 'other-conn',
    });
    expect(fx.decisions.map((d) => d.decision)).toEqual([
      { kind: 'skip', reasons: ['SYNC_DISABLED'] },
    ]);
  });
});
