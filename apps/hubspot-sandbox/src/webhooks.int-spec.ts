import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { waitFor } from '@crm-sync/testing';
import hubspot from '@hubspot/api-client';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHubSpotSandbox, type HubSpotSandbox } from './index.js';

// Webhooks as documented in "Webhooks API" (developers.hubspot.com/docs/api-reference/webhooks-webhooks-v3/guide):
// batches of up to 100 events, X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp, retries with attemptNumber.

interface Received {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly events: Record<string, unknown>[];
}

const CLIENT_SECRET = 'webhook-test-secret';
const APP_ID = 777;
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
let targetUrl: string;
let sandbox: HubSpotSandbox;
let basePath: string;
let client: InstanceType<typeof hubspot.Client>;

const control = (path: string, body?: unknown, method = 'POST') =>
  fetch(`${basePath}/__control${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

const events = () => received.flatMap((r) => r.events);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body,
        events: JSON.parse(body) as Record<string, unknown>[],
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hubspot/webhooks?portal=1`;
  sandbox = createHubSpotSandbox({
    appId: APP_ID,
    clientSecret: CLIENT_SECRET,
    tokens: [{ token: 'sandbox-token', appId: APP_ID }, { token: 'plain-token' }],
    limits: { tenSecondly: null, daily: null, searchPerSecond: null },
    webhooks: { batchWindowMs: 5, retryBaseMs: 10 },
  });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  basePath = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  client = new hubspot.Client({ accessToken: 'sandbox-token', basePath });
});

afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => {
    receiver.close(() => {
      r();
    });
  });
});

beforeEach(async () => {
  await control('/reset');
  received = [];
  failNext = 0;
  await control(
    '/webhooks',
    {
      targetUrl,
      subscriptions: [
        { subscriptionType: 'company.creation' },
        { subscriptionType: 'company.propertyChange', propertyName: 'name' },
        { subscriptionType: 'company.deletion' },
        { subscriptionType: 'contact.associationChange' },
      ],
    },
    'PUT',
  );
});

describe('webhook deliveries', () => {
  it('posts signed batches the official Signature helper accepts, marking our app writes', async () => {
    const c = await client.crm.companies.basicApi.create({
      properties: { name: 'Acme' },
      associations: [],
    });
    await waitFor(() => events().length >= 2, { description: 'creation + propertyChange events' });
    const delivery = received[0];
    expect(delivery).toBeDefined();
    if (delivery === undefined) return;
    const timestamp = Number(delivery.headers['x-hubspot-request-timestamp']);
    const signature = String(delivery.headers['x-hubspot-signature-v3']);
    expect(
      hubspot.Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: CLIENT_SECRET,
        requestBody: delivery.body,
        url: targetUrl,
        method: 'POST',
        timestamp,
      }),
    ).toBe(true);
    expect(
      hubspot.Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: 'wrong',
        requestBody: delivery.body,
        url: targetUrl,
        method: 'POST',
        timestamp,
      }),
    ).toBe(false);
    expect(events()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subscriptionType: 'company.creation',
          objectId: Number(c.id),
          changeSource: 'INTEGRATION',
          sourceId: String(APP_ID),
          appId: APP_ID,
          attemptNumber: 0,
        }),
        expect.objectContaining({
          subscriptionType: 'company.propertyChange',
          propertyName: 'name',
          propertyValue: 'Acme',
          sourceId: String(APP_ID),
        }),
      ]),
    );
  });

  it('marks edits made in HubSpot (CRM_UI) and by tokens without an app differently from our writes', async () => {
    const c = await client.crm.companies.basicApi.create({
      properties: { name: 'A' },
      associations: [],
    });
    await control(`/objects/companies/${c.id}/edit`, {
      properties: { name: 'B' },
      source: { changeSource: 'CRM_UI', userId: 9 },
    });
    const plain = new hubspot.Client({ accessToken: 'plain-token', basePath });
    await plain.crm.companies.basicApi.update(c.id, { properties: { name: 'C' } });
    const changes = await waitFor(() => {
      const e = events().filter((x) => x['subscriptionType'] === 'company.propertyChange');
      return e.length >= 3 && e;
    });
    expect(changes.map((e) => [e['propertyValue'], e['changeSource'], e['sourceId']])).toEqual([
      ['A', 'INTEGRATION', String(APP_ID)],
      ['B', 'CRM_UI', 'userId:9'],
      ['C', 'API', undefined],
    ]);
  });

  it('retries a failed delivery with an incremented attemptNumber', async () => {
    failNext = 1;
    await client.crm.companies.basicApi.create({ properties: { name: 'Retry' }, associations: [] });
    await waitFor(() => events().length >= 2);
    expect(events().every((e) => e['attemptNumber'] === 1)).toBe(true);
  });

  it('holds deliveries while paused and can inject a duplicate delivery', async () => {
    await control('/webhooks/pause');
    const c = await client.crm.companies.basicApi.create({
      properties: { name: 'Paused' },
      associations: [],
    });
    expect(sandbox.webhooks.pending()).toBe(2);
    expect(received).toHaveLength(0);
    await control('/webhooks/inject', { duplicate: 1 });
    await control('/webhooks/resume');
    await waitFor(() => received.length >= 2, { description: 'the batch twice' });
    expect(received[0]?.body).toBe(received[1]?.body);
    expect(
      events().filter(
        (e) => e['objectId'] === Number(c.id) && e['subscriptionType'] === 'company.creation',
      ),
    ).toHaveLength(2);
  });

  it('sends deletion and contact association changes', async () => {
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'X' },
      associations: [],
    });
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'x@x.test' },
      associations: [],
    });
    await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    await client.crm.companies.basicApi.archive(company.id);
    await waitFor(() => events().some((e) => e['subscriptionType'] === 'company.deletion'));
    expect(events()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subscriptionType: 'contact.associationChange',
          fromObjectId: Number(contact.id),
          toObjectId: Number(company.id),
          associationType: 'CONTACT_TO_COMPANY',
          associationRemoved: false,
        }),
        expect.objectContaining({
          subscriptionType: 'company.deletion',
          objectId: Number(company.id),
          changeFlag: 'DELETED',
        }),
      ]),
    );
  });
});

describe('create and associate companies with contacts', () => {
  it('auto-creates (or finds) a company by email domain, skipping free-mail domains', async () => {
    await control('/settings', { autoCreateCompanies: true }, 'PUT');
    const a = await client.crm.contacts.basicApi.create({
      properties: { email: 'ada@newco.io' },
      associations: [],
    });
    const b = await client.crm.contacts.basicApi.create({
      properties: { email: 'bob@newco.io' },
      associations: [],
    });
    await client.crm.contacts.basicApi.create({
      properties: { email: 'carol@gmail.com' },
      associations: [],
    });
    const companies = await client.crm.companies.basicApi.getPage(
      10,
      undefined,
      ['domain', 'hs_object_source', 'hs_object_source_detail_1'],
      ['domain'],
    );
    expect(companies.results).toHaveLength(1);
    const company = companies.results[0];
    expect(company?.properties).toMatchObject({
      domain: 'newco.io',
      hs_object_source: 'COMPANY_INSIGHTS',
      hs_object_source_detail_1: 'AUTO_CREATE_AND_ASSOCIATE',
    });
    expect(company?.propertiesWithHistory?.['domain']?.[0]?.sourceType).toBe('COMPANY_INSIGHTS');
    const assoc = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      company?.id ?? '',
      'contacts',
    );
    expect(assoc.results.map((r) => r.toObjectId).sort()).toEqual(
      [Number(a.id), Number(b.id)].sort(),
    );
    expect(assoc.results[0]?.associationTypes.map((t) => t.label)).toContain('Primary');
  });
});
