/**
 * The whole system end to end: both CRM sandboxes, sync-rules, both connectors and the settings
 * API as separate processes on real Kafka and FerretDB, driven the way people use it — through
 * the CRMs' own APIs and the settings API. One system for the file; scenarios run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { topicName, TOPICS } from '@crm-sync/domain';
import { collect, testKafka, waitFor } from '@crm-sync/testing';
import { startE2eSystem, type E2eSystem } from './e2e-system.js';

const C = 'e2e';
const SLOW = { timeoutMs: 120_000, intervalMs: 250 };

let e2e: E2eSystem | undefined;
let api: E2eSystem['api'];
let sf: E2eSystem['sf'];
let hs: E2eSystem['hs'];

beforeAll(async () => {
  e2e = await startE2eSystem('e2e', C, {
    'sf-connector': { SF_POLL_INTERVAL_MS: '1000' },
    'hs-connector': { HUBSPOT_POLL_INTERVAL_MS: '1000' },
  });
  ({ api, sf, hs } = e2e);
}, 180_000);

afterAll(async () => {
  await e2e?.stop();
});

const companyOf = (accountId: string) =>
  waitFor(async () => (await hs.companiesWithAccount(accountId))[0], {
    ...SLOW,
    description: `a HubSpot company for account ${accountId}`,
  });

const accountStatus = (accountId: string) =>
  api.get<{ decisions?: { reasons?: string[] }[] }>(
    `/connections/${C}/records/accounts/${accountId}`,
  );

async function setSync(on: boolean) {
  const r = await api.send('PATCH', `/connections/${C}/settings`, { syncCompanies: on });
  expect(r.status).toBe(200);
}

describe('company sync off', () => {
  it('syncs nothing, says why, and refuses an import with a clear message', async () => {
    await setSync(false);
    const accountId = await sf.create('Account', {
      Name: 'Off Ltd',
      Website: 'https://off.example',
    });

    await waitFor(
      async () => JSON.stringify((await accountStatus(accountId)).body).includes('SYNC_DISABLED'),
      { ...SLOW, description: 'a SYNC_DISABLED decision in the account status' },
    );
    expect(await hs.companiesWithAccount(accountId)).toEqual([]);

    const refused = await api.send<{ message: string }>('POST', `/connections/${C}/imports`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/company sync/i);
  });
});

describe('company sync on', () => {
  let beforeOn: string;

  beforeAll(async () => {
    beforeOn = await sf.create('Account', {
      Name: 'Existing Co',
      Website: 'https://existing.example',
    });
    await setSync(true);
  });

  it('turns a new account into a HubSpot company', async () => {
    const accountId = await sf.create('Account', {
      Name: 'New Account Inc',
      Website: 'https://www.new-account.example/about',
      Phone: '+1 555 0100',
    });
    const company = await companyOf(accountId);
    expect(company.properties['name']).toBe('New Account Inc');
  });

  it('syncs an account from before once it changes in Salesforce', async () => {
    expect(await hs.companiesWithAccount(beforeOn)).toEqual([]);
    await sf.update('Account', beforeOn, { Name: 'Existing Co (renamed)' });
    const company = await companyOf(beforeOn);
    expect(company.properties['name']).toBe('Existing Co (renamed)');
  });

  it('imports the accounts from before with progress to the end', async () => {
    const started = await api.send<{ jobId: string }>('POST', `/connections/${C}/imports`, {});
    expect(started.status).toBe(202);
    const job = await waitFor(
      async () => {
        const r = await api.get<{
          state: string;
          progress: { done: number; total: number | null; percent: number | null } | null;
        }>(`/connections/${C}/jobs/${started.body.jobId}`);
        return r.body.state === 'completed' ? r.body : undefined;
      },
      { ...SLOW, description: 'the import to complete' },
    );
    // Every account of the org was snapshotted: at least the three created above.
    expect(job.progress?.total).toBeGreaterThanOrEqual(3);
    expect(job.progress?.done).toBe(job.progress?.total);
    expect(job.progress?.percent).toBe(100);
    // 'Off Ltd' was created while sync was off: the import brings it over.
    const [off] = await sf.query<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Off Ltd'");
    expect(off).toBeDefined();
    await companyOf(off?.Id ?? '');
  });
});

describe('companies to accounts (R6) and manual resync (R8)', () => {
  it('gives no account to a company whose contacts all sync with leads, and says why', async () => {
    const leadId = await sf.create('Lead', { LastName: 'Lead', Company: 'Leads Only Co' });
    const companyId = await hs.createCompany({ name: 'Leads Only Co' });
    await hs.createContact(
      { email: 'lead@leads-only.example', salesforceleadid: leadId },
      companyId,
    );

    const status = await waitFor(
      async () => {
        const r = await api.get<{ explanation?: string }>(
          `/connections/${C}/records/companies/${companyId}`,
        );
        return JSON.stringify(r.body).includes('ALL_CONTACTS_SYNC_WITH_LEADS') ? r.body : undefined;
      },
      { ...SLOW, description: 'the company status to say its contacts all sync with leads' },
    );
    expect(status.explanation).toBeTruthy();

    // A manual resync skips R6 and creates the account.
    const resync = await api.send('POST', `/connections/${C}/resyncs`, {
      kind: 'company',
      companyId,
    });
    expect(resync.status).toBe(202);
    const account = await waitFor(
      async () =>
        (
          await sf.query<{ Id: string; Name: string }>(
            `SELECT Id, Name FROM Account WHERE HubSpot_Company_Id__c = '${companyId}'`,
          )
        )[0],
      { ...SLOW, description: 'the account created by the resync' },
    );
    expect(account.Name).toBe('Leads Only Co');
  });

  it('creates the account for a company with a contact syncing to a private Salesforce contact', async () => {
    const privateContact = await sf.create('Contact', { LastName: 'Private' });
    const companyId = await hs.createCompany({ name: 'Private Contact Co' });
    await hs.createContact(
      { email: 'p@private-contact.example', salesforcecontactid: privateContact },
      companyId,
    );
    const account = await waitFor(
      async () =>
        (
          await sf.query<{ Id: string }>(
            `SELECT Id FROM Account WHERE HubSpot_Company_Id__c = '${companyId}'`,
          )
        )[0],
      { ...SLOW, description: 'the account for the company' },
    );
    // The private contact is re-parented onto it.
    await waitFor(
      async () =>
        (
          await sf.query<{ AccountId: string | null }>(
            `SELECT AccountId FROM Contact WHERE Id = '${privateContact}'`,
          )
        )[0]?.AccountId === account.Id,
      { ...SLOW, description: 'the private contact re-parented' },
    );
  });
});

describe('lifecycle roll-up (R7)', () => {
  it("moves the company forward to its contact's stage, never back", async () => {
    const companyId = await hs.createCompany({ name: 'Stages Co', lifecyclestage: 'lead' });
    const contactId = await hs.createContact(
      { email: 'stage@stages.example', lifecyclestage: 'lead' },
      companyId,
    );
    await hs.updateContact(contactId, { lifecyclestage: 'customer' });
    await waitFor(
      async () => (await hs.company(companyId)).properties['lifecyclestage'] === 'customer',
      { ...SLOW, description: 'the company rolled forward to customer' },
    );
    await hs.updateContact(contactId, { lifecyclestage: 'subscriber' });
    // The decision not to move back is recorded; the company stays a customer.
    await waitFor(
      async () =>
        JSON.stringify(
          (await api.get(`/connections/${C}/records/companies/${companyId}`)).body,
        ).includes('LIFECYCLE_NOT_FORWARD'),
      { ...SLOW, description: 'a LIFECYCLE_NOT_FORWARD decision' },
    );
    expect((await hs.company(companyId)).properties['lifecyclestage']).toBe('customer');
  });
});

describe('mass sync (R5)', () => {
  it('ends partial with MAPPING_SYNC_LIMIT past a small limit, and resumes where it stopped', async () => {
    const limit = await api.send('PATCH', `/connections/${C}/settings`, { massSyncLimit: 2 });
    expect(limit.status).toBe(200);
    const mappings = await api.get<{ mappings: unknown[] }>(`/connections/${C}/mappings`);
    const applied = await api.send<{ massSyncJob: { jobId: string } | null }>(
      'PUT',
      `/connections/${C}/mappings`,
      {
        mappings: mappings.body.mappings,
        applyToExisting: true,
      },
    );
    expect(applied.status).toBe(200);
    const jobId = applied.body.massSyncJob?.jobId ?? '';
    const job = (id: string) =>
      waitFor(
        async () => {
          const r = await api.get<{ state: string; error?: { code?: string }; remaining?: number }>(
            `/connections/${C}/jobs/${id}`,
          );
          return ['partial', 'completed'].includes(r.body.state) ? r.body : undefined;
        },
        { ...SLOW, description: `job ${id} to end` },
      );
    const first = await job(jobId);
    expect(first.state).toBe('partial');
    expect(JSON.stringify(first)).toContain('MAPPING_SYNC_LIMIT');

    const resumed = await api.send<{ jobId: string }>(
      'POST',
      `/connections/${C}/jobs/${jobId}/resume`,
    );
    expect(resumed.status).toBe(202);
    // Several linked pairs exist by now (4 from above), so with a limit of 2 it takes a few runs.
    let current = resumed.body.jobId;
    let last = await job(current);
    for (let runs = 0; last.state === 'partial' && runs < 10; runs++) {
      const next = await api.send<{ jobId: string }>(
        'POST',
        `/connections/${C}/jobs/${current}/resume`,
      );
      current = next.body.jobId;
      last = await job(current);
    }
    expect(last.state).toBe('completed');
  });
});

describe('replay', () => {
  it('applies a new mapping to the accounts changed since `from`, re-read from the topics', async () => {
    const prefix = e2e?.system.topicPrefix;
    const states = await collect(testKafka(), topicName(TOPICS.salesforceAccountState.ref, prefix));
    try {
      const from = new Date().toISOString();
      const accountId = await sf.create('Account', {
        Name: 'Replay Co',
        Website: 'https://replay.example',
        YearStarted: '1999',
      });
      const company = await companyOf(accountId);
      expect(company.properties['founded_year'] ?? '').toBe('');
      // The account's latest state is on the state topic (polling puts it there).
      await waitFor(() => states.messages.some((m) => m.key?.endsWith(`:${accountId}`)), {
        ...SLOW,
        description: 'the account state on the state topic',
      });

      const added = await api.send('POST', `/connections/${C}/mappings`, {
        mapping: {
          hubspotProperty: 'founded_year',
          hubspotType: 'string',
          salesforceField: 'YearStarted',
          salesforceType: 'string',
          rule: 'prefer_salesforce_unless_blank',
        },
        applyToExisting: false,
      });
      expect(added.status).toBe(200);
      const started = await api.send<{ jobId: string }>('POST', `/connections/${C}/replays`, {
        from,
        reason: 'founded year mapped',
      });
      expect(started.status).toBe(202);
      const done = await waitFor(
        async () => {
          const r = await api.get<{
            state: string;
            progress: { done: number; total: number | null } | null;
          }>(`/connections/${C}/jobs/${started.body.jobId}`);
          return r.body.state === 'completed' ? r.body.progress : undefined;
        },
        { ...SLOW, description: 'the replay to complete' },
      );
      expect(done?.done).toBeGreaterThanOrEqual(1);
      expect(done?.total).toBe(done?.done);
      await waitFor(
        async () =>
          (await hs.company(company.id, ['founded_year'])).properties['founded_year'] === '1999',
        { ...SLOW, description: 'the company to get the newly mapped founded year' },
      );
    } finally {
      await states.stop();
    }
  });
});

describe('connection status', () => {
  it('reports the API budget both connectors used', async () => {
    type Used = { state: string; daily: { used: number } | null; limits: unknown[] | null };
    const budget = await waitFor(
      async () => {
        const r = await api.get<{ apiBudget: { used: { salesforce: Used; hubspot: Used } } }>(
          `/connections/${C}/status`,
        );
        const { salesforce, hubspot } = r.body.apiBudget.used;
        return salesforce.state === 'reported' && hubspot.state === 'reported'
          ? r.body.apiBudget.used
          : undefined;
      },
      { ...SLOW, description: 'budget reports of both connectors' },
    );
    // Every scenario above called both CRMs.
    expect(budget.salesforce.daily?.used).toBeGreaterThan(0);
    expect(budget.hubspot.daily?.used).toBeGreaterThan(0);
    expect(budget.salesforce.limits?.length).toBeGreaterThan(0);
    expect(budget.hubspot.limits?.length).toBeGreaterThan(0);
  });
});
