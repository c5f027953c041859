import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@crm-sync/connector-kit';
import type { HubSpotChangeEvent } from '@crm-sync/domain';
import { createLogger } from '@crm-sync/runtime';
import { InMemoryHubSpotApi } from '../hubspot/in-memory.hubspot-api.js';
import { propertySets } from '../hubspot/properties.js';
import { ConnectionPoller, DEFER_CHECK_MS } from './connection-poller.js';
import { InMemoryPollState } from './in-memory.poll-state.js';
import { WrittenVersions } from './written-versions.js';

const T = Date.parse('2026-03-01T12:00:00Z');

function setup(
  options: {
    publishFails?: () => boolean;
    written?: WrittenVersions;
    commandBacklog?: () => number;
  } = {},
) {
  const api = new InMemoryHubSpotApi();
  const state = new InMemoryPollState();
  const clock = new ManualClock(T);
  const published: HubSpotChangeEvent[] = [];
  const poller = new ConnectionPoller({
    connectionId: 'c1',
    api,
    properties: propertySets({ companies: [], contacts: [] }),
    state,
    publish: (events) => {
      if (options.publishFails?.() === true) return Promise.reject(new Error('broker down'));
      published.push(...events);
      return Promise.resolve();
    },
    clock,
    logger: createLogger('test', { level: 'error' }),
    settings: {
      intervalMs: 1_000,
      lookbackMs: 60_000,
      startAt: T - 10_000,
      sweepIntervalMs: 0,
      sweepPagesPerCycle: 5,
      deferAtBacklog: 1_000,
      maxDeferMs: 30_000,
    },
    concurrency: 2,
    ...(options.written === undefined ? {} : { writtenVersions: options.written }),
    ...(options.commandBacklog === undefined ? {} : { commandBacklog: options.commandBacklog }),
  });
  return { api, state, clock, published, poller, signal: new AbortController().signal };
}

const ids = (events: readonly HubSpotChangeEvent[]) =>
  events.flatMap((e) => (e.payload.kind === 'hubspot_association' ? [] : [e.payload.recordId]));

describe('ConnectionPoller', () => {
  it('captures 12,000 companies changed in one millisecond, once, and moves the watermark', async () => {
    const { api, state, clock, published, poller, signal } = setup();
    for (let i = 0; i < 12_000; i++) api.put('companies', { name: `c${i}` }, { at: T - 100_000 });
    api.now = T - 5_000;
    const touched = [...Array(12_000).keys()].map((i) => String(1_000 + i));
    for (const id of touched)
      api.put('companies', { name: `renamed ${id}` }, { id, at: T - 5_000 });

    expect(await poller.pollObject('companies', signal)).toBe(12_000);
    expect(new Set(ids(published))).toEqual(new Set(touched));
    expect(
      published.every(
        (e) => e.payload.kind === 'hubspot_company' && e.payload.changeType === 'updated',
      ),
    ).toBe(true);
    expect(state.cursors.get('c1:companies')?.watermark).toBe(T);

    // The next poll re-reads the overlap but reports nothing twice and reads no record again.
    await clock.advance(1_000);
    const reads = api.count('companies.read');
    expect(await poller.pollObject('companies', signal)).toBe(0);
    expect(api.count('companies.read')).toBe(reads);
  });

  it('reads no company at a version our writes published, and reads a later one', async () => {
    const written = new WrittenVersions(100);
    const { api, clock, published, poller, signal } = setup({ written });
    const ours = api.put('companies', { name: 'Ours' }, { at: T - 2_000 });
    const edited = api.put('companies', { name: 'Ours, then edited' }, { at: T - 3_000 });
    const theirs = api.put('companies', { name: 'Theirs' }, { at: T - 1_000 });
    written.record('c1', [
      [ours, T - 2_000],
      [edited, T - 3_000],
    ]);
    // Someone edits the second after our write: a version we never wrote.
    api.put('companies', { phone: '+1 555' }, { id: edited, at: T - 500 });

    expect(await poller.pollObject('companies', signal)).toBe(2);
    expect(ids(published).sort()).toEqual([edited, theirs].sort());
    expect(api.count('companies.read')).toBe(1);
    expect(written.size).toBe(1); // the version found was forgotten; the outdated one stays

    // The next poll's overlap finds ours again: it is among the seen versions now.
    await clock.advance(1_000);
    const reads = api.count('companies.read');
    expect(await poller.pollObject('companies', signal)).toBe(0);
    expect(api.count('companies.read')).toBe(reads);
  });

  it('reports a record changed again after it was reported', async () => {
    const { api, clock, published, poller, signal } = setup();
    const id = api.put('companies', { name: 'Acme' }, { at: T - 100_000 });
    api.put('companies', { name: 'Acme 2' }, { id, at: T - 1_000 });
    await poller.pollObject('companies', signal);
    await clock.advance(5_000);
    api.put('companies', { phone: '+1 555' }, { id, at: T + 2_000 });
    await poller.pollObject('companies', signal);
    expect(
      published.map((e) =>
        e.payload.kind === 'hubspot_company' ? e.payload.changedProperties : [],
      ),
    ).toEqual([['name'], ['phone']]);
  });

  it('keeps the watermark when Kafka did not take the events, so the next poll reads them again', async () => {
    let fail = true;
    const { api, state, published, poller, signal } = setup({ publishFails: () => fail });
    api.put('companies', { name: 'Acme' }, { at: T - 2_000 });
    await expect(poller.pollObject('companies', signal)).rejects.toThrow('broker down');
    expect(state.cursors.get('c1:companies')).toBeUndefined();
    fail = false;
    await poller.pollObject('companies', signal);
    expect(published).toHaveLength(1);
  });

  it('reports contact↔company association changes of polled contacts', async () => {
    const { api, published, poller, clock, signal } = setup();
    const company = api.put('companies', { name: 'Acme' }, { at: T - 100_000 });
    const contact = api.put('contacts', { email: 'a@acme.com' }, { at: T - 3_000 });
    api.associate(contact, company);
    await poller.pollObject('contacts', signal);
    expect(published.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({
        kind: 'hubspot_association',
        changeType: 'added',
        companyId: company,
        contactId: contact,
      }),
    );
    published.length = 0;
    await clock.advance(5_000);
    api.dissociate(contact, company);
    api.put('contacts', { firstname: 'Ada' }, { id: contact, at: T + 4_000 });
    await poller.pollObject('contacts', signal);
    expect(published.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({
        kind: 'hubspot_association',
        changeType: 'removed',
        companyId: company,
      }),
    );
  });

  it('sweeps: association changes that do not touch the contact, and deletions', async () => {
    const { api, published, poller, clock, state, signal } = setup();
    const company = api.put('companies', { name: 'Acme' }, { at: T - 500_000 });
    const contact = api.put('contacts', { email: 'a@acme.com' }, { at: T - 500_000 });
    await poller.sweep(signal); // baseline: first sighting reports nothing
    expect(published).toEqual([]);
    expect(state.sweeps.get('c1')?.running).toBe(false);

    api.associate(contact, company);
    api.archive('companies', company, T + 1_000);
    await clock.advance(6 * 3_600_000);
    // Interval 0 in setup means "off" for cycles, but sweep() itself runs when asked.
    await poller.sweep(signal);
    expect(published.map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'hubspot_association',
          changeType: 'added',
          contactId: contact,
        }),
        expect.objectContaining({
          kind: 'hubspot_company',
          changeType: 'deleted',
          recordId: company,
        }),
      ]),
    );
  });

  describe('while commands wait', () => {
    /** Lets the poller run until it sleeps (deferring, or between cycles). */
    async function untilAsleep(clock: ManualClock): Promise<void> {
      while (clock.pending === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    it('waits until a tenth of the deferring backlog is left, then polls what it missed', async () => {
      let backlog = 5_000;
      const { api, clock, published, poller } = setup({ commandBacklog: () => backlog });
      const company = api.put('companies', { name: 'Changed meanwhile' }, { at: T - 5_000 });
      const stop = new AbortController();
      const running = poller.run(stop.signal);
      await untilAsleep(clock);
      await clock.advance(DEFER_CHECK_MS);
      backlog = 101;
      await clock.advance(DEFER_CHECK_MS);
      expect(api.count('companies.search')).toBe(0);
      backlog = 100;
      await clock.advance(DEFER_CHECK_MS);
      await untilAsleep(clock);
      expect(ids(published)).toEqual([company]);
      // The next cycle starts at once: the backlog is under the deferring one.
      const searches = api.count('companies.search');
      await clock.advance(1_000);
      await untilAsleep(clock);
      expect(api.count('companies.search')).toBeGreaterThan(searches);
      stop.abort();
      await running;
    });

    it('polls after the longest deferral even if commands still wait', async () => {
      const { api, clock, published, poller } = setup({ commandBacklog: () => 50_000 });
      const company = api.put('companies', { name: 'Changed meanwhile' }, { at: T - 5_000 });
      const stop = new AbortController();
      const running = poller.run(stop.signal);
      await untilAsleep(clock);
      await clock.advance(29_999);
      expect(api.count('companies.search')).toBe(0);
      await clock.advance(1);
      await untilAsleep(clock);
      expect(ids(published)).toEqual([company]);
      stop.abort();
      await running;
    });
  });
});
