/** The webhook endpoint over real HTTP and a real broker: forged and stale requests publish nothing. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import { topicName, TOPICS } from '@crm-sync/domain';
import type { RunningService } from '@crm-sync/runtime';
import { collect, testKafka, waitFor, type Collector } from '@crm-sync/testing';
import { Cleanup } from '../../test/cleanup.js';
import { connectorEnv } from '../../test/env.js';
import {
  SANDBOX_APP_ID,
  SANDBOX_SECRET,
  startSandbox,
  type RunningSandbox,
} from '../../test/hubspot-sandbox.js';
import { loadConfig } from '../config.js';
import { startHsConnector } from '../main.js';

const SECRET = SANDBOX_SECRET;
let sandbox: RunningSandbox;
let service: RunningService;
let inbox: Collector;
let url: string;

const cleanup = new Cleanup();

beforeAll(async () => {
  sandbox = cleanup.add(await startSandbox(), (s) => s.close());
  const env = connectorEnv(sandbox.url, { CONNECTION_ID: 'conn-webhooks' });
  service = cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());
  url = `${service.url}/webhooks/hubspot`;
  inbox = cleanup.add(
    await collect(
      testKafka(),
      topicName(TOPICS.hubspotWebhookInbox.ref, env['KAFKA_TOPIC_PREFIX']),
    ),
    (c) => c.stop(),
  );
});

afterAll(() => cleanup.run());

const event = (eventId: number) => ({
  eventId,
  subscriptionId: 7,
  portalId: 62515,
  appId: 1160452,
  occurredAt: Date.now(),
  subscriptionType: 'company.propertyChange',
  attemptNumber: 0,
  objectId: 4242,
  propertyName: 'name',
  propertyValue: `Name ${eventId}`,
  changeSource: 'CRM_UI',
});

async function post(body: string, headers: { signature?: string; timestamp?: number }) {
  const timestamp = headers.timestamp ?? Date.now();
  const signature =
    headers.signature ??
    Signature.getSignature('POST', 'v3', {
      signature: '',
      clientSecret: SECRET,
      url,
      requestBody: body,
      timestamp,
    });
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': String(timestamp),
    },
    body,
  });
}

describe('POST /webhooks/hubspot', () => {
  it('refuses forged and stale requests with 401, rejects malformed batches with 400, and publishes only the valid one', async () => {
    const forged = await post(JSON.stringify([event(1)]), { signature: 'Zm9yZ2Vk' });
    const stale = await post(JSON.stringify([event(2)]), { timestamp: Date.now() - 6 * 60 * 1000 });
    const malformed = await post('{"not":"a batch"}', {});
    const tooMany = await post(
      JSON.stringify(Array.from({ length: 101 }, (_, i) => event(100 + i))),
      {},
    );
    expect([forged.status, stale.status, malformed.status, tooMany.status]).toEqual([
      401, 401, 400, 400,
    ]);
    expect(await forged.json()).toMatchObject({ message: 'invalid webhook signature' });

    const ok = await post(JSON.stringify([event(3), event(4)]), {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ accepted: 2 });

    // Same object: one message with both events, in delivery order; once it is in, nothing
    // before it slipped in.
    await waitFor(() => inbox.messages.length >= 1, {
      description: 'the accepted events in the inbox',
    });
    const published = inbox.messages.map(
      (m) => JSON.parse(m.value) as { connectionId: string; events: { eventId: number }[] },
    );
    expect(published.map((p) => p.events.map((e) => e.eventId))).toEqual([[3, 4]]);
    expect(published[0]?.connectionId).toBe('conn-webhooks');
    expect(inbox.messages[0]?.key).toBe('conn-webhooks:hubspot:company:4242');
  });

  it('leaves our own company writes out of the inbox, and keeps a record any other event touched', async () => {
    const ours = { changeSource: 'INTEGRATION', sourceId: String(SANDBOX_APP_ID) };
    const onCompany = (eventId: number, objectId: number, fields: Record<string, unknown>) => ({
      ...event(eventId),
      objectId,
      ...fields,
    });
    // Our creation of 5151 (its events answered by the write path already), and a record our
    // write and a person's edit touched in one delivery.
    const own = await post(
      JSON.stringify([
        onCompany(10, 5151, { subscriptionType: 'company.creation', ...ours }),
        onCompany(11, 5151, { propertyName: 'name', ...ours }),
        onCompany(12, 6161, { propertyName: 'name', ...ours }),
        onCompany(13, 6161, { propertyName: 'phone' }),
      ]),
      {},
    );
    expect(await own.json()).toEqual({ accepted: 4 });
    // Later, a person edits 5151: same key, same partition, after anything published before.
    await post(JSON.stringify([onCompany(14, 5151, { propertyName: 'city' })]), {});
    await waitFor(
      () => inbox.messages.some((m) => m.key === 'conn-webhooks:hubspot:company:5151'),
      { description: "the person's edit of 5151 in the inbox" },
    );
    const eventsOf = (objectId: number) =>
      inbox.messages
        .filter((m) => m.key === `conn-webhooks:hubspot:company:${String(objectId)}`)
        .map((m) => (JSON.parse(m.value) as { events: { eventId: number }[] }).events)
        .map((events) => events.map((e) => e.eventId));
    expect(eventsOf(5151)).toEqual([[14]]);
    expect(eventsOf(6161)).toEqual([[12, 13]]);
  });
});
