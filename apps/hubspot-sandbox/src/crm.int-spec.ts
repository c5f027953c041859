import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import hubspot from '@hubspot/api-client';
import type { AddressInfo } from 'node:net';
import { createHubSpotSandbox, type HubSpotSandbox } from './index.js';

// Contract tests: the unmodified official client (@hubspot/api-client 14.0.1) against the sandbox.
// Reference docs: developers.hubspot.com/docs/api-reference/crm-companies-v3 (objects, batch, search),
// .../crm-properties-v3, .../crm-associations-v4, and the CRM search guide ("Limitations").

interface ApiError {
  code: number;
  body: Record<string, unknown>;
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}

let sandbox: HubSpotSandbox;
let basePath: string;
let client: InstanceType<typeof hubspot.Client>;

beforeAll(async () => {
  sandbox = createHubSpotSandbox({
    limits: { tenSecondly: null, daily: null, searchPerSecond: null },
  });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  basePath = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  client = new hubspot.Client({ accessToken: 'sandbox-token', basePath });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await fetch(`${basePath}/__control/reset`, { method: 'POST' });
});

describe('auth', () => {
  it('refuses a missing or unknown token with HubSpot 401 body', async () => {
    const other = new hubspot.Client({ accessToken: 'wrong', basePath });
    const e = await failure(other.crm.companies.basicApi.getPage());
    expect(e.code).toBe(401);
    expect(e.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(typeof e.body['correlationId']).toBe('string');
  });

  it('issues and refreshes OAuth tokens that then authenticate', async () => {
    const oauth = new hubspot.Client({ basePath });
    const t = await oauth.oauth.tokensApi.create(
      'authorization_code',
      'code-1',
      'http://127.0.0.1/cb',
      'sandbox-client-id',
      'sandbox-client-secret',
    );
    expect(t.tokenType).toBe('bearer');
    const r = await oauth.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'sandbox-client-id',
      'sandbox-client-secret',
      t.refreshToken,
    );
    const authed = new hubspot.Client({ accessToken: r.accessToken, basePath });
    const page = await authed.crm.companies.basicApi.getPage();
    expect(page.results).toEqual([]);
  });
});

describe('companies CRUD and list paging', () => {
  it('creates (201), reads by id and idProperty, updates, archives', async () => {
    const created = await client.crm.companies.basicApi.create({
      properties: { name: 'Acme', domain: 'acme.com', salesforceaccountid: '001A' },
      associations: [],
    });
    expect(created.properties['hs_object_id']).toBe(created.id);
    expect(created.properties['createdate']).toBeDefined();
    const byUnique = await client.crm.companies.basicApi.getById(
      '001A',
      ['name'],
      undefined,
      undefined,
      false,
      'salesforceaccountid',
    );
    expect(byUnique.id).toBe(created.id);
    expect(byUnique.properties).toMatchObject({ name: 'Acme' });
    const updated = await client.crm.companies.basicApi.update(created.id, {
      properties: { name: 'Acme Corp' },
    });
    expect(updated.properties['name']).toBe('Acme Corp');
    await client.crm.companies.basicApi.archive(created.id);
    expect((await failure(client.crm.companies.basicApi.getById(created.id))).code).toBe(404);
    const archived = await client.crm.companies.basicApi.getById(
      created.id,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archived.archived).toBe(true);
  });

  it('refuses unknown properties (PROPERTY_DOESNT_EXIST) and bad options (INVALID_OPTION) with 400', async () => {
    const e1 = await failure(
      client.crm.companies.basicApi.create({ properties: { nope: 'x' }, associations: [] }),
    );
    expect(e1.code).toBe(400);
    expect(e1.body['category']).toBe('VALIDATION_ERROR');
    expect(String(e1.body['message'])).toContain('PROPERTY_DOESNT_EXIST');
    const e2 = await failure(
      client.crm.companies.basicApi.create({
        properties: { lifecyclestage: 'nonsense' },
        associations: [],
      }),
    );
    expect(String(e2.body['message'])).toContain('INVALID_OPTION');
  });

  it('answers 409 CONFLICT for a duplicate unique value', async () => {
    await client.crm.companies.basicApi.create({
      properties: { salesforceaccountid: '001DUP' },
      associations: [],
    });
    const e = await failure(
      client.crm.companies.basicApi.create({
        properties: { salesforceaccountid: '001DUP' },
        associations: [],
      }),
    );
    expect(e.code).toBe(409);
    expect(e.body['category']).toBe('CONFLICT');
  });

  it('pages through a list with limit/after and keeps every record once', async () => {
    await fetch(`${basePath}/__control/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 7, companies: 250 }),
    });
    const ids = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.companies.basicApi.getPage(100, after, ['name', 'domain']);
      for (const r of page.results) ids.add(r.id);
      after = page.paging?.next?.after;
      pages++;
    } while (after !== undefined);
    expect(ids.size).toBe(250);
    expect(pages).toBe(3);
  });

  it('returns propertiesWithHistory newest first with source of each version', async () => {
    const c = await client.crm.companies.basicApi.create({
      properties: { name: 'v1' },
      associations: [],
    });
    await client.crm.companies.basicApi.update(c.id, { properties: { name: 'v2' } });
    await fetch(`${basePath}/__control/objects/companies/${c.id}/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        properties: { name: 'v3' },
        source: { changeSource: 'CRM_UI', userId: 42 },
      }),
    });
    const r = await client.crm.companies.basicApi.getById(c.id, ['name'], ['name']);
    const history = r.propertiesWithHistory?.['name'] ?? [];
    expect(history.map((v) => v.value)).toEqual(['v3', 'v2', 'v1']);
    expect(history[0]).toMatchObject({ sourceType: 'CRM_UI', updatedByUserId: 42 });
    expect(history[1]).toMatchObject({ sourceType: 'INTEGRATION', sourceId: '1160452' });
  });
});

describe('batch', () => {
  const upsertInputs = (n: number, prefix = '001U') =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i}`,
      idProperty: 'salesforceaccountid',
      properties: { name: `Company ${i}` },
    }));

  it('upserts by salesforceaccountid idempotently: twice gives one company', async () => {
    const first = await client.crm.companies.batchApi.upsert({ inputs: upsertInputs(1) });
    const second = await client.crm.companies.batchApi.upsert({
      inputs: [{ id: '001U0', idProperty: 'salesforceaccountid', properties: { name: 'Renamed' } }],
    });
    expect(first.results[0]?._new).toBe(true);
    expect(second.results[0]?._new).toBe(false);
    expect(second.results[0]?.id).toBe(first.results[0]?.id);
    const all = await client.crm.companies.basicApi.getPage(100);
    expect(all.results).toHaveLength(1);
  });

  it('accepts 100 inputs and refuses 101 with 400 VALIDATION_ERROR', async () => {
    const ok = await client.crm.companies.batchApi.upsert({ inputs: upsertInputs(100) });
    expect(ok.results).toHaveLength(100);
    const e = await failure(
      client.crm.companies.batchApi.upsert({ inputs: upsertInputs(101, '001V') }),
    );
    expect(e.code).toBe(400);
    expect(e.body['category']).toBe('VALIDATION_ERROR');
  });

  it('refuses upsert by a property without unique values', async () => {
    const e = await failure(
      client.crm.companies.batchApi.upsert({
        inputs: [{ id: 'x', idProperty: 'name', properties: {} }],
      }),
    );
    expect(e.code).toBe(400);
    expect(String(e.body['message'])).toContain('non-unique');
  });

  it('creates with 201 and reads with 207 multi-status when some ids are missing', async () => {
    const created = await client.crm.companies.batchApi.create({
      inputs: [
        { properties: { name: 'A' }, associations: [] },
        { properties: { name: 'B' }, associations: [] },
      ],
    });
    expect(created.results).toHaveLength(2);
    const ids = created.results.map((r) => r.id);
    const read = await client.crm.companies.batchApi.read({
      inputs: [...ids, '999'].map((id) => ({ id })),
      properties: ['name'],
      propertiesWithHistory: [],
    });
    expect(read.results).toHaveLength(2);
    expect(read).toMatchObject({ status: 'COMPLETE', numErrors: 1 });
    expect('errors' in read && read.errors[0]).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['999'] },
    });
  });

  it('answers 207 when an injected record fault fails one input of an upsert', async () => {
    await fetch(`${basePath}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        recordFailure: { objectType: 'companies', propertyName: 'name', value: 'Company 3' },
      }),
    });
    const r = await client.crm.companies.batchApi.upsert({ inputs: upsertInputs(5) });
    expect(r.results).toHaveLength(4);
    expect(r).toMatchObject({
      numErrors: 1,
      errors: [{ category: 'VALIDATION_ERROR', context: { ids: ['001U3'] } }],
    });
  });

  it('updates in batch and archives in batch', async () => {
    const created = await client.crm.companies.batchApi.create({
      inputs: [{ properties: { name: 'A' }, associations: [] }],
    });
    const id = created.results[0]?.id ?? '';
    const updated = await client.crm.companies.batchApi.update({
      inputs: [{ id, properties: { name: 'A2' } }],
    });
    expect(updated.results[0]?.properties['name']).toBe('A2');
    await client.crm.companies.batchApi.archive({ inputs: [{ id }] });
    expect((await client.crm.companies.basicApi.getPage()).results).toHaveLength(0);
  });
});

describe('search', () => {
  beforeEach(async () => {
    await client.crm.companies.batchApi.create({
      inputs: [
        {
          properties: { name: 'Alpha Rockets', numberofemployees: '5', lifecyclestage: 'lead' },
          associations: [],
        },
        {
          properties: { name: 'Beta Foods', numberofemployees: '50', lifecyclestage: 'customer' },
          associations: [],
        },
        { properties: { name: 'Gamma Rockets', numberofemployees: '500' }, associations: [] },
      ],
    });
  });

  const search = (filters: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
    client.crm.companies.searchApi.doSearch({
      filterGroups: [{ filters: filters as never }],
      limit: 10,
      properties: ['name'],
      ...extra,
    });

  it('filters numerically and sorts by a property', async () => {
    const r = await search([{ propertyName: 'numberofemployees', operator: 'GTE', value: '50' }], {
      sorts: [{ propertyName: 'numberofemployees', direction: 'DESCENDING' }],
    });
    expect(r.total).toBe(2);
    expect(r.results.map((x) => x.properties['name'])).toEqual(['Gamma Rockets', 'Beta Foods']);
  });

  it('supports IN, CONTAINS_TOKEN, NOT_HAS_PROPERTY and OR across groups', async () => {
    expect(
      (
        await search([
          { propertyName: 'lifecyclestage', operator: 'IN', values: ['lead', 'customer'] },
        ])
      ).total,
    ).toBe(2);
    expect(
      (await search([{ propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'rockets' }]))
        .total,
    ).toBe(2);
    expect(
      (await search([{ propertyName: 'lifecyclestage', operator: 'NOT_HAS_PROPERTY' }])).total,
    ).toBe(1);
    const or = await client.crm.companies.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'name', operator: 'EQ' as never, value: 'alpha rockets' }] },
        { filters: [{ propertyName: 'numberofemployees', operator: 'LT' as never, value: '100' }] },
      ],
      limit: 10,
    });
    expect(or.total).toBe(2);
  });

  it('pages with after and refuses more than 6 filters in a group', async () => {
    const p1 = await search([], { limit: 2 });
    expect(p1.results).toHaveLength(2);
    const p2 = await search([], { limit: 2, after: p1.paging?.next?.after });
    expect(p2.results).toHaveLength(1);
    const seven = Array.from({ length: 7 }, () => ({
      propertyName: 'name',
      operator: 'HAS_PROPERTY',
    }));
    expect((await failure(search(seven))).code).toBe(400);
  });

  it('answers 400 when paging past 10,000 results, with >10,000 companies modified in the same millisecond', async () => {
    await fetch(`${basePath}/__control/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 1, companies: 10_100 }),
    });
    const at = Date.parse('2030-01-01T00:00:00Z');
    const touched = (await (
      await fetch(`${basePath}/__control/bulk-touch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          objectType: 'companies',
          count: 10_050,
          properties: { city: 'Paris' },
          at,
        }),
      })
    ).json()) as { touched: number };
    expect(touched.touched).toBe(10_050);
    const filters = [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(at) }];
    const last = await search(filters, { limit: 200, after: '9800' });
    expect(last.total).toBe(10_050);
    expect(last.paging?.next?.after).toBe('10000');
    const e = await failure(search(filters, { limit: 200, after: '10000' }));
    expect(e.code).toBe(400);
    expect(e.body['category']).toBe('VALIDATION_ERROR');
  });
});

describe('properties API', () => {
  it('lists defaults, reads salesforceaccountid as unique, creates a property', async () => {
    const all = await client.crm.properties.coreApi.getAll('companies');
    expect(all.results.length).toBeGreaterThan(100);
    const sf = await client.crm.properties.coreApi.getByName('companies', 'salesforceaccountid');
    expect(sf.hasUniqueValue).toBe(true);
    const created = await client.crm.properties.coreApi.create('companies', {
      name: 'tier',
      label: 'Tier',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'companyinformation',
      options: [{ label: 'Gold', value: 'gold', hidden: false }],
    });
    expect(created.name).toBe('tier');
    const c = await client.crm.companies.basicApi.create({
      properties: { tier: 'gold' },
      associations: [],
    });
    expect(c.properties['tier']).toBe('gold');
  });
});

describe('associations v4 and v3 reads', () => {
  it('creates default and labeled associations, lists, batch reads and removes them', async () => {
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'Acme' },
      associations: [],
    });
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'ada@acme.test' },
      associations: [],
    });
    const def = await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    expect(def.results[0]?.associationSpec.associationTypeId).toBe(279);
    const labeled = await client.crm.associations.v4.basicApi.create(
      'contacts',
      contact.id,
      'companies',
      company.id,
      [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 1 }],
    );
    expect(labeled.labels).toEqual(['Primary']);
    const list = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      company.id,
      'contacts',
    );
    expect(list.results[0]?.associationTypes.map((t) => t.typeId)).toEqual([2, 280]);
    const v3 = await client.crm.companies.basicApi.getById(company.id, undefined, undefined, [
      'contacts',
    ]);
    expect(v3.associations?.['contacts']?.results.map((r) => r.type)).toEqual([
      'company_to_contact',
      'company_to_contact_unlabeled',
    ]);
    const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: contact.id }],
    });
    expect(batch.results[0]?.to[0]?.toObjectId).toBe(Number(company.id));
    await client.crm.associations.v4.basicApi.archive(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    expect(
      (await client.crm.associations.v4.basicApi.getPage('companies', company.id, 'contacts'))
        .results,
    ).toHaveLength(0);
  });
});
