/** Signed webhook deliveries of the sandbox become change events with full properties. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { ChangeEvent, topicName, TOPICS, type HubSpotChangeEvent } from '@crm-sync/domain';
import type { RunningService } from '@crm-sync/runtime';
import { collect, testKafka, waitFor, type Collector } from '@crm-sync/testing';
import { loadConfig } from '../src/config.js';
import { startHsConnector } from '../src/main.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import {
  SANDBOX_APP_ID,
  SANDBOX_TOKEN,
  startSandbox,
  type RunningSandbox,
} from './hubspot-sandbox.js';

let sandbox: RunningSandbox;
let service: RunningService;
let changes: Collector;
let client: Client;
/** A person's script: a token of no app, whose writes carry no `sourceId`. */
let person: Client;
const PERSON_TOKEN = 'person-token';
const cleanup = new Cleanup();

beforeAll(async () => {
  sandbox = cleanup.add(
    await startSandbox({
      webhooks: { batchWindowMs: 5, retryBaseMs: 10 },
      tokens: [{ token: SANDBOX_TOKEN, appId: SANDBOX_APP_ID }, { token: PERSON_TOKEN }],
    }),
    (s) => s.close(),
  );
  const env = connectorEnv(sandbox.url, { CONNECTION_ID: 'conn-wh' });
  service = cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());
  await sandbox.control(
    '/webhooks',
    {
      targetUrl: `${service.url}/webhooks/hubspot`,
      subscriptions: [
        { subscriptionType: 'company.creation' },
        { subscriptionType: 'company.propertyChange', propertyName: 'name' },
        { subscriptionType: 'company.deletion' },
        { subscriptionType: 'contact.associationChange' },
      ],
    },
    'PUT',
  );
  changes = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.hubspotChanges.ref, env['KAFKA_TOPIC_PREFIX'])),
    (c) => c.stop(),
  );
  client = new Client({ accessToken: SANDBOX_TOKEN, basePath: sandbox.url });
  person = new Client({ accessToken: PERSON_TOKEN, basePath: sandbox.url });
});

afterAll(() => cleanup.run());

const events = (): HubSpotChangeEvent[] =>
  changes.messages.map((m) => ChangeEvent.parse(JSON.parse(m.value)) as HubSpotChangeEvent);
const about = (id: string) =>
  events().filter((e) => e.payload.kind !== 'hubspot_association' && e.payload.recordId === id);

describe('webhook capture', () => {
  // Companies our own app writes are not read back: the command processor publishes them.
  it('reports creations with every property read, edits with what changed and who, and deletions', async () => {
    const company = await person.crm.companies.basicApi.create({
      properties: {
        name: 'Acme',
        domain: 'acme.example',
        city: 'Berlin',
        salesforceaccountid: '001000000000001AAA',
      },
      associations: [],
    });
    const created = await waitFor(() =>
      about(company.id).find((e) => e.payload.changeType === 'created'),
    );
    expect(created.payload).toMatchObject({
      kind: 'hubspot_company',
      capturedBy: 'webhook',
      changeSource: 'API',
      sourceId: null,
      properties: {
        name: 'Acme',
        domain: 'acme.example',
        city: 'Berlin',
        salesforceaccountid: '001000000000001AAA',
      },
    });
    expect(
      Object.keys(
        created.payload.kind === 'hubspot_company' ? created.payload.propertyChangedAt : {},
      ),
    ).toEqual(expect.arrayContaining(['name', 'domain', 'city', 'salesforceaccountid']));
    expect(changes.messages.find((m) => m.value.includes(created.id))?.key).toBe(
      `conn-wh:hubspot:company:${company.id}`,
    );

    // A person renames it; HubSpot delivers that batch twice.
    await sandbox.control('/webhooks/inject', { duplicate: 1 });
    await sandbox.control(`/objects/companies/${company.id}/edit`, {
      properties: { name: 'Acme Corp' },
      source: { changeSource: 'CRM_UI', userId: 7 },
    });
    const updated = await waitFor(() =>
      about(company.id).find((e) => e.payload.changeType === 'updated'),
    );
    expect(updated.payload).toMatchObject({
      changedProperties: ['name'],
      properties: { name: 'Acme Corp', city: 'Berlin' },
      changeSource: 'CRM_UI',
    });
    await waitFor(async () => {
      const r = (await sandbox.control('/webhooks', undefined, 'GET')) as { deliveries: unknown[] };
      return r.deliveries.length >= 3;
    });

    await client.crm.companies.basicApi.archive(company.id);
    await waitFor(() => about(company.id).some((e) => e.payload.changeType === 'deleted'));
    // The duplicate delivery produced the same event again, never a different one.
    const updates = about(company.id).filter((e) => e.payload.changeType === 'updated');
    expect(new Set(updates.map((e) => e.id)).size).toBe(1);
  });

  it('reports contact↔company associations, keyed like their contact', async () => {
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'Globex' },
      associations: [],
    });
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'h@globex.example' },
      associations: [],
    });
    await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    const added = await waitFor(() =>
      events().find(
        (e) =>
          e.payload.kind === 'hubspot_association' &&
          e.payload.contactId === contact.id &&
          e.payload.changeType === 'added',
      ),
    );
    expect(added.payload).toMatchObject({ companyId: company.id, capturedBy: 'webhook' });
    expect(changes.messages.find((m) => m.value.includes(added.id))?.key).toBe(
      `conn-wh:hubspot:contact:${contact.id}`,
    );
  });
});
