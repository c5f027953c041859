/**
 * Push capture set up by the connector itself: the app's webhook target and subscriptions,
 * through the official client's Webhooks v3 APIs against the sandbox, idempotently; then a
 * change arrives by webhook with polling far away.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { ChangeEvent, topicName, TOPICS, type HubSpotChangeEvent } from '@crm-sync/domain';
import { collect, freePort, testKafka, waitFor } from '@crm-sync/testing';
import { loadConfig } from '../src/config.js';
import { propertySets } from '../src/hubspot/properties.js';
import { startHsConnector } from '../src/main.js';
import { HubSpotWebhookAppApi } from '../src/webhooks/hubspot.webhook-app-api.js';
import { specKey, wantedSubscriptions } from '../src/webhooks/subscription-plan.js';
import { ensureSubscriptions } from '../src/webhooks/subscription-setup.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import {
  SANDBOX_APP_ID,
  SANDBOX_DEVELOPER_KEY,
  SANDBOX_TOKEN,
  startSandbox,
  type RunningSandbox,
} from './hubspot-sandbox.js';

interface ControlWebhooks {
  readonly settings: { readonly targetUrl?: string };
  readonly subscriptions: readonly {
    readonly subscriptionType: string;
    readonly propertyName?: string;
    readonly active: boolean;
  }[];
}

const cleanup = new Cleanup();
let sandbox: RunningSandbox;
const wanted = wantedSubscriptions(propertySets({ companies: [], contacts: [] }));

beforeAll(async () => {
  sandbox = cleanup.add(
    await startSandbox({
      webhooks: { batchWindowMs: 5, retryBaseMs: 50 },
      // A person's script (no app): its writes are news to the connector, unlike our own.
      tokens: [{ token: SANDBOX_TOKEN, appId: SANDBOX_APP_ID }, { token: PERSON_TOKEN }],
    }),
    (s) => s.close(),
  );
});

afterAll(() => cleanup.run());

const PERSON_TOKEN = 'person-token';

const webhooks = async () =>
  (await sandbox.control('/webhooks', undefined, 'GET')) as ControlWebhooks;
const writes = () =>
  sandbox.requests.filter((r) => r.url.startsWith('/webhooks/v3/') && r.method !== 'GET');

describe('ensuring the app webhook configuration with the official client', () => {
  it('sets target and subscriptions, activates paused ones, leaves others alone, and is idempotent', async () => {
    await sandbox.control('/reset');
    const developer = new Client({ developerApiKey: SANDBOX_DEVELOPER_KEY, basePath: sandbox.url });
    // Someone configured the app before: one of ours paused, one the sync does not need.
    await developer.webhooks.subscriptionsApi.create(SANDBOX_APP_ID, {
      eventType: 'company.propertyChange' as never,
      propertyName: 'name',
      active: false,
    });
    await developer.webhooks.subscriptionsApi.create(SANDBOX_APP_ID, {
      eventType: 'deal.creation' as never,
      active: true,
    });
    const api = new HubSpotWebhookAppApi({
      basePath: sandbox.url,
      developerApiKey: SANDBOX_DEVELOPER_KEY,
      appId: String(SANDBOX_APP_ID),
      timeoutMs: 5_000,
    });
    const options = {
      wanted,
      targetUrl: 'http://127.0.0.1:1/webhooks/hubspot',
      defaultMaxConcurrentRequests: 10,
    };

    const first = await ensureSubscriptions(api, options);
    expect(first).toEqual({
      targetSet: true,
      replacedUrl: undefined,
      created: wanted.length - 1,
      activated: 1,
      wanted: wanted.length,
      outstanding: 0,
    });
    const state = await webhooks();
    expect(state.settings.targetUrl).toBe(options.targetUrl);
    const ours = state.subscriptions.filter((s) => s.subscriptionType !== 'deal.creation');
    expect(
      ours
        .map((s) => specKey({ eventType: s.subscriptionType, propertyName: s.propertyName }))
        .sort(),
    ).toEqual(wanted.map(specKey).sort());
    expect(ours.every((s) => s.active)).toBe(true);
    expect(state.subscriptions.some((s) => s.subscriptionType === 'deal.creation')).toBe(true);

    const before = writes().length;
    const second = await ensureSubscriptions(api, options);
    expect(second).toMatchObject({ targetSet: false, created: 0, activated: 0, outstanding: 0 });
    expect(writes()).toHaveLength(before);
    expect((await webhooks()).subscriptions).toHaveLength(wanted.length + 1);
  });

  it('refuses a wrong developer key with a HubSpot 401 that does not carry the key', async () => {
    const api = new HubSpotWebhookAppApi({
      basePath: sandbox.url,
      developerApiKey: 'not-the-developer-key',
      appId: String(SANDBOX_APP_ID),
      timeoutMs: 5_000,
    });
    const error = await api.listSubscriptions().catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: { status: 401 } });
    expect((error as Error).message).not.toContain('not-the-developer-key');
  });
});

describe('hs-connector with a developer key', () => {
  it('registers itself at start-up, so a change arrives by push long before any poll', async () => {
    await sandbox.control('/reset');
    const port = await freePort();
    const targetUrl = `http://127.0.0.1:${port}/webhooks/hubspot`;
    const env = connectorEnv(sandbox.url, {
      CONNECTION_ID: 'conn-push',
      PORT: String(port),
      HUBSPOT_WEBHOOK_URL: targetUrl,
      HUBSPOT_DEVELOPER_API_KEY: SANDBOX_DEVELOPER_KEY,
      HUBSPOT_POLL_INTERVAL_MS: String(60 * 60 * 1000),
    });
    const changes = cleanup.add(
      await collect(testKafka(), topicName(TOPICS.hubspotChanges.ref, env['KAFKA_TOPIC_PREFIX'])),
      (c) => c.stop(),
    );
    cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());

    // Healthy means ensured: no waiting for the configuration.
    const state = await webhooks();
    expect(state.settings.targetUrl).toBe(targetUrl);
    expect(state.subscriptions.filter((s) => s.active)).toHaveLength(wanted.length);

    const client = new Client({ accessToken: PERSON_TOKEN, basePath: sandbox.url });
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'Pushed Inc', phone: '+1 555 0100' },
      associations: [],
    });
    const events = () =>
      changes.messages.map((m) => ChangeEvent.parse(JSON.parse(m.value)) as HubSpotChangeEvent);
    const about = (changeType: string) =>
      events().find(
        (e) =>
          e.payload.kind === 'hubspot_company' &&
          e.payload.recordId === company.id &&
          e.payload.changeType === changeType,
      );
    await waitFor(() => about('created'), {
      timeoutMs: 15_000,
      description: 'the creation, by webhook',
    });
    await sandbox.control(`/objects/companies/${company.id}/edit`, {
      properties: { phone: '+1 555 0199' },
      source: { changeSource: 'CRM_UI', userId: 3 },
    });
    const updated = await waitFor(() => about('updated'), {
      timeoutMs: 15_000,
      description: 'the phone change, by webhook',
    });
    expect(updated.payload).toMatchObject({
      capturedBy: 'webhook',
      changedProperties: ['phone'],
      properties: { phone: '+1 555 0199' },
      changeSource: 'CRM_UI',
    });
  });
});
