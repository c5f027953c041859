import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { CompanyState } from '../sync-store.port.js';
import { DiskStorage, MemoryStorage, type StateStorage } from './row-store.js';
import { applyRecords, StateBatch } from './state-batch.js';
import { SyncState } from './sync-state.js';

const opened: SyncState[] = [];
afterAll(() => {
  for (const s of opened) s.close();
});

const company = (companyId: string, domain: string, deleted = false): CompanyState => ({
  companyId,
  properties: { domain, salesforceaccountid: null },
  propertyChangedAt: {},
  autoCreated: false,
  deleted,
});

describe.each<[string, () => StateStorage]>([
  ['memory', () => new MemoryStorage()],
  ['disk', () => new DiskStorage({ dir: tmpdir(), cacheMiB: 1, recentRows: 2 })],
])('StateBatch on %s storage', (_kind, storage) => {
  const newState = () => {
    const state = new SyncState(storage());
    opened.push(state);
    return state;
  };

  it('shows a batch its own staged writes, and others only what committed', async () => {
    const state = newState();
    const batch = new StateBatch(state, () => 1_000);
    await batch.putCompany('c1', company('101', 'acme.example'));

    expect(await batch.companiesByDomain('c1', 'acme.example')).toHaveLength(1);
    expect(await new StateBatch(state, () => 1_000).getCompany('c1', '101')).toBeUndefined();

    applyRecords(state, batch.records());
    expect(
      await new StateBatch(state, () => 2_000).companiesByDomain('c1', 'acme.example'),
    ).toEqual([company('101', 'acme.example')]);
  });

  it('records no change for a row written back as it is held', async () => {
    const state = newState();
    const seed = new StateBatch(state, () => 1_000);
    await seed.putCompany('c1', company('101', 'acme.example'));
    applyRecords(state, seed.records());

    const same = new StateBatch(state, () => 2_000);
    await same.putCompany('c1', company('101', 'acme.example'));
    expect(same.records()).toEqual([]);

    const changed = new StateBatch(state, () => 3_000);
    await changed.putCompany('c1', company('101', 'acme.example'));
    await changed.putCompany('c1', company('102', 'other.example'));
    await changed.putCompany('c1', company('101', 'acme.example', true));
    expect(changed.records().map((r) => [r.id, r.seq])).toEqual([
      ['c1\u001f101', 3_000],
      ['c1\u001f102', 3_000],
    ]);
  });

  it('keeps indexes exact when a staged write moves or deletes a row', async () => {
    const state = newState();
    const seed = new StateBatch(state, () => 1_000);
    await seed.putCompany('c1', company('101', 'old.example'));
    applyRecords(state, seed.records());

    const batch = new StateBatch(state, () => 2_000);
    await batch.putCompany('c1', company('101', 'new.example'));
    expect(await batch.companiesByDomain('c1', 'old.example')).toEqual([]);
    expect(await batch.companiesByDomain('c1', 'new.example')).toHaveLength(1);
    expect(await batch.companiesByDomain('other-connection', 'new.example')).toEqual([]);

    await batch.putCompany('c1', company('101', 'new.example', true));
    expect(await batch.companiesByDomain('c1', 'new.example')).toEqual([]);
  });

  it('never lets an older version of a row replace a newer one', async () => {
    const state = newState();
    const first = new StateBatch(state, () => 5_000);
    await first.putCompany('c1', company('101', 'v1.example'));
    const older = first.records();
    const second = new StateBatch(state, () => 9_000);
    await second.putCompany('c1', company('101', 'v2.example'));
    const newer = second.records();

    expect(applyRecords(state, newer)).toBe(1);
    expect(applyRecords(state, older)).toBe(0);
    expect(applyRecords(state, newer)).toBe(0); // its own commit coming back from the changelog
    expect(state.companies.get('c1\u001f101')?.properties['domain']).toBe('v2.example');
  });

  it('claims a pending create once, and links one account and one company at most', async () => {
    const state = newState();
    const batch = new StateBatch(state, () => 1_000);
    const pending = {
      target: 'hubspot' as const,
      sourceId: '001000000000001AAA',
      commandId: 'cmd-1',
      idempotencyKey: 'k',
      causationId: 'e1',
      createdAt: '2026-11-28T00:00:00.000Z',
      reparentContactIds: [],
    };
    expect(await batch.claimPendingCreate('c1', pending)).toBeUndefined();
    expect(await batch.claimPendingCreate('c1', { ...pending, commandId: 'cmd-2' })).toEqual(
      pending,
    );

    const link = {
      accountId: '001000000000001AAA',
      companyId: '101',
      linkedAt: '2026-11-28T00:00:00.000Z',
      via: 'created_company' as const,
      ledger: { salesforce: {}, hubspot: {} },
      deletedOn: null,
    };
    expect(await batch.insertLink('c1', link)).toBe(true);
    expect(await batch.insertLink('c1', { ...link, accountId: '001000000000002AAA' })).toBe(false);
    expect(await batch.insertLink('c1', { ...link, companyId: '102' })).toBe(false);
  });
});
