// Change capture against the sandbox, the real broker and FerretDB: polling alone (CDC off) must
// capture everything, including 5,000 accounts that share one SystemModstamp, deletes, undeletes
// and merges, and getDeleted the deletes no poll could see; with CDC on, changes arrive with their
// origin marks and polling does not repeat them.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ChangeEvent, type SalesforceChangeEvent } from '@crm-sync/domain';
import { waitFor, type Collector } from '@crm-sync/testing';
import type { Connection } from 'jsforce';
import {
  changes,
  connectorEnv,
  control,
  ManualClock,
  otherClient,
  startConnector,
  startSandbox,
  TopicsUnderTest,
  waitForPolls,
  type ConnectorUnderTest,
  type SalesforceSandbox,
} from './harness.js';

let sandbox: SalesforceSandbox;
let connector: ConnectorUnderTest | undefined;
let kafka: TopicsUnderTest | undefined;

beforeEach(async () => {
  sandbox = await startSandbox();
});

afterEach(async () => {
  await connector?.stop();
  await kafka?.stop();
  await sandbox.close();
  connector = undefined;
  kafka = undefined;
});

async function start(overrides: Record<string, string>): Promise<Collector> {
  connector = await startConnector(connectorEnv(sandbox, overrides));
  kafka = new TopicsUnderTest(connector.env['KAFKA_TOPIC_PREFIX'] ?? '');
  const collector = await kafka.collect('salesforceChanges');
  await waitForPolls(connector);
  return collector;
}

function salesforceChanges(c: Collector): SalesforceChangeEvent[] {
  return changes(c).filter((e): e is SalesforceChangeEvent => e.type.startsWith('salesforce.'));
}

function eventsOf(c: Collector, recordId: string): SalesforceChangeEvent[] {
  return salesforceChanges(c).filter((e) => e.payload.recordId === recordId);
}

async function waitForChange(
  c: Collector,
  recordId: string,
  changeType: SalesforceChangeEvent['payload']['changeType'],
): Promise<SalesforceChangeEvent> {
  return waitFor(() => eventsOf(c, recordId).find((e) => e.payload.changeType === changeType), {
    description: `${changeType} of ${recordId}`,
  });
}

/** Creates an account through a person's API client; returns its Id. */
async function createAccount(ui: Connection, fields: Record<string, unknown>): Promise<string> {
  const r = await ui.sobject('Account').create(fields);
  if (!r.success) throw new Error('create failed');
  return r.id;
}

/** The first change of a record that `by` captured, once it is on the topic. */
function waitForCapture(
  c: Collector,
  recordId: string,
  by: SalesforceChangeEvent['payload']['capturedBy'],
  description: string,
): Promise<SalesforceChangeEvent> {
  return waitFor(() => eventsOf(c, recordId).find((e) => e.payload.capturedBy === by), {
    description,
  });
}

describe('polling', () => {
  it('captures 5,000 accounts that share one SystemModstamp, each exactly once', async () => {
    const collector = await start({ SF_CDC_ENABLED: 'false' });
    const state = await kafka?.collect('salesforceAccountState');
    const modstamp = new Date().toISOString();
    await control(sandbox, 'POST', '/seed', { seed: 7, accounts: 5_000, sharedModstamp: modstamp });

    const accountIds = () =>
      new Set(
        salesforceChanges(collector)
          .filter((e) => e.payload.kind === 'salesforce_account')
          .map((e) => e.payload.recordId),
      );
    await waitFor(() => accountIds().size === 5_000, {
      description: '5,000 distinct accounts',
      timeoutMs: 60_000,
    });
    // Every later poll re-reads the 5,000 (they are inside the overlap window): none may repeat.
    const cycles = await waitForPolls(connector as ConnectorUnderTest);
    await waitForPolls(connector as ConnectorUnderTest, cycles + 3);

    const accounts = salesforceChanges(collector).filter(
      (e) => e.payload.kind === 'salesforce_account',
    );
    expect(accounts).toHaveLength(5_000);
    expect(new Set(accounts.map((e) => e.payload.changeType))).toEqual(new Set(['created']));
    expect(accounts.every((e) => e.payload.changedAt === modstamp)).toBe(true);
    expect(accounts.every((e) => ChangeEvent.safeParse(e).success)).toBe(true);
    await waitFor(() => new Set(state?.messages.map((m) => m.key)).size === 5_000, {
      description: '5,000 account states',
    });
  });

  it('captures deletes, undeletes and merges from queryAll', async () => {
    const collector = await start({ SF_CDC_ENABLED: 'false' });
    const ui = await otherClient(sandbox);
    const ids: string[] = [];
    for (const name of ['Acme', 'Globex', 'Initech']) {
      ids.push(await createAccount(ui, { Name: name }));
    }
    const [a, b, c] = ids as [string, string, string];
    const contact = await ui.sobject('Contact').create({ LastName: 'Private' });
    if (!contact.success) throw new Error('create failed');
    for (const id of ids) await waitForChange(collector, id, 'created');
    await waitForChange(collector, contact.id, 'created');

    await ui.sobject('Account').destroy(a);
    await ui.sobject('Contact').destroy(contact.id);
    const deleted = await waitForChange(collector, a, 'deleted');
    await waitForChange(collector, contact.id, 'deleted');
    await control(sandbox, 'POST', '/undelete', { ids: [a] });
    const undeleted = await waitForChange(collector, a, 'undeleted');
    await control(sandbox, 'POST', '/merge', { masterId: b, loserIds: [c] });
    const merged = await waitForChange(collector, c, 'merged');

    expect(deleted.payload).toMatchObject({ capturedBy: 'poll', changeOrigin: null });
    expect(undeleted.payload.fields['Name']).toBe('Acme');
    expect(merged.payload.masterRecordId).toBe(b);
    expect(eventsOf(collector, contact.id)[1]?.payload.kind).toBe('salesforce_contact');
    // Each change once, after further polls over the same window.
    const cycles = await waitForPolls(connector as ConnectorUnderTest);
    await waitForPolls(connector as ConnectorUnderTest, cycles + 2);
    expect(eventsOf(collector, a).map((e) => e.payload.changeType)).toEqual([
      'created',
      'deleted',
      'undeleted',
    ]);
    expect(eventsOf(collector, c).map((e) => e.payload.changeType)).toEqual(['created', 'merged']);
  });
});

describe('getDeleted reconciliation', () => {
  it('captures, once, a delete that left the recycle bin before any poll saw it', async () => {
    // getDeleted works in whole minutes behind the poll: the sandbox's clock is moved by hand.
    const clock = new ManualClock(Date.now());
    await sandbox.close();
    sandbox = await startSandbox({ clock });
    const collector = await start({ SF_CDC_ENABLED: 'false', SF_DELETED_CHECK_INTERVAL_MS: '50' });
    const ui = await otherClient(sandbox);
    const create = async (name: string): Promise<string> => {
      const id = await createAccount(ui, { Name: name });
      await waitForChange(collector, id, 'created');
      return id;
    };
    const purged = await create('Purged');
    const deletedAt = clock.now();
    // A hard delete: queryAll never returns the record again, so no poll can see the delete.
    await control(sandbox, 'POST', '/purge', { ids: [purged] });
    clock.advance(3 * 60_000);
    // A later change moves the poll, and getDeleted behind it, past the minute of the delete.
    await create('Later');

    const deleted = await waitForChange(collector, purged, 'deleted');
    expect(deleted.payload).toMatchObject({
      capturedBy: 'poll',
      changedAt: new Date(deletedAt).toISOString(),
      fields: {},
    });
    // Once, however often getDeleted runs again over later windows.
    clock.advance(3 * 60_000);
    await create('Even later');
    const cycles = await waitForPolls(connector as ConnectorUnderTest);
    await waitForPolls(connector as ConnectorUnderTest, cycles + 2);
    expect(eventsOf(collector, purged).map((e) => e.payload.changeType)).toEqual([
      'created',
      'deleted',
    ]);
  });
});

describe('change data capture', () => {
  it('publishes CDC changes with their origin, and polling does not publish them again', async () => {
    const collector = await start({ SF_CDC_ENABLED: 'true' });
    const ui = await otherClient(sandbox, 'ui');
    // Until the poll has read past the moment CDC started, it publishes what CDC did too (a
    // change from before the stream could hide behind a later CDC event): warm up past that.
    const warmup = await createAccount(ui, { Name: 'Warm-up' });
    await waitForCapture(collector, warmup, 'poll', 'the poll past the start of CDC');
    const id = await createAccount(ui, { Name: 'Hooli', Website: 'hooli.com' });
    await waitForChange(collector, id, 'created');
    await ui.sobject('Account').update({ Id: id, Name: 'Hooli XYZ', Phone: null });
    const updated = await waitForChange(collector, id, 'updated');

    expect(updated.payload).toMatchObject({
      capturedBy: 'cdc',
      changeOrigin: 'com/salesforce/api/rest/62.0;client=ui',
      fields: { Name: 'Hooli XYZ' },
    });
    expect(updated.payload.changedFields).toContain('Name');
    expect(updated.payload.createdDate).toBeDefined();

    await ui.sobject('Account').destroy(id);
    await waitForChange(collector, id, 'deleted');
    const cycles = await waitForPolls(connector as ConnectorUnderTest);
    await waitForPolls(connector as ConnectorUnderTest, cycles + 2);
    const events = eventsOf(collector, id);
    const changes = events.filter((e) => e.payload.changeType !== 'deleted');
    // One event per change: a poll that reads the record before its CDC event arrives publishes
    // that change under the same id (consumers drop the second as a duplicate)...
    expect(new Set(changes.map((e) => e.id)).size).toBe(2);
    // ...and once CDC has published a change, polls never publish it again.
    const republished = changes.filter(
      (e, i) =>
        e.payload.capturedBy === 'poll' &&
        changes.slice(0, i).some((c) => c.id === e.id && c.payload.capturedBy === 'cdc'),
    );
    expect(republished).toEqual([]);
    expect(events.filter((e) => e.payload.capturedBy === 'cdc').length).toBeGreaterThanOrEqual(3);
  });

  it('stops even when Salesforce is gone and never answers the disconnect', async () => {
    const collector = await start({ SF_CDC_ENABLED: 'true' });
    const ui = await otherClient(sandbox, 'ui');
    const created = await createAccount(ui, { Name: 'Last words' });
    await waitForCapture(collector, created, 'cdc', 'CDC carrying changes');
    await sandbox.close();
    // Unbounded, the CometD disconnect waited forever for a server that is gone.
    const running = connector;
    connector = undefined;
    await expect(running?.stop()).resolves.toBeUndefined();
  });
});
