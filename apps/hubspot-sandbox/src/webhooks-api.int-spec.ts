import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { waitFor } from '@crm-sync/testing';
import hubspot from '@hubspot/api-client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHubSpotSandbox, type HubSpotSandbox } from './index.js';

// The Webhooks v3 app API ("Webhooks API", developers.hubspot.com/docs/api-reference/webhooks-webhooks-v3),
// driven by the official client's `webhooks` discovery with a developer API key (`hapikey`).

const APP_ID = 4242;
const DEVELOPER_KEY = 'dev-key-for-tests';
let receiver: Server;
let received: Record<string, unknown>[] = [];
let targetUrl: string;
let sandbox: HubSpotSandbox;
let basePath: string;
let developer: InstanceType<typeof hubspot.Client>;
let crm: InstanceType<typeof hubspot.Client>;

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: number }).code;
  }
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(
        ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[]),
      );
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
  sandbox = createHubSpotSandbox({
    appId: APP_ID,
    developerApiKey: DEVELOPER_KEY,
    tokens: [{ token: 'app-token', appId: APP_ID }],
    limits: { tenSecondly: null, daily: null, searchPerSecond: null },
    webhooks: { batchWindowMs: 5, retryBaseMs: 10 },
  });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  basePath = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  developer = new hubspot.Client({ developerApiKey: DEVELOPER_KEY, basePath });
  crm = new hubspot.Client({ accessToken: 'app-token', basePath });
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
  await fetch(`${basePath}/__control/reset`, { method: 'POST' });
  received = [];
});

describe('Webhooks v3 settings', () => {
  it('has none until configured, then reports the target URL and throttling', async () => {
    expect(await status(developer.webhooks.settingsApi.getAll(APP_ID))).toBe(404);
    const put = await developer.webhooks.settingsApi.configure(APP_ID, {
      targetUrl,
      throttling: { maxConcurrentRequests: 10 },
    });
    expect(put).toMatchObject({ targetUrl, throttling: { maxConcurrentRequests: 10 } });
    expect(put.createdAt).toBeInstanceOf(Date);
    const got = await developer.webhooks.settingsApi.getAll(APP_ID);
    expect(got.targetUrl).toBe(targetUrl);
    expect(got.createdAt.getTime()).toBe(put.createdAt.getTime());

    await developer.webhooks.settingsApi.clear(APP_ID);
    expect(await status(developer.webhooks.settingsApi.getAll(APP_ID))).toBe(404);
  });

  it('refuses a missing or wrong developer key, another app and a bearer token', async () => {
    const wrong = new hubspot.Client({ developerApiKey: 'not-the-key', basePath });
    expect(await status(wrong.webhooks.subscriptionsApi.getAll(APP_ID))).toBe(401);
    expect(await status(crm.webhooks.subscriptionsApi.getAll(APP_ID))).toBe(401);
    expect(await status(developer.webhooks.subscriptionsApi.getAll(APP_ID + 1))).toBe(404);
    const body = (await (
      await fetch(`${basePath}/webhooks/v3/${APP_ID}/subscriptions?hapikey=nope`)
    ).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });

  it('validates the settings body', async () => {
    expect(
      await status(
        developer.webhooks.settingsApi.configure(APP_ID, {
          targetUrl: 'not a url',
          throttling: { maxConcurrentRequests: 10 },
        }),
      ),
    ).toBe(400);
    expect(
      await status(
        developer.webhooks.settingsApi.configure(APP_ID, {
          targetUrl,
          throttling: { maxConcurrentRequests: 1 },
        }),
      ),
    ).toBe(400);
  });
});

describe('Webhooks v3 subscriptions', () => {
  it('creates paused subscriptions unless active, lists, reads, activates and deletes them', async () => {
    const { subscriptionsApi } = developer.webhooks;
    const name = await subscriptionsApi.create(APP_ID, {
      eventType: 'company.propertyChange' as never,
      propertyName: 'name',
    });
    expect(name).toMatchObject({
      eventType: 'company.propertyChange',
      propertyName: 'name',
      active: false,
    });
    expect(typeof name.id).toBe('string');
    const creation = await subscriptionsApi.create(APP_ID, {
      eventType: 'company.creation' as never,
      active: true,
    });
    expect(creation.active).toBe(true);

    const list = await subscriptionsApi.getAll(APP_ID);
    expect(list.results.map((s) => [s.eventType, s.propertyName, s.active])).toEqual([
      ['company.propertyChange', 'name', false],
      ['company.creation', undefined, true],
    ]);

    const batch = await subscriptionsApi.updateBatch(APP_ID, {
      inputs: [
        { id: Number(name.id), active: true },
        { id: 999_999, active: true },
      ],
    });
    expect(batch.results.map((s) => [s.id, s.active])).toEqual([[name.id, true]]);
    expect(batch).toMatchObject({ numErrors: 1, errors: [{ category: 'OBJECT_NOT_FOUND' }] });

    const paused = await subscriptionsApi.update(Number(creation.id), APP_ID, { active: false });
    expect(paused.active).toBe(false);
    expect((await subscriptionsApi.getById(Number(creation.id), APP_ID)).active).toBe(false);

    await subscriptionsApi.archive(Number(creation.id), APP_ID);
    expect(await status(subscriptionsApi.getById(Number(creation.id), APP_ID))).toBe(404);
    expect((await subscriptionsApi.getAll(APP_ID)).results).toHaveLength(1);
  });

  it('refuses duplicates, propertyChange without a property and unknown event types', async () => {
    const { subscriptionsApi } = developer.webhooks;
    await subscriptionsApi.create(APP_ID, {
      eventType: 'contact.propertyChange' as never,
      propertyName: 'lifecyclestage',
    });
    expect(
      await status(
        subscriptionsApi.create(APP_ID, {
          eventType: 'contact.propertyChange' as never,
          propertyName: 'lifecyclestage',
        }),
      ),
    ).toBe(409);
    expect(
      await status(
        subscriptionsApi.create(APP_ID, { eventType: 'contact.propertyChange' as never }),
      ),
    ).toBe(400);
    expect(
      await status(subscriptionsApi.create(APP_ID, { eventType: 'contact.teleported' as never })),
    ).toBe(400);
  });

  it('delivers to the configured target only for active subscriptions and their properties', async () => {
    const { subscriptionsApi, settingsApi } = developer.webhooks;
    await settingsApi.configure(APP_ID, { targetUrl, throttling: { maxConcurrentRequests: 10 } });
    await subscriptionsApi.create(APP_ID, {
      eventType: 'company.propertyChange' as never,
      propertyName: 'phone',
      active: true,
    });
    // Paused: creations are not delivered.
    await subscriptionsApi.create(APP_ID, { eventType: 'company.creation' as never });

    const c = await crm.crm.companies.basicApi.create({
      properties: { name: 'Acme', phone: '+1 555 0100' },
      associations: [],
    });
    await crm.crm.companies.basicApi.update(c.id, { properties: { name: 'Acme 2' } });
    await crm.crm.companies.basicApi.update(c.id, { properties: { phone: '+1 555 0199' } });
    await waitFor(() => received.filter((e) => e['propertyValue'] === '+1 555 0199').length > 0, {
      description: 'the second phone change',
    });
    expect(
      received.map((e) => [e['subscriptionType'], e['propertyName'], e['propertyValue']]),
    ).toEqual([
      ['company.propertyChange', 'phone', '+1 555 0100'],
      ['company.propertyChange', 'phone', '+1 555 0199'],
    ]);
    expect(received[0]).toMatchObject({ appId: APP_ID, objectId: Number(c.id) });
  });
});
