/** Connections over real HTTP, Kafka and the database: credentials encrypted, never returned. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, testKafka, uniqueName, type Collector } from '@crm-sync/testing';
import { startHarness, waitForControl, type Harness } from '../../test/harness.js';

let h: Harness;
let control: Collector;
beforeAll(async () => {
  h = await startHarness();
  control = await collect(testKafka(), h.controlTopic);
});
afterAll(async () => {
  await control.stop();
  await h.close();
});

const SECRETS = {
  hubspot: { accessToken: 'pat-na1-HUBSPOT-SECRET-123', clientSecret: 'hs-client-SECRET-456' },
  salesforce: {
    clientId: '3MVG9-id',
    clientSecret: 'SF-CLIENT-SECRET-789',
    refreshToken: 'SF-REFRESH-SECRET-000',
  },
};

describe('connections', () => {
  it('encrypts credentials at rest, never returns them, and says which are set', async () => {
    const id = uniqueName('acme');
    const res = await h.call('POST', '/connections', {
      body: {
        id,
        name: 'ACME',
        hubspot: { portalId: '62515', credentials: SECRETS.hubspot },
        salesforce: {
          instanceUrl: 'https://acme.my.salesforce.com',
          credentials: SECRETS.salesforce,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id,
      name: 'ACME',
      revision: 1,
      syncCompanies: false,
      syncEnabledAt: null,
      mappingCount: 12,
      hubspot: {
        portalId: '62515',
        credentials: { set: true, fields: ['accessToken', 'clientSecret'] },
      },
      salesforce: {
        instanceUrl: 'https://acme.my.salesforce.com',
        credentials: { set: true, fields: ['clientId', 'clientSecret', 'refreshToken'] },
      },
    });
    const secrets = [...Object.values(SECRETS.hubspot), ...Object.values(SECRETS.salesforce)];
    const responses = [
      res.text,
      (await h.call('GET', `/connections/${id}`)).text,
      (await h.call('GET', '/connections')).text,
      (await h.call('GET', `/connections/${id}/settings`)).text,
    ];
    const stored = [
      await h.db.collection('api_connections').findOne({ _id: id as never }),
      ...(await h.db.collection('api_connection_revisions').find({ connectionId: id }).toArray()),
    ];
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ hubspot: { credentials: { sealed: { alg: 'A256GCM' } } } });
    const published = control.messages.filter((m) => m.key === id).map((m) => m.value);
    for (const secret of secrets) {
      for (const text of [...responses, ...stored.map((d) => JSON.stringify(d)), ...published]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('announces a new connection: its settings (sync off), then its default mappings', async () => {
    const id = uniqueName('announce');
    expect((await h.call('POST', '/connections', { body: { id, name: 'A' } })).status).toBe(201);
    const [settings] = await waitForControl(control.messages, id, 'sync.settings-changed.v1');
    const [mappings] = await waitForControl(control.messages, id, 'sync.mappings-changed.v1');
    expect(settings?.payload.settings).toMatchObject({
      connectionId: id,
      syncCompanies: false,
      syncEnabledAt: null,
    });
    expect(settings?.source).toBe('settings-api');
    expect(mappings?.payload.mappings.map((m) => m.hubspotProperty)).toContain('industry');
    const order = control.messages
      .filter((m) => m.key === id)
      .map((m) => (JSON.parse(m.value) as { type: string }).type);
    expect(order).toEqual(['sync.settings-changed.v1', 'sync.mappings-changed.v1']);
  });

  it('refuses a second connection with the same id (409), 404s an unknown one, and pages the list', async () => {
    const id = uniqueName('dup');
    expect((await h.call('POST', '/connections', { body: { id, name: 'A' } })).status).toBe(201);
    const again = await h.call('POST', '/connections', { body: { id, name: 'B' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ message: `A connection "${id}" exists already.` });
    expect((await h.call('GET', '/connections/nope-nope')).status).toBe(404);

    const first = (await h.call('GET', '/connections?limit=1')).body as {
      items: { id: string }[];
      nextCursor: string;
    };
    expect(first.items).toHaveLength(1);
    const second = (await h.call('GET', `/connections?limit=1&cursor=${first.nextCursor}`))
      .body as {
      items: { id: string }[];
    };
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });
});

describe('demo bootstrap (DEMO_CONNECTION_ID)', () => {
  it('creates the connection with company sync on once, and leaves it alone on the next boot', async () => {
    const demo = uniqueName('demo');
    const first = await startHarness({ DEMO_CONNECTION_ID: demo });
    const demoControl = await collect(testKafka(), first.controlTopic);
    try {
      const [settings] = await waitForControl(
        demoControl.messages,
        demo,
        'sync.settings-changed.v1',
      );
      expect(settings?.payload.settings).toMatchObject({
        syncCompanies: true,
        syncEnabledAt: expect.any(String),
      });
      await waitForControl(demoControl.messages, demo, 'sync.mappings-changed.v1');
      expect((await first.call('GET', `/connections/${demo}`)).body).toMatchObject({
        syncCompanies: true,
      });

      // A restart on the same database and topics publishes nothing new.
      await first.stopService();
      const { startSettingsApi } = await import('../main.js');
      const second = await startSettingsApi(first.config);
      try {
        const marker = uniqueName('marker');
        const res = await fetch(`${second.url}/connections`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${first.adminKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ id: marker, name: 'marker' }),
        });
        expect(res.status).toBe(201);
        await waitForControl(demoControl.messages, marker, 'sync.mappings-changed.v1');
        expect(demoControl.messages.filter((m) => m.key === demo)).toHaveLength(2);
        // Publishing happens only with a new revision, and there is none.
        expect(
          await first.db
            .collection('api_connection_revisions')
            .countDocuments({ connectionId: demo }),
        ).toBe(1);
      } finally {
        await second.app.close();
      }
    } finally {
      await demoControl.stop();
      await first.close();
    }
  });
});
