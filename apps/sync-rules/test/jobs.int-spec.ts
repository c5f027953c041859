/** R5 mass syncs and R8 manual resyncs through the real broker: commands, history and progress. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SalesforceCommand } from '@crm-sync/domain';
import { waitFor } from '@crm-sync/testing';
import { accountChanged, companyChanged, hsId, mappings, settings, sfId } from './fixtures.js';
import { Harness } from './harness.js';

let h: Harness;
let c: string;

beforeAll(async () => {
  h = await Harness.start();
  c = h.connectionId;
  await h.configure(settings(c, { massSyncLimit: 3 }), mappings);
});

afterAll(async () => {
  await h.stop();
});

async function linkedPair(name: string) {
  const accountId = sfId('001');
  const companyId = hsId();
  await h.send(
    companyChanged(c, {
      recordId: companyId,
      properties: { name, salesforceaccountid: accountId },
    }),
  );
  await h.decision(companyId, 'company_sync');
  await h.send(accountChanged(c, { recordId: accountId, fields: { Name: name } }));
  await waitFor(async () => (await h.store.linkByAccount(c, accountId)) !== undefined);
  return { accountId, companyId };
}

describe('R8: manual resync', () => {
  it('creates the account of an unlinked company, skipping R6, and reports the job done', async () => {
    const companyId = hsId();
    // No contacts at all: R6 alone would never create an account for it.
    await h.send(companyChanged(c, { recordId: companyId, properties: { name: 'Resync Me' } }));
    const r6 = await h.decision(companyId, 'company_to_account');
    expect(r6.decision).toMatchObject({ kind: 'skip', reasons: ['NO_ASSOCIATED_CONTACTS'] });

    await h.control('sync.resync-requested.v1', {
      jobId: 'resync-1',
      scope: { kind: 'company', companyId },
      requestedBy: 'test',
    });

    const upsert = await waitFor(() =>
      h
        .salesforce()
        .find(
          (x): x is Extract<SalesforceCommand, { type: 'salesforce.upsert-account.v1' }> =>
            x.type === 'salesforce.upsert-account.v1' && x.payload.hubspotCompanyId === companyId,
        ),
    );
    expect(upsert.payload.fields['Name']).toBe('Resync Me');
    const why = await h.decision(companyId, 'job');
    expect(why.decision).toMatchObject({ kind: 'create', reasons: ['MANUAL_RESYNC'] });
    const progress = await h.jobProgress('resync-1', (p) => p.state === 'completed');
    expect(progress).toMatchObject({ kind: 'resync', done: 1, total: 1, errorCode: null });
  });
});

describe('R5: mass sync', () => {
  it('stops at the limit with MAPPING_SYNC_LIMIT and the number left, then resumes where it stopped', async () => {
    const pairs = [];
    for (let i = 0; i < 5; i++) pairs.push(await linkedPair(`Mass ${i}`));

    await h.control('sync.mass-sync-requested.v1', { jobId: 'mass-1', requestedBy: 'test' });
    const first = await h.jobProgress('mass-1', (p) => p.state !== 'running');
    // The resync above made no link (its account create has no result yet): 5 pairs in all.
    expect(first).toMatchObject({
      state: 'partial',
      done: 3,
      total: 3,
      errorCode: 'MAPPING_SYNC_LIMIT',
      message: "We couldn't sync all your updates for this mapping",
      remaining: 2,
    });
    expect(first.resumeAfter).not.toBeNull();

    await h.control('sync.mass-sync-requested.v1', {
      jobId: 'mass-2',
      resumeAfter: first.resumeAfter,
      requestedBy: 'test',
    });
    const second = await h.jobProgress('mass-2', (p) => p.state !== 'running');
    expect(second).toMatchObject({ state: 'completed', done: 2, total: 2, remaining: 0 });

    // Every pair was handled exactly once across the two runs.
    for (const { accountId } of pairs) {
      const handled = h.decided(accountId).filter((d) => d.rule === 'job');
      expect(handled).toHaveLength(1);
      expect(handled[0]?.decision).toMatchObject({ reasons: ['MASS_SYNC'] });
    }
  });
});
