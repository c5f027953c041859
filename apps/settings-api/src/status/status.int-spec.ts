/**
 * Record and connection status over real HTTP and the database, from documents written in the
 * shapes of sync-rules' read model (apps/sync-rules/src/store/read-model.ts: `_id` = the row id
 * with ":" between its parts, plus `connectionId`; rows as in sync-store.port.ts).
 */
import { API_BUDGET_COLLECTION, type ApiBudgetReport, type DecisionRecord } from '@crm-sync/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, testKafka, uniqueName, type Collector } from '@crm-sync/testing';
import { startHarness, waitForControl, type Harness } from '../../test/harness.js';

let h: Harness;
let control: Collector;
let c: string;

const ACCOUNT = '001000000000001AAA';
const LINKED_COMPANY = '1001';
const LEAD_COMPANY = '1002';
const FAILING_ACCOUNT = '001000000000002AAA';

type Doc = Record<string, unknown> & { _id: string };
const col = (name: string) => h.db.collection<Doc>(name);

beforeAll(async () => {
  h = await startHarness();
  control = await collect(testKafka(), h.controlTopic);
  c = uniqueName('st');
  await h.call('POST', '/connections', { body: { id: c, name: c } });
  await h.call('PATCH', `/connections/${c}/settings`, { body: { syncCompanies: true } });

  // A linked pair, made by the domain dedupe step.
  await col('links').insertOne({
    _id: `${c}:${ACCOUNT}`,
    connectionId: c,
    accountId: ACCOUNT,
    companyId: LINKED_COMPANY,
    linkedAt: '2026-03-01T09:00:00.000Z',
    via: 'domain',
    ledger: {
      salesforce: {},
      hubspot: { name: [{ value: 'ACME', writtenAt: '2026-03-01T09:00:01.000Z' }] },
    },
    deletedOn: null,
  });
  await col('accounts').insertMany([
    {
      _id: `${c}:${ACCOUNT}`,
      connectionId: c,
      accountId: ACCOUNT,
      // As sync-rules writes it: the latest change time only.
      changedAt: '2026-03-01T08:59:00.000Z',
      createdDate: '2026-02-01T00:00:00.000Z',
      deleted: false,
    },
    {
      _id: `${c}:${FAILING_ACCOUNT}`,
      connectionId: c,
      accountId: FAILING_ACCOUNT,
      fields: { Name: 'Broken' },
      fieldChangedAt: {},
      createdDate: null,
      deleted: false,
    },
  ]);
  await col('companies').insertMany(
    [LINKED_COMPANY, LEAD_COMPANY].map((companyId) => ({
      _id: `${c}:${companyId}`,
      connectionId: c,
      companyId,
      properties: {
        name: companyId,
        salesforceaccountid: companyId === LINKED_COMPANY ? ACCOUNT : null,
      },
      // As sync-rules wrote it before it kept the latest change time only.
      propertyChangedAt: { name: '2026-03-01T09:30:00.000Z', domain: '2026-03-01T09:00:00.000Z' },
      autoCreated: false,
      deleted: false,
    })),
  );
  const decisions: (DecisionRecord & { id: string })[] = [
    {
      id: 'd1',
      subject: { system: 'salesforce', object: 'Account', recordId: ACCOUNT },
      rule: 'dedupe',
      decision: {
        kind: 'link',
        target: 'hubspot',
        recordId: LINKED_COMPANY,
        step: 'domain',
        reasons: ['DEDUPE_BY_DOMAIN'],
      },
      causationId: 'evt-1',
      decidedAt: '2026-03-01T09:00:00.000Z',
    },
    {
      id: 'd2',
      subject: { system: 'hubspot', object: 'company', recordId: LEAD_COMPANY },
      rule: 'company_to_account',
      decision: { kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS'] },
      causationId: 'evt-2',
      decidedAt: '2026-03-01T10:00:00.000Z',
    },
  ];
  await col('decisions').insertMany(
    decisions.map(({ id, ...d }) => ({
      ...d,
      _id: `${c}:${id}`,
      connectionId: c,
      recordId: d.subject.recordId,
    })),
  );
  // The counts sync-rules keeps (a status counts no collection).
  await col('sync_counts').insertOne({
    _id: c,
    connectionId: c,
    links: 1,
    linksWithDeletedSide: 0,
    accounts: 2,
    companies: 2,
    countedAt: '2026-03-01T12:00:00.000Z',
  });
  await col('sync_errors').insertMany([
    {
      _id: `${c}:salesforce:${FAILING_ACCOUNT}:FIELD_CUSTOM_VALIDATION_EXCEPTION`,
      connectionId: c,
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      category: 'validation',
      retriable: false,
      message: 'Billing country is required',
      field: 'BillingCountry',
      system: 'salesforce',
      recordId: FAILING_ACCOUNT,
      occurredAt: '2026-03-01T11:00:00.000Z',
    },
    {
      _id: `${c}:hubspot:${LEAD_COMPANY}:INVALID_OPTION`,
      connectionId: c,
      code: 'INVALID_OPTION',
      category: 'property_value',
      retriable: false,
      message: 'industry "Space" is not an option',
      system: 'hubspot',
      recordId: LEAD_COMPANY,
      occurredAt: '2026-03-01T11:00:00.000Z',
    },
    // Another connection's error never shows here.
    {
      _id: `other:hubspot:${LEAD_COMPANY}:INVALID_OPTION`,
      connectionId: 'other',
      code: 'INVALID_OPTION',
      category: 'property_value',
      retriable: false,
      message: 'x',
      system: 'hubspot',
      recordId: LEAD_COMPANY,
      occurredAt: '2026-03-01T11:00:00.000Z',
    },
  ]);
});
afterAll(async () => {
  await control.stop();
  await h.close();
});

describe('record status', () => {
  it('a linked company: its link, last sync, change times and the pair’s history with reason codes', async () => {
    const res = await h.call('GET', `/connections/${c}/records/companies/${LINKED_COMPANY}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      record: { system: 'hubspot', object: 'company', recordId: LINKED_COMPANY },
      state: 'linked',
      link: { accountId: ACCOUNT, companyId: LINKED_COMPANY, via: 'domain', deletedOn: null },
      lastSync: { kind: 'link', rule: 'dedupe', reasons: [{ code: 'DEDUPE_BY_DOMAIN' }] },
      lastChange: { salesforce: '2026-03-01T08:59:00.000Z', hubspot: '2026-03-01T09:30:00.000Z' },
      errors: [],
    });
    expect((res.body as { explanation: string }).explanation).toContain(
      'A company with the same website domain existed, so they were linked.',
    );
    const byAccount = await h.call('GET', `/connections/${c}/records/accounts/${ACCOUNT}`);
    expect(byAccount.body).toMatchObject({ state: 'linked', link: { companyId: LINKED_COMPANY } });
  });

  it('answers "why didn’t this company sync?" with the decision and its current error', async () => {
    const res = await h.call('GET', `/connections/${c}/records/companies/${LEAD_COMPANY}`);
    expect(res.body).toMatchObject({
      state: 'failing',
      link: null,
      errors: [{ code: 'INVALID_OPTION', category: 'property_value' }],
      history: [
        {
          kind: 'skip',
          rule: 'company_to_account',
          reasons: [
            {
              code: 'ALL_CONTACTS_SYNC_WITH_LEADS',
              text: 'All of the company’s contacts sync with Salesforce leads (unlinked contacts count as the default object for new contacts).',
            },
          ],
        },
      ],
    });
  });

  it('finds a company’s link even before the company names its account', async () => {
    const other = uniqueName('st');
    await h.call('POST', '/connections', { body: { id: other, name: other } });
    await col('links').insertOne({
      _id: `${other}:001000000000003AAA`,
      connectionId: other,
      accountId: '001000000000003AAA',
      companyId: '1003',
      linkedAt: '2026-03-01T09:00:00.000Z',
      via: 'created_company',
      ledger: { salesforce: {}, hubspot: {} },
      deletedOn: null,
    });
    const res = await h.call('GET', `/connections/${other}/records/companies/1003`);
    expect(res.body).toMatchObject({ state: 'linked', link: { accountId: '001000000000003AAA' } });
  });

  it('says nothing is known about an unseen record, and 404s an unknown connection', async () => {
    expect((await h.call('GET', `/connections/${c}/records/companies/777`)).body).toMatchObject({
      state: 'unknown',
      history: [],
    });
    expect((await h.call('GET', `/connections/nope/records/companies/777`)).status).toBe(404);
  });
});

describe('connection status and sync errors', () => {
  it('counts linked, failing and excluded records and reports budget shares', async () => {
    const res = await h.call('GET', `/connections/${c}/status`);
    expect(res.body).toMatchObject({
      connectionId: c,
      syncCompanies: true,
      counts: {
        linked: 1,
        linkedWithDeletedSide: 0,
        failingRecords: 2,
        known: { accounts: 2, companies: 2 },
        excluded: { accounts: 1, companies: 1 },
        countedAt: '2026-03-01T12:00:00.000Z',
      },
      errorsByCategory: { validation: 1, property_value: 1 },
      lag: { available: false },
      apiBudget: {
        shares: { hubspotDailyShare: 0.5 },
        used: {
          salesforce: { state: 'not_reported', limits: null, daily: null },
          hubspot: { state: 'not_reported', limits: null, daily: null },
        },
      },
    });
  });

  it('takes failing records and errors by category from the engine’s counts when it wrote them', async () => {
    // Figures unlike the error documents' (2 records, validation 1, property_value 1): the
    // status must read them from the counts, not count the errors.
    const counts = col('sync_counts');
    await counts.updateOne(
      { _id: c },
      { $set: { failingRecords: 7, errorsByCategory: { rate_limit: 5, transient: 3 } } },
    );
    try {
      const res = await h.call('GET', `/connections/${c}/status`);
      expect(res.body).toMatchObject({
        counts: { failingRecords: 7 },
        errorsByCategory: { rate_limit: 5, transient: 3 },
      });
      expect(Object.keys((res.body as { errorsByCategory: object }).errorsByCategory)).toEqual([
        'rate_limit',
        'transient',
      ]);
    } finally {
      await counts.updateOne({ _id: c }, { $unset: { failingRecords: '', errorsByCategory: '' } });
    }
  });

  it('lists errors with filters and paging', async () => {
    const all = (await h.call('GET', `/connections/${c}/sync-errors?limit=1`)).body as {
      items: { recordId: string }[];
      total: number;
      nextCursor: string;
    };
    expect(all.total).toBe(2);
    expect(all.items).toHaveLength(1);
    const next = (
      await h.call(
        'GET',
        `/connections/${c}/sync-errors?limit=1&cursor=${encodeURIComponent(all.nextCursor)}`,
      )
    ).body as { items: { recordId: string }[]; nextCursor: string | null };
    expect([all.items[0]?.recordId, next.items[0]?.recordId].sort()).toEqual(
      [LEAD_COMPANY, FAILING_ACCOUNT].sort(),
    );
    const filtered = await h.call(
      'GET',
      `/connections/${c}/sync-errors?category=validation&system=salesforce`,
    );
    expect(filtered.body).toMatchObject({
      total: 1,
      items: [
        {
          recordId: FAILING_ACCOUNT,
          code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          field: 'BillingCountry',
        },
      ],
      nextCursor: null,
    });
  });

  it('resyncs the records of the filtered errors in bulk: one job for companies, one for accounts', async () => {
    const res = await h.call('POST', `/connections/${c}/sync-errors/resync`, { body: {} });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      matchedErrors: 2,
      records: { companies: 1, accounts: 1 },
      truncated: false,
    });
    const requests = await waitForControl(control.messages, c, 'sync.resync-requested.v1', 2);
    expect(requests.map((r) => r.payload.scope)).toEqual([
      { kind: 'companies', companyIds: [LEAD_COMPANY] },
      { kind: 'accounts', accountIds: [FAILING_ACCOUNT] },
    ]);
    const none = await h.call('POST', `/connections/${c}/sync-errors/resync`, {
      body: { code: 'NO_SUCH_CODE' },
    });
    expect(none.body).toMatchObject({ matchedErrors: 0, jobs: [] });
  });
});

describe('consumer lag', () => {
  it('reports the messages a consumer group has not committed yet', async () => {
    const group = uniqueName('lag-group');
    const lagged = await startHarness({ LAG_CONSUMER_GROUPS: group });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const id = uniqueName('lag');
      await lagged.call('POST', '/connections', { body: { id, name: id } });
      const meta = await admin.fetchTopicOffsets(lagged.controlTopic);
      const total = meta.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      expect(total).toBe(2);
      await admin.setOffsets({
        groupId: group,
        topic: lagged.controlTopic,
        partitions: meta.map((p) => ({ partition: p.partition, offset: p.low })),
      });
      await lagged.call('POST', '/connections', {
        body: { id: uniqueName('lag'), name: 'second' },
      });
      const res = await lagged.call('GET', `/connections/${id}/status`);
      expect(res.body).toMatchObject({
        lag: { available: true, groups: [{ groupId: group, messages: 4, topics: 1 }] },
      });
    } finally {
      await admin.disconnect();
      await lagged.close();
    }
  });
});

describe('API budget used', () => {
  /** A report as connector-kit's BudgetReporter writes it (`api_budget`), `msAgo` old. */
  const report = (
    connectionId: string,
    crm: ApiBudgetReport['crm'],
    instance: string,
    msAgo: number,
    over: Partial<ApiBudgetReport> = {},
  ): ApiBudgetReport => {
    const at = new Date(Date.now() - msAgo).toISOString();
    return {
      _id: `${connectionId}:${crm}:${instance}`,
      connectionId,
      crm,
      instance,
      limits:
        crm === 'salesforce'
          ? [{ name: 'daily', windowMs: 86_400_000, limit: 25_000, used: 120, remaining: 24_880 }]
          : [
              { name: 'ten-secondly', windowMs: 10_250, limit: 95, used: 40, remaining: 55 },
              {
                name: 'daily',
                windowMs: 86_400_000,
                limit: 125_000,
                used: 900,
                remaining: 124_100,
              },
            ],
      daily: null,
      share: 0.5,
      intervalMs: 5_000,
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      updatedAt: at,
      stoppedAt: null,
      ...over,
    };
  };
  const budgets = () => h.db.collection<ApiBudgetReport>(API_BUDGET_COLLECTION);

  it('sums the running instances’ reports per CRM and limit, and shows the CRM’s own day', async () => {
    const id = uniqueName('budget');
    await h.call('POST', '/connections', { body: { id, name: id } });
    const orgDay = {
      used: 5_300,
      limit: 100_000,
      remaining: 94_700,
      source: 'crm',
      via: 'Sforce-Limit-Info',
      observedAt: new Date(Date.now() - 1_500).toISOString(),
    } as const;
    await budgets().insertMany([
      report(id, 'salesforce', 'sf-1', 1_000, { daily: orgDay }),
      report(id, 'salesforce', 'sf-2', 2_000),
      // An instance that died a minute ago: its report no longer counts.
      report(id, 'salesforce', 'sf-dead', 60_000),
      report(id, 'hubspot', 'hs-1', 1_000),
      report(id, 'hubspot', 'hs-2', 1_000),
      // Another connection's report never shows here.
      report('other', 'hubspot', 'hs-1', 1_000),
    ]);
    const res = await h.call('GET', `/connections/${id}/status`);
    expect(res.status).toBe(200);
    const used = (res.body as { apiBudget: { used: Record<string, unknown> } }).apiBudget.used;
    expect(used['salesforce']).toMatchObject({
      state: 'reported',
      reason: null,
      instances: 2,
      ignoredReports: 1,
      limits: [{ name: 'daily', used: 240, limit: 50_000, remaining: 49_760, fraction: 0.0048 }],
      daily: {
        used: 5_300,
        limit: 100_000,
        fraction: 0.053,
        source: 'crm',
        asOf: orgDay.observedAt,
      },
    });
    expect(used['hubspot']).toMatchObject({
      state: 'reported',
      instances: 2,
      limits: [
        { name: 'ten-secondly', used: 80, limit: 190, remaining: 110, fraction: 0.4211 },
        { name: 'daily', used: 1_800, limit: 250_000 },
      ],
      daily: null,
    });
  });

  it('says why it is null: reports gone stale, or the connector stopped', async () => {
    const id = uniqueName('budget');
    await h.call('POST', '/connections', { body: { id, name: id } });
    const stoppedAt = new Date(Date.now() - 2_000).toISOString();
    await budgets().insertMany([
      report(id, 'salesforce', 'sf-1', 30_000),
      // Its last report is the one written as it stopped.
      report(id, 'hubspot', 'hs-1', 2_000, { stoppedAt, updatedAt: stoppedAt }),
    ]);
    const res = await h.call('GET', `/connections/${id}/status`);
    const used = (res.body as { apiBudget: { used: Record<string, { reason: string }> } }).apiBudget
      .used;
    expect(used['salesforce']).toMatchObject({ state: 'stale', limits: null, ignoredReports: 1 });
    expect(used['salesforce']?.reason).toContain('older than 3 report intervals');
    expect(used['hubspot']).toMatchObject({
      state: 'stopped',
      limits: null,
      lastReportAt: stoppedAt,
    });
    expect(used['hubspot']?.reason).toContain('hs-connector stopped');
  });
});
