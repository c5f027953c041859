/** Reconciliation polling through the search API's 10,000-result cap, on the real broker. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChangeEvent, topicName, TOPICS } from '@crm-sync/domain';
import type { RunningService } from '@crm-sync/runtime';
import { collect, testKafka, waitFor } from '@crm-sync/testing';
import { loadConfig } from '../src/config.js';
import { HsConnectorEngine } from '../src/hs-connector.engine.js';
import { startHsConnector } from '../src/main.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import { startSandbox, type RunningSandbox } from './hubspot-sandbox.js';

const COMPANIES = 10_050;
let sandbox: RunningSandbox;
const cleanup = new Cleanup();
const closed = new Set<RunningService>();
const start = async (env: Record<string, string>) =>
  cleanup.add(await startHsConnector(loadConfig(env)), (s) =>
    closed.has(s) ? Promise.resolve() : s.app.close(),
  );

beforeAll(async () => {
  sandbox = cleanup.add(
    await startSandbox({ limits: { tenSecondly: null, daily: null, searchPerSecond: 20 } }),
    (s) => s.close(),
  );
});

afterAll(() => cleanup.run());

describe('polling', () => {
  it(`captures all ${COMPANIES.toLocaleString('en')} companies changed in one millisecond`, async () => {
    await sandbox.control('/seed', { seed: 7, companies: COMPANIES });
    const touched = (await sandbox.control('/bulk-touch', {
      objectType: 'companies',
      properties: { description: 'bulk edit' },
    })) as { touched: number; at: number };
    expect(touched.touched).toBe(COMPANIES);

    const env = connectorEnv(sandbox.url, {
      CONNECTION_ID: 'conn-poll',
      HUBSPOT_POLL_START: new Date(touched.at).toISOString(),
      HUBSPOT_POLL_LOOKBACK_MS: '0',
      HUBSPOT_POLL_INTERVAL_MS: '500',
      HUBSPOT_LIMIT_SEARCH_PER_SECOND: '20',
    });
    const changes = cleanup.add(
      await collect(testKafka(), topicName(TOPICS.hubspotChanges.ref, env['KAFKA_TOPIC_PREFIX'])),
      (c) => c.stop(),
    );
    await start(env);

    const companyEvents = () =>
      changes.messages.flatMap((m) => {
        const e = ChangeEvent.parse(JSON.parse(m.value));
        return e.payload.kind === 'hubspot_company' ? [e.payload] : [];
      });
    // Count cheaply while waiting; parse (and check) once at the end.
    await waitFor(() => changes.messages.length >= COMPANIES, {
      timeoutMs: 90_000,
      intervalMs: 250,
      description: 'every bulk-edited company reported',
    });
    const events = companyEvents();
    const ids = new Set(events.map((e) => e.recordId));
    expect(ids).toEqual(new Set(sandbox.instance.store.all('companies').map((c) => c.id)));
    expect(
      events.every(
        (e) => e.changeType === 'updated' && e.changedProperties.includes('description'),
      ),
    ).toBe(true);
    expect(new Set(events.map((e) => e.changedAt))).toEqual(
      new Set([new Date(touched.at).toISOString()]),
    );
    // The search cap was real: more matches than one query can page through, yet keyset pages
    // (200 each) plus the window splits were enough.
    const searches = sandbox.requests.filter((r) => r.url.endsWith('/search')).length;
    expect(searches).toBeGreaterThan(Math.ceil(COMPANIES / 200));

    // Later polls re-read the overlap but report nothing twice.
    await waitFor(
      () => sandbox.requests.filter((r) => r.url.endsWith('/search')).length > searches + 2,
    );
    expect(changes.messages).toHaveLength(COMPANIES);
  }, 120_000);

  it('lets exactly one instance poll a connection, and another take over when it leaves', async () => {
    const env = connectorEnv(sandbox.url, { CONNECTION_ID: 'conn-owned' });
    const a = await start(env);
    const b = await start({ ...env, PORT: '0' });
    const engine = (s: RunningService) => s.app.get(HsConnectorEngine);
    const polling = (s: RunningService) => engine(s).scheduler.polling;
    // Once both are members (each takes half of the budget), exactly one of them polls.
    await waitFor(() => engine(a).ownership.members === 2 && engine(b).ownership.members === 2, {
      description: 'both instances in the group',
    });
    await waitFor(() => polling(a).length + polling(b).length === 1, { description: 'one poller' });
    const [owner, other] = polling(a).length === 1 ? [a, b] : [b, a];
    expect(polling(owner)).toEqual(['conn-owned']);
    closed.add(owner);
    await owner.app.close();
    await waitFor(() => polling(other).length === 1, {
      timeoutMs: 30_000,
      description: 'the take-over',
    });
    expect(engine(other).ownership.members).toBe(1);
  });
});
