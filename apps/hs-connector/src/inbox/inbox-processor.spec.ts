import { describe, expect, it } from '@jest/globals';
import { ChangeEvent, DeadLettered } from '@crm-sync/domain';
import { InMemoryHubSpotApi } from '../hubspot/in-memory.hubspot-api.js';
import { batchContext, inbound, unitDeps } from '../../test/support.js';
import { InboxProcessor } from './inbox-processor.js';

const T = Date.parse('2026-03-01T12:00:00Z');
let eventId = 1;

/** One inbox message as the webhook endpoint writes it. */
function delivery(event: Record<string, unknown>, connectionId = 'c1') {
  return {
    connectionId,
    receivedAt: new Date(T).toISOString(),
    event: { eventId: eventId++, portalId: 62515, occurredAt: T, changeSource: 'CRM_UI', ...event },
  };
}

function setup() {
  const api = new InMemoryHubSpotApi();
  api.now = T;
  const processor = new InboxProcessor({
    ...unitDeps(api),
    changesTopic: 'changes',
    groupId: 'hs-inbox',
  });
  const run = async (values: readonly (string | object)[]) => {
    const out = await processor.handle(inbound(values, 'inbox'), batchContext);
    return {
      changes: out
        .filter((m) => m.topic === 'changes')
        .map((m) => ({ key: m.key, event: ChangeEvent.parse(JSON.parse(m.value)) })),
      deadLetters: out
        .filter((m) => m.topic === 'dlq')
        .map((m) => DeadLettered.parse(JSON.parse(m.value))),
    };
  };
  return { api, run };
}

describe('InboxProcessor', () => {
  it('turns a creation and its property events into one created event with every property read', async () => {
    const { api, run } = setup();
    const id = api.put('companies', {
      name: 'Acme',
      domain: 'acme.com',
      hs_object_source_detail_1: 'AUTO_CREATE_AND_ASSOCIATE',
    });
    const { changes } = await run([
      delivery({ subscriptionType: 'company.creation', objectId: Number(id) }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(id),
        propertyName: 'name',
        propertyValue: 'Acme',
      }),
    ]);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.key).toBe(`c1:hubspot:company:${id}`);
    expect(changes[0]?.event.payload).toMatchObject({
      kind: 'hubspot_company',
      changeType: 'created',
      recordId: id,
      autoCreated: true,
      capturedBy: 'webhook',
      changeSource: 'CRM_UI',
      properties: { name: 'Acme', domain: 'acme.com', salesforceaccountid: null },
      propertyChangedAt: { name: new Date(T).toISOString() },
    });
    expect(api.count('companies.read')).toBe(1);
  });

  it('leaves out companies only our own writes touched (their echoes went out with the writes), and reads the others', async () => {
    // Ours: a creation with the upsert's id property, and property changes.
    const { api, run } = setup();
    const ours = { changeSource: 'INTEGRATION', sourceId: '1160452' };
    const created = api.put('companies', { name: 'Ours', salesforceaccountid: '001A' });
    const createdApart = api.put('companies', { name: 'Ours too', salesforceaccountid: '001B' });
    const edited = api.put('companies', { name: 'Also ours' });
    const both = api.put('companies', { name: 'Ours, then a person' });
    const deleted = api.put('companies', { name: 'Gone' });
    api.archive('companies', deleted);
    const contact = api.put('contacts', { email: 'a@ours.example' });
    const { changes } = await run([
      delivery({ subscriptionType: 'company.creation', objectId: Number(created), ...ours }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(created),
        propertyName: 'salesforceaccountid',
        propertyValue: '001A',
        ...ours,
      }),
      // A creation whose other events came in another delivery (HubSpot sends up to 100 events
      // a request): ours all the same. So is one by a script using our token, which the
      // reconciliation poll reports.
      delivery({
        subscriptionType: 'company.creation',
        objectId: Number(createdApart),
        ...ours,
      }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(createdApart),
        propertyName: 'name',
        propertyValue: 'Ours too',
        ...ours,
      }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(edited),
        propertyName: 'name',
        propertyValue: 'Also ours',
        ...ours,
      }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(both),
        propertyName: 'name',
        propertyValue: 'Ours',
        ...ours,
      }),
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(both),
        propertyName: 'name',
        propertyValue: 'Ours, then a person',
      }),
      // Our app's deletions and contacts are not written by the command processor: read.
      delivery({ subscriptionType: 'company.deletion', objectId: Number(deleted), ...ours }),
      delivery({ subscriptionType: 'contact.creation', objectId: Number(contact), ...ours }),
    ]);
    expect(
      changes.map((c) => [
        c.event.payload.kind === 'hubspot_association' ? '' : c.event.payload.recordId,
        c.event.payload.kind === 'hubspot_association' ? '' : c.event.payload.changeType,
      ]),
    ).toEqual([
      [both, 'updated'],
      [deleted, 'deleted'],
      [contact, 'created'],
    ]);
    expect(api.count('companies.read')).toBe(1);
  });

  it('reads a record’s events grouped in one message, and dead-letters an event it cannot read without losing the rest', async () => {
    const { api, run } = setup();
    const id = api.put('companies', { name: 'Acme', domain: 'acme.com' });
    const creation = delivery({ subscriptionType: 'company.creation', objectId: Number(id) });
    const name = delivery({
      subscriptionType: 'company.propertyChange',
      objectId: Number(id),
      propertyName: 'name',
      propertyValue: 'Acme',
    });
    const unknown = delivery({ subscriptionType: 'company.propertyChange', objectId: Number(id) });
    const { changes, deadLetters } = await run([
      { ...creation, event: undefined, events: [creation.event, unknown.event, name.event] },
    ]);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.event.payload).toMatchObject({
      kind: 'hubspot_company',
      changeType: 'created',
      recordId: id,
      properties: { name: 'Acme', domain: 'acme.com' },
    });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.payload.reason).toContain(
      `webhook event ${String(unknown.event.eventId)}`,
    );
  });

  it('makes duplicate and out-of-order deliveries harmless: one event, today’s state', async () => {
    const { api, run } = setup();
    const id = api.put(
      'contacts',
      { email: 'a@x.com', lifecyclestage: 'lead' },
      { at: T - 60_000 },
    );
    api.put('contacts', { lifecyclestage: 'customer' }, { id, at: T });
    const late = delivery({
      subscriptionType: 'contact.propertyChange',
      objectId: Number(id),
      propertyName: 'lifecyclestage',
      propertyValue: 'customer',
      occurredAt: T,
    });
    const early = delivery({
      subscriptionType: 'contact.propertyChange',
      objectId: Number(id),
      propertyName: 'lifecyclestage',
      propertyValue: 'lead',
      occurredAt: T - 60_000,
    });
    const { changes } = await run([late, early, late]);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.event.payload).toMatchObject({
      kind: 'hubspot_contact',
      changeType: 'updated',
      changedProperties: ['lifecyclestage'],
      properties: { lifecyclestage: 'customer' },
    });
    // The same change delivered again later gives the very same event id.
    const again = await run([late]);
    expect(again.changes[0]?.event.id).toBe(changes[0]?.event.id);
  });

  it('reports a deletion only for a record that is gone, and a restore for one that came back', async () => {
    const { api, run } = setup();
    const gone = api.put('companies', { name: 'Gone' });
    const back = api.put('companies', { name: 'Back' });
    api.archive('companies', gone);
    const { changes } = await run([
      delivery({
        subscriptionType: 'company.propertyChange',
        objectId: Number(gone),
        propertyName: 'name',
      }),
      delivery({ subscriptionType: 'company.deletion', objectId: Number(gone) }),
      delivery({ subscriptionType: 'company.restore', objectId: Number(back), occurredAt: T }),
      delivery({ subscriptionType: 'company.deletion', objectId: Number(back), occurredAt: T - 1 }),
    ]);
    expect(changes.map((c) => c.event.payload)).toEqual([
      expect.objectContaining({ recordId: gone, changeType: 'deleted', properties: {} }),
      expect.objectContaining({ recordId: back, changeType: 'restored' }),
    ]);
  });

  it('reports associations as they are now and merges as merged', async () => {
    const { api, run } = setup();
    const company = api.put('companies', { name: 'Acme' });
    const contact = api.put('contacts', { email: 'a@acme.com' });
    const other = api.put('contacts', { email: 'b@acme.com' });
    api.associate(contact, company);
    const assoc = (from: string, to: string, type: string, removed: boolean) =>
      delivery({
        subscriptionType: 'contact.associationChange',
        objectId: Number(from),
        fromObjectId: Number(from),
        toObjectId: Number(to),
        associationType: type,
        associationRemoved: removed,
      });
    const { changes } = await run([
      assoc(contact, company, 'CONTACT_TO_COMPANY', true), // stale: it was added back since
      assoc(company, contact, 'COMPANY_TO_CONTACT', false),
      assoc(other, company, 'CONTACT_TO_COMPANY', true),
      delivery({
        subscriptionType: 'company.merge',
        objectId: Number(company),
        primaryObjectId: Number(company),
        mergedObjectIds: [77, Number(company)],
      }),
    ]);
    const payloads = changes.map((c) => c.event.payload);
    expect(payloads).toContainEqual(
      expect.objectContaining({
        kind: 'hubspot_association',
        contactId: contact,
        changeType: 'added',
      }),
    );
    expect(payloads).toContainEqual(
      expect.objectContaining({
        kind: 'hubspot_association',
        contactId: other,
        changeType: 'removed',
      }),
    );
    expect(payloads.filter((p) => p.kind === 'hubspot_association')).toHaveLength(2);
    expect(payloads).toContainEqual(
      expect.objectContaining({ recordId: '77', changeType: 'merged', mergedIntoId: company }),
    );
    expect(changes.find((c) => c.event.payload.kind === 'hubspot_association')?.key).toBe(
      `c1:hubspot:contact:${contact}`,
    );
  });

  it('dead-letters what it cannot read, ignores what crm-sync does not use', async () => {
    const { run } = setup();
    const { changes, deadLetters } = await run([
      'not json',
      delivery({ subscriptionType: 'company.creation', objectId: 1 }, 'other-connection'),
      delivery({ subscriptionType: 'contact.associationChange', objectId: 5 }),
      delivery({ subscriptionType: 'deal.creation', objectId: 9 }),
    ]);
    expect(changes).toEqual([]);
    expect(deadLetters.map((d) => d.payload.reason)).toEqual([
      expect.stringContaining('not a webhook inbox message'),
      'unknown connection other-connection',
      expect.stringContaining('associationChange without from/to ids'),
    ]);
  });
});
