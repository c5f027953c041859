// Contract tests: every behaviour is driven through the unmodified jsforce 3.10.26 client against
// an in-process sandbox on port 0. Doc names refer to the Salesforce REST API Developer Guide
// unless stated otherwise.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { DEFAULTS } from './index.js';
import { idOf, must } from '../test/assert.js';
import { jsforce, startHarness, type Connection, type Harness } from '../test/harness.js';

let h: Harness;
let conn: Connection;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(async () => {
  await h.control('POST', '/reset');
  h.clock.set('2026-11-28T12:00:00.000Z');
  conn = await h.connect('sf-connector');
});

async function expectSfError(
  p: PromiseLike<unknown>,
  errorCode: string,
): Promise<Error & { errorCode: string; data: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { errorCode: string; data: unknown };
    expect(err.errorCode).toBe(errorCode);
    return err;
  }
  throw new Error(`expected ${errorCode}`);
}

interface ChangeEvent {
  payload: Record<string, unknown> & {
    ChangeEventHeader: {
      changeType: string;
      recordIds: string[];
      changeOrigin: string;
      changedFields: string[];
      entityName: string;
    };
  };
  event: { replayId: number };
}
const changes = async (from = 0) =>
  (await h.control<{ events: ChangeEvent[] }>('GET', `/changes?from=${from}`)).events;

describe('OAuth 2.0 and sessions', () => {
  test('password flow returns the token response shape; /services/data lists versions', async () => {
    // "OAuth 2.0 Username-Password Flow": access_token, instance_url, id, token_type, issued_at, signature.
    const res = await fetch(`${h.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEFAULTS.clientId,
        client_secret: DEFAULTS.clientSecret,
      }),
    });
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining([
        'access_token',
        'instance_url',
        'id',
        'token_type',
        'issued_at',
        'signature',
      ]),
    );
    expect(body['instance_url']).toBe(h.url);
    const bad = await fetch(`${h.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEFAULTS.clientId,
        client_secret: 'wrong',
      }),
    });
    expect(bad.status).toBe(400);
    const versions = await conn.request<{ version: string }[]>('/services/data/');
    expect(versions.at(-1)).toMatchObject({ version: '62.0', url: '/services/data/v62.0' });
    expect(await conn.request('/services/data/v62.0/')).toMatchObject({
      query: '/services/data/v62.0/query',
    });
  });

  test('jsforce refreshes with its refresh token on INVALID_SESSION_ID (web server flow)', async () => {
    // "OAuth 2.0 Refresh Token Flow"; 401 body per "Status Codes and Error Responses".
    const auth = await fetch(
      `${h.url}/services/oauth2/authorize?response_type=code&client_id=${DEFAULTS.clientId}&redirect_uri=${encodeURIComponent(`${h.url}/callback`)}`,
      { redirect: 'manual' },
    );
    const location = must(auth.headers.get('location'), 'a Location header');
    const code = must(new URL(location).searchParams.get('code'), 'a code in the redirect');
    const c = new jsforce.Connection({
      oauth2: {
        loginUrl: h.url,
        clientId: DEFAULTS.clientId,
        clientSecret: DEFAULTS.clientSecret,
        redirectUri: `${h.url}/callback`,
      },
      version: '62.0',
    });
    await c.authorize(code);
    expect(c.refreshToken).toBeTruthy();
    const first = c.accessToken;
    const raw = await fetch(`${h.url}/services/data/v62.0/limits`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);

    let refreshed = 0;
    c.on('refresh', () => refreshed++);
    await h.control('POST', '/tokens/expire');
    expect((await c.query('SELECT Id FROM Account')).totalSize).toBe(0);
    expect(refreshed).toBe(1);
    expect(c.accessToken).not.toBe(first);

    // Token TTL on the injected clock.
    h.clock.advance(DEFAULTS.tokenTtlMs + 1);
    await c.query('SELECT Id FROM Account');
    expect(refreshed).toBe(2);
  });

  test('a password-flow connection logs in again when its session expires', async () => {
    await h.control('POST', '/tokens/expire');
    await expect(conn.query('SELECT Id FROM Account')).resolves.toMatchObject({ totalSize: 0 });
  });
});

describe('sObject CRUD and validation', () => {
  test('create, retrieve (with fields), update (204), delete, system fields and Id format', async () => {
    const created = await conn.sobject('Account').create({
      Name: 'Acme',
      Website: 'https://acme.example',
      Industry: 'Technology',
      BillingCity: 'Berlin',
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/),
      success: true,
      errors: [],
    });
    const accountId = idOf(created);
    const rec = (await conn.sobject('Account').retrieve(accountId)) as Record<string, unknown>;
    expect(rec).toMatchObject({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${created.id}` },
      Id: created.id,
      Name: 'Acme',
      IsDeleted: false,
      MasterRecordId: null,
      CreatedDate: '2026-11-28T12:00:00.000+0000',
      SystemModstamp: '2026-11-28T12:00:00.000+0000',
      CreatedById: expect.stringMatching(/^005/),
      BillingAddress: expect.objectContaining({ city: 'Berlin', country: null }),
    });
    const some = await conn.sobject('Account').retrieve(accountId, { fields: ['Name', 'Website'] });
    expect(Object.keys(some)).toEqual(['attributes', 'Name', 'Website']);

    h.clock.advance(60_000);
    const upd = await conn.sobject('Account').update({ Id: accountId, Name: 'Acme GmbH' });
    expect(upd).toEqual({ id: created.id, success: true, errors: [] }); // jsforce's noContentResponse: the server sent 204
    const after = (await conn.sobject('Account').retrieve(accountId)) as Record<string, unknown>;
    expect(after).toMatchObject({
      Name: 'Acme GmbH',
      CreatedDate: '2026-11-28T12:00:00.000+0000',
      LastModifiedDate: '2026-11-28T12:01:00.000+0000',
      SystemModstamp: '2026-11-28T12:01:00.000+0000',
    });

    // Contact.AccountId references an Account; Contact/Lead required fields.
    const contact = await conn
      .sobject('Contact')
      .create({ LastName: 'Doe', FirstName: 'Jane', AccountId: created.id });
    expect(contact.id).toMatch(/^003/);
    expect(await conn.sobject('Contact').retrieve(idOf(contact))).toMatchObject({
      Name: 'Jane Doe',
      AccountId: created.id,
    });
    const lead = await conn.sobject('Lead').create({ LastName: 'Lee', Company: 'Lee Ltd' });
    expect(lead.id).toMatch(/^00Q/);
    expect(await conn.sobject('Lead').retrieve(idOf(lead))).toMatchObject({
      Status: 'Open - Not Contacted',
      IsConverted: false,
    });

    await conn.sobject('Account').destroy(accountId);
    await expectSfError(conn.sobject('Account').retrieve(accountId), 'ENTITY_IS_DELETED');
    await expectSfError(
      conn.sobject('Account').update({ Id: accountId, Name: 'x' }),
      'ENTITY_IS_DELETED',
    );
    // Deleting an account deletes its contacts (they are restored with it).
    await expectSfError(conn.sobject('Contact').retrieve(idOf(contact)), 'ENTITY_IS_DELETED');
  });

  test('validation errors in the REST error shape [{message, errorCode, fields}]', async () => {
    const missing = await expectSfError(
      conn.sobject('Account').create({ Website: 'x.com' }),
      'REQUIRED_FIELD_MISSING',
    );
    expect(missing.data).toEqual({
      message: 'Required fields are missing: [Name]',
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['Name'],
    });
    const leadMissing = await expectSfError(
      conn.sobject('Lead').create({ FirstName: 'A' }),
      'REQUIRED_FIELD_MISSING',
    );
    expect((leadMissing.data as { fields: string[] }).fields).toEqual(['LastName', 'Company']);
    await expectSfError(
      conn.sobject('Contact').create({ FirstName: 'A' }),
      'REQUIRED_FIELD_MISSING',
    );
    await expectSfError(
      conn.sobject('Account').create({ Name: 'A', Bogus__c: 1 }),
      'INVALID_FIELD',
    );
    const tooLong = await expectSfError(
      conn.sobject('Account').create({ Name: 'A', BillingCity: 'x'.repeat(41) }),
      'STRING_TOO_LONG',
    );
    expect((tooLong.data as { fields: string[] }).fields).toEqual(['BillingCity']);
    await expectSfError(
      conn.sobject('Account').create({ Name: 'A', BillingGeocodeAccuracy: 'Galaxy' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    // Unrestricted picklists accept any value, as in a real org.
    await expect(
      conn.sobject('Account').create({ Name: 'A', Industry: 'Space Mining' }),
    ).resolves.toMatchObject({ success: true });
    await expectSfError(
      conn.sobject('Account').create({ Name: 'A', CreatedDate: '2020-01-01T00:00:00Z' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    await expectSfError(
      conn.sobject('Account').update({ Id: 'not-an-id', Name: 'x' }),
      'MALFORMED_ID',
    );
    await expectSfError(
      conn.sobject('Account').update({ Id: '001000000000000AAA', Name: 'x' }),
      'NOT_FOUND',
    );
    await expectSfError(
      conn.sobject('Contact').create({ LastName: 'x', AccountId: '001000000000000AAA' }),
      'INVALID_CROSS_REFERENCE_KEY',
    );
    // 15-character Ids are accepted and answered with 18 characters.
    const a = await conn.sobject('Account').create({ Name: 'Short Id' });
    expect(await conn.sobject('Account').retrieve(idOf(a).slice(0, 15))).toMatchObject({
      Id: a.id,
    });
  });

  test('describe lists fields with types, lengths, flags and picklists, incl. the external id', async () => {
    const d = await conn.sobject('Account').describe();
    const byName = Object.fromEntries(d.fields.map((f) => [f.name, f]));
    expect(byName['HubSpot_Company_Id__c']).toMatchObject({
      type: 'string',
      length: 255,
      externalId: true,
      unique: true,
      nillable: true,
      createable: true,
      updateable: true,
      custom: true,
    });
    expect(byName['Name']).toMatchObject({ type: 'string', length: 255, nillable: false });
    expect(
      (byName['Industry']?.picklistValues ?? []).map((p: { value: string }) => p.value),
    ).toContain('Technology');
    expect(d.keyPrefix).toBe('001');
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(['Account', 'Contact', 'Lead']);
  });
});

describe('upsert by external id ("Insert or Update (Upsert) a Record Using an External ID")', () => {
  test('201 created, 200 updated (API 46+), 204 updated (older), 300 multiple, 404 bad field', async () => {
    const a = conn.sobject('Account');
    const created = await a.upsert(
      { HubSpot_Company_Id__c: 'hs-1', Name: 'One' },
      'HubSpot_Company_Id__c',
    );
    expect(created).toEqual({
      id: expect.stringMatching(/^001/),
      success: true,
      errors: [],
      created: true,
    });
    const updated = await a.upsert(
      { HubSpot_Company_Id__c: 'hs-1', Name: 'One Inc' },
      'HubSpot_Company_Id__c',
    );
    expect(updated).toEqual({ id: created.id, success: true, errors: [], created: false });
    // External id matching is case-insensitive (unique, case-insensitive field).
    await a.upsert({ HubSpot_Company_Id__c: 'HS-1', Name: 'One AG' }, 'HubSpot_Company_Id__c');
    expect(await a.retrieve(idOf(created))).toMatchObject({
      Name: 'One AG',
      HubSpot_Company_Id__c: 'hs-1',
    });

    const old = new jsforce.Connection({
      instanceUrl: h.url,
      accessToken: must(conn.accessToken, 'an access token'),
      version: '45.0',
    });
    expect(
      await old
        .sobject('Account')
        .upsert({ HubSpot_Company_Id__c: 'hs-1', Name: 'Old API' }, 'HubSpot_Company_Id__c'),
    ).toEqual({ success: true, errors: [] });

    // Two records share a value (a data anomaly inserted behind the API): 300 Multiple Choices.
    await h.control('POST', '/records/Account', [
      { Name: 'Dup A', HubSpot_Company_Id__c: 'hs-dup' },
      { Name: 'Dup B', HubSpot_Company_Id__c: 'hs-dup' },
    ]);
    const multi = await expectSfError(
      a.upsert({ HubSpot_Company_Id__c: 'hs-dup', Name: 'x' }, 'HubSpot_Company_Id__c'),
      'MULTIPLE_CHOICES',
    );
    expect(multi.data).toEqual([
      expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/),
      expect.any(String),
    ]);

    await expectSfError(a.upsert({ Website: 'w', Name: 'x' }, 'Website'), 'NOT_FOUND');
    await expectSfError(a.upsert({ Nope__c: 'w', Name: 'x' }, 'Nope__c'), 'NOT_FOUND');

    // Unique: a second record may not take the same value.
    await expectSfError(
      a.create({ Name: 'Clash', HubSpot_Company_Id__c: 'hs-1' }),
      'DUPLICATE_VALUE',
    );
  });
});

describe('sObject Collections ("sObject Collections")', () => {
  test('create with allOrNone=false gives per-record results; allOrNone=true rolls back', async () => {
    const partial = await conn
      .sobject('Account')
      .create([{ Name: 'A' }, { Website: 'no-name.example' }, { Name: 'C' }], { allOrNone: false });
    expect(partial[0]).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [] });
    expect(partial[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Name]',
          fields: ['Name'],
        },
      ],
    });
    expect(partial[2]?.success).toBe(true);

    const all = await conn
      .sobject('Account')
      .create([{ Name: 'D' }, { Name: 'E', BillingCity: 'x'.repeat(50) }], { allOrNone: true });
    expect(all[0]).toEqual({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })],
    });
    expect(all[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'STRING_TOO_LONG', fields: ['BillingCity'] }],
    });
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(2);
    // Rolled-back writes leave no change events.
    expect(
      (await changes()).filter((e) => e.payload.ChangeEventHeader.changeType === 'CREATE'),
    ).toHaveLength(2);
  });

  test('update, upsert by external id, retrieve and delete collections', async () => {
    const created = await conn.sobject('Account').create([{ Name: 'A' }, { Name: 'B' }]);
    const a = idOf(created[0]);
    const b = idOf(created[1]);
    const upd = await conn.sobject('Account').update(
      [
        { Id: a, Name: 'A2' },
        { Id: b, Name: null },
      ],
      { allOrNone: false },
    );
    expect(upd[0]).toEqual({ id: a, success: true, errors: [] });
    expect(upd[1]).toEqual({
      id: b,
      success: false,
      errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
    });

    const ups = await conn.sobject('Account').upsert(
      [
        { HubSpot_Company_Id__c: 'h1', Name: 'H1' },
        { HubSpot_Company_Id__c: 'h2', Name: 'H2' },
      ],
      'HubSpot_Company_Id__c',
    );
    expect(ups.map((r) => r.created)).toEqual([true, true]);
    const ups2 = await conn.sobject('Account').upsert(
      [
        { HubSpot_Company_Id__c: 'h1', Name: 'H1 again' },
        { HubSpot_Company_Id__c: 'h3', Name: 'H3' },
      ],
      'HubSpot_Company_Id__c',
    );
    expect(ups2).toEqual([
      { id: idOf(ups[0]), success: true, errors: [], created: false },
      { id: expect.stringMatching(/^001/), success: true, errors: [], created: true },
    ]);
    const got = await conn.sobject('Account').retrieve([a, idOf(ups[0])], { fields: ['Name'] });
    expect(got.map((r) => (r as { Name: string }).Name)).toEqual(['A2', 'H1 again']);
    const viaGet = await conn.request<{ Name: string }[]>(
      `/composite/sobjects/Account?ids=${a},${b}&fields=Id,Name`,
    );
    expect(viaGet.map((r) => r.Name)).toEqual(['A2', 'B']);

    const del = await conn.sobject('Account').destroy([a, b]);
    expect(del).toEqual([
      { id: a, success: true, errors: [] },
      { id: b, success: true, errors: [] },
    ]);
    await expectSfError(
      conn.sobject('Account').create(Array.from({ length: 201 }, (_, i) => ({ Name: `n${i}` }))),
      'EXCEEDED_ID_LIMIT',
    );
  });
});

describe('SOQL (SOQL and SOSL Reference)', () => {
  test('paging past 2,000 up to 10,000 with autoFetch, queryMore and batchSize', async () => {
    await h.control('POST', '/seed', { seed: 7, accounts: 10_000 });
    const first = await conn.query('SELECT Id, Name FROM Account');
    expect(first).toMatchObject({
      totalSize: 10_000,
      done: false,
      nextRecordsUrl: expect.stringMatching(
        /\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-2000$/,
      ),
    });
    expect(first.records).toHaveLength(2000);
    expect(first.records[0]).toMatchObject({
      attributes: { type: 'Account', url: expect.stringContaining('/sobjects/Account/001') },
    });
    const second = await conn.queryMore(must(first.nextRecordsUrl, 'a nextRecordsUrl'));
    expect(second.records).toHaveLength(2000);
    expect(second.records[0]?.Id).not.toBe(first.records[0]?.Id);

    const all = await conn.query('SELECT Id FROM Account').autoFetch(true).maxFetch(20_000);
    expect(all.records).toHaveLength(10_000);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(10_000);

    const small = await conn.query('SELECT Id FROM Account', {
      headers: { 'Sforce-Query-Options': 'batchSize=500' },
    });
    expect(small.records).toHaveLength(500);
    expect(small.nextRecordsUrl).toMatch(/-500$/);
    const find = await conn
      .sobject('Account')
      .find({ Industry: 'Technology' }, ['Id', 'Industry'])
      .limit(5000);
    expect(find.every((r) => r['Industry'] === 'Technology')).toBe(true);
    expect(await conn.sobject('Account').count()).toBe(10_000);
  });

  test('the cursor is a snapshot: later writes do not change pages still to come', async () => {
    await h.control('POST', '/seed', { seed: 1, accounts: 3000 });
    const first = await conn.query('SELECT Id, Name FROM Account ORDER BY Id');
    const res = await conn.query(`SELECT Id FROM Account ORDER BY Id DESC LIMIT 1`);
    const id = must(res.records[0]?.Id, 'the highest Account Id');
    await conn.sobject('Account').update({ Id: id, Name: 'Changed' });
    const more = await conn.queryMore(must(first.nextRecordsUrl, 'a nextRecordsUrl'));
    const later = must(
      more.records.find((r) => r.Id === id),
      'the updated record on the second page',
    );
    expect(later['Name']).not.toBe('Changed');
  });

  test('WHERE operators, AND/OR/NOT with parentheses, dates, null, ORDER BY, LIMIT, OFFSET', async () => {
    const mk = async (rec: Record<string, unknown>) =>
      idOf(await conn.sobject('Account').create(rec));
    const a = await mk({
      Name: 'Alpha',
      NumberOfEmployees: 10,
      Industry: 'Banking',
      Website: 'alpha.io',
    });
    h.clock.advance(1000);
    const b = await mk({ Name: 'beta', NumberOfEmployees: 20, Industry: 'Technology' });
    h.clock.advance(1000);
    const c = await mk({ Name: 'Gamma', NumberOfEmployees: 30 });
    const ids = async (soql: string) => (await conn.query(soql)).records.map((r) => r.Id);
    expect(await ids(`SELECT Id FROM Account WHERE Name = 'ALPHA'`)).toEqual([a]); // = is case-insensitive on text
    expect(await ids(`SELECT Id FROM Account WHERE Name LIKE 'b%'`)).toEqual([b]);
    expect(await ids(`SELECT Id FROM Account WHERE NOT Name LIKE 'b%' ORDER BY Name DESC`)).toEqual(
      [c, a],
    );
    expect(
      await ids(`SELECT Id FROM Account WHERE NumberOfEmployees >= 20 AND NumberOfEmployees < 30`),
    ).toEqual([b]);
    expect(
      await ids(
        `SELECT Id FROM Account WHERE (Industry = 'Banking' OR Industry = 'Technology') AND NumberOfEmployees != 10`,
      ),
    ).toEqual([b]);
    expect(
      await ids(
        `SELECT Id FROM Account WHERE Industry IN ('Banking', 'Technology') ORDER BY NumberOfEmployees DESC`,
      ),
    ).toEqual([b, a]);
    expect(
      await ids(`SELECT Id FROM Account WHERE Industry NOT IN ('Banking') ORDER BY Name`),
    ).toEqual([b, c]);
    expect(await ids(`SELECT Id FROM Account WHERE Industry = null`)).toEqual([c]);
    expect(
      await ids(`SELECT Id FROM Account WHERE Industry != null ORDER BY Industry NULLS LAST`),
    ).toEqual([a, b]);
    expect(await ids(`SELECT Id FROM Account WHERE Id = '${b.slice(0, 15)}'`)).toEqual([b]);
    expect(
      await ids(`SELECT Id FROM Account WHERE IsDeleted = false ORDER BY CreatedDate DESC LIMIT 2`),
    ).toEqual([c, b]);
    expect(await ids(`SELECT Id FROM Account ORDER BY Name LIMIT 1 OFFSET 1`)).toEqual([b]);
    expect(
      await ids(
        `SELECT Id FROM Account WHERE SystemModstamp > 2026-11-28T12:00:00Z ORDER BY SystemModstamp`,
      ),
    ).toEqual([b, c]);
    expect(
      await ids(
        `SELECT Id FROM Account WHERE LastModifiedDate >= 2026-11-28T12:00:01.000+0000 AND CreatedDate <= 2026-11-28T12:00:01.000+0000`,
      ),
    ).toEqual([b]);
    const count = await conn.query('SELECT COUNT() FROM Account WHERE NumberOfEmployees > 10');
    expect(count).toMatchObject({ totalSize: 2, done: true, records: [] });
    // Parent fields through a lookup's relationship name.
    const ct = await conn.sobject('Contact').create({ LastName: 'Doe', AccountId: a });
    const rows = await conn.query(
      `SELECT Id, Account.Name FROM Contact WHERE Account.Name = 'Alpha'`,
    );
    expect(rows.records).toEqual([
      {
        attributes: expect.any(Object),
        Id: ct.id,
        Account: { attributes: expect.objectContaining({ type: 'Account' }), Name: 'Alpha' },
      },
    ]);
  });

  test('MALFORMED_QUERY and INVALID_FIELD errors', async () => {
    const e1 = await expectSfError(
      conn.query('SELECT Id FROM Account WHERE Name = 1'),
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(e1.message).toContain('ERROR at Row:1:Column:');
    await expectSfError(conn.query('SELECT Id FROM Account WHERE'), 'MALFORMED_QUERY');
    await expectSfError(
      conn.query(`SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'`),
      'MALFORMED_QUERY',
    );
    const e2 = await expectSfError(conn.query('SELECT Id, Nope FROM Account'), 'INVALID_FIELD');
    expect(e2.message).toContain("No such column 'Nope' on entity 'Account'");
    await expectSfError(conn.query('SELECT Id FROM Opportunity'), 'INVALID_TYPE');
    await expectSfError(
      conn.query(`SELECT Id FROM Account WHERE Name = 'unterminated`),
      'MALFORMED_QUERY',
    );
  });

  test('queryAll returns deleted rows; query does not', async () => {
    const id = idOf(await conn.sobject('Account').create({ Name: 'Gone' }));
    await conn.sobject('Account').destroy(id);
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(0);
    const all = await conn.query('SELECT Id, IsDeleted FROM Account', { scanAll: true });
    expect(all.records).toEqual([{ attributes: expect.any(Object), Id: id, IsDeleted: true }]);
  });

  test('5,000 accounts sharing one SystemModstamp page correctly with keyset paging', async () => {
    const stamp = '2026-11-01T00:00:00.000+0000';
    await h.control('POST', '/seed', {
      seed: 3,
      accounts: 5000,
      sharedModstamp: '2026-11-01T00:00:00Z',
    });
    const seen = new Set<string>();
    let lastId = '000000000000000AAA';
    for (;;) {
      const page = await conn.query(
        `SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > '${lastId}') ORDER BY SystemModstamp, Id LIMIT 2000`,
      );
      if (page.records.length === 0) break;
      for (const r of page.records) {
        expect(r['SystemModstamp']).toBe(stamp);
        seen.add(must(r.Id, 'an Id'));
      }
      lastId = must(page.records.at(-1)?.Id, 'the last Id of the page');
    }
    expect(seen.size).toBe(5000);
  });
});

describe('getUpdated / getDeleted ("Get a List of Updated Records", "Get a List of Deleted Records")', () => {
  test('ids and deletedRecords in a window, rounded to the minute', async () => {
    const a = idOf(await conn.sobject('Account').create({ Name: 'A' }));
    h.clock.advance(5 * 60_000);
    const b = idOf(await conn.sobject('Account').create({ Name: 'B' }));
    await conn.sobject('Account').destroy(a);
    h.clock.advance(5 * 60_000);
    const start = new Date('2026-11-28T12:03:00Z');
    const end = new Date('2026-11-28T12:09:00Z');
    const updated = await conn.sobject('Account').updated(start, end);
    expect(updated).toEqual({ ids: [b], latestDateCovered: '2026-11-28T12:09:00.000+0000' });
    const deleted = await conn.sobject('Account').deleted(start, end);
    expect(deleted).toEqual({
      deletedRecords: [{ id: a, deletedDate: '2026-11-28T12:05:00.000+0000' }],
      earliestDateAvailable: expect.any(String),
      latestDateCovered: '2026-11-28T12:09:00.000+0000',
    });
  });
});

describe('control API: purge (an emptied recycle bin, a hard delete)', () => {
  test('a purged record is gone from reads and queryAll, and getDeleted still lists it', async () => {
    const account = idOf(await conn.sobject('Account').create({ Name: 'Purged' }));
    const contact = idOf(
      await conn.sobject('Contact').create({ LastName: 'Child', AccountId: account }),
    );
    const live = idOf(await conn.sobject('Account').create({ Name: 'Hard-deleted' }));
    const start = new Date(h.clock.now());
    await conn.sobject('Account').destroy(account);
    const purged = await h.control<{ id: string; success: boolean }[]>('POST', '/purge', {
      ids: [account, live],
    });
    expect(purged).toEqual([
      { id: account, success: true, errors: [] },
      { id: live, success: true, errors: [] },
    ]);
    h.clock.advance(2 * 60_000);

    const all = await conn.query(`SELECT Id FROM Account WHERE Id IN ('${account}', '${live}')`, {
      scanAll: true,
    });
    expect(all.records).toEqual([]);
    const contacts = await conn.query(`SELECT Id FROM Contact WHERE Id = '${contact}'`, {
      scanAll: true,
    });
    expect(contacts.records).toEqual([]);
    await expectSfError(conn.sobject('Account').retrieve(account), 'NOT_FOUND');
    const deleted = await conn.sobject('Account').deleted(start, new Date(h.clock.now()));
    expect(deleted.deletedRecords.map((d) => d.id).sort()).toEqual([account, live].sort());
    const deletedContacts = await conn.sobject('Contact').deleted(start, new Date(h.clock.now()));
    expect(deletedContacts.deletedRecords.map((d) => d.id)).toEqual([contact]);

    const again = await h.control<{ success: boolean; errors: { statusCode: string }[] }[]>(
      'POST',
      '/purge',
      { ids: [account] },
    );
    expect(again[0]).toMatchObject({ success: false, errors: [{ statusCode: 'NOT_FOUND' }] });
    const undelete = await h.control<{ success: boolean }[]>('POST', '/undelete', {
      ids: [live],
    });
    expect(undelete[0]?.success).toBe(false);
  });
});

describe('control API: merge, undelete, limits, faults, duplicate rules', () => {
  test('merge deletes the losers with MasterRecordId and moves their contacts', async () => {
    const created = await conn
      .sobject('Account')
      .create([{ Name: 'Master' }, { Name: 'Loser 1' }, { Name: 'Loser 2' }]);
    const m = idOf(created[0]);
    const l1 = idOf(created[1]);
    const l2 = idOf(created[2]);
    const ct = await conn.sobject('Contact').create({ LastName: 'Child', AccountId: l1 });
    await h.control('POST', '/merge', {
      sobject: 'Account',
      masterId: m,
      loserIds: [l1, l2],
    });
    const rows = await conn.query(
      `SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE MasterRecordId != null`,
      { scanAll: true },
    );
    expect(
      rows.records.map((r): unknown[] => [r.Id, r['IsDeleted'], r['MasterRecordId']]).sort(),
    ).toEqual(
      [
        [l1, true, m],
        [l2, true, m],
      ].sort(),
    );
    expect(await conn.sobject('Contact').retrieve(idOf(ct))).toMatchObject({ AccountId: m });
    const types = (await changes()).map(
      (e) => `${e.payload.ChangeEventHeader.entityName}:${e.payload.ChangeEventHeader.changeType}`,
    );
    expect(types.slice(-4)).toEqual([
      'Contact:UPDATE',
      'Account:DELETE',
      'Account:DELETE',
      'Account:UPDATE',
    ]);

    const undel = await h.control<{ success: boolean }[]>('POST', '/undelete', { ids: [l1] });
    expect(undel[0]?.success).toBe(true);
    expect(await conn.sobject('Account').retrieve(l1)).toMatchObject({
      IsDeleted: false,
      MasterRecordId: null,
    });
  });

  test('Sforce-Limit-Info on every call and 403 REQUEST_LIMIT_EXCEEDED', async () => {
    // "Limits" and "Sforce-Limit-Info Response Header".
    await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo.apiUsage).toEqual({ used: expect.any(Number), limit: 1_000_000 });
    const used = must(conn.limitInfo.apiUsage, 'Sforce-Limit-Info api usage').used;
    await h.control('PUT', '/limits', { dailyApiRequests: used + 2 });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: used + 2, Remaining: 1 });
    await conn.query('SELECT Id FROM Account');
    const err = await expectSfError(conn.query('SELECT Id FROM Account'), 'REQUEST_LIMIT_EXCEEDED');
    expect(err.message).toBe('TotalRequests Limit exceeded.');
    await h.control('PUT', '/limits', { dailyApiRequests: 1_000_000, used: 0 });
  });

  test('UNABLE_TO_LOCK_ROW for the next N writes on a record', async () => {
    const id = idOf(await conn.sobject('Account').create({ Name: 'Locked' }));
    await h.control('POST', '/faults', { errorCode: 'UNABLE_TO_LOCK_ROW', recordId: id, count: 2 });
    const e = await expectSfError(
      conn.sobject('Account').update({ Id: id, Name: 'x' }),
      'UNABLE_TO_LOCK_ROW',
    );
    expect(e.message).toContain('unable to obtain exclusive access to this record');
    const inBatch = await conn.sobject('Account').update([{ Id: id, Name: 'y' }]);
    expect(inBatch[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW' }],
    });
    await expect(conn.sobject('Account').update({ Id: id, Name: 'z' })).resolves.toMatchObject({
      success: true,
    });
  });

  test('duplicate rule on Website produces DUPLICATES_DETECTED with duplicateResult', async () => {
    const { id } = await conn
      .sobject('Account')
      .create({ Name: 'Orig', Website: 'https://www.acme.com/' });
    await h.control('PUT', '/duplicate-rules', {
      rules: [{ sobject: 'Account', field: 'Website', action: 'block' }],
    });
    const err = await expectSfError(
      conn.sobject('Account').create({ Name: 'Copy', Website: 'acme.com' }),
      'DUPLICATES_DETECTED',
    );
    expect(err.data).toMatchObject({
      errorCode: 'DUPLICATES_DETECTED',
      duplicateResult: {
        allowSave: false,
        duplicateRuleEntityType: 'Account',
        matchResults: [{ matchRecords: [{ record: { Id: id } }] }],
      },
    });
    const batch = await conn
      .sobject('Account')
      .create([{ Name: 'Copy', Website: 'http://acme.com' }]);
    expect(batch[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'DUPLICATES_DETECTED' }],
    });
    await h.control('PUT', '/duplicate-rules', {
      rules: [{ sobject: 'Account', field: 'Name', action: 'alert' }],
    });
    await expectSfError(conn.sobject('Account').create({ Name: 'ORIG' }), 'DUPLICATES_DETECTED');
    const allow = await conn.request({
      method: 'POST',
      url: '/sobjects/Account',
      body: JSON.stringify({ Name: 'Orig' }),
      headers: {
        'content-type': 'application/json',
        'Sforce-Duplicate-Rule-Header': 'allowSave=true',
      },
    });
    expect(allow).toMatchObject({ success: true });
  });
});

describe('change events', () => {
  test('changeOrigin carries the Sforce-Call-Options client; UPDATE lists changedFields with compound names', async () => {
    const id = idOf(await conn.sobject('Account').create({ Name: 'Origin', BillingCity: 'Paris' }));
    h.clock.advance(1000);
    await conn.sobject('Account').update({ Id: id, BillingCity: 'Lyon', Website: null });
    const evs = await changes();
    const createEvent = must(evs[0], 'the CREATE event');
    const updateEvent = must(evs[1], 'the UPDATE event');
    expect(createEvent.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      changeType: 'CREATE',
      recordIds: [id],
      changeOrigin: 'com/salesforce/api/rest/62.0;client=sf-connector',
    });
    expect(createEvent.payload).toMatchObject({
      Name: 'Origin',
      BillingAddress: { City: 'Paris' },
    });
    expect(updateEvent.payload.ChangeEventHeader.changedFields).toEqual([
      'BillingAddress.City',
      'LastModifiedDate',
    ]);
    expect(updateEvent.event.replayId).toBeGreaterThan(createEvent.event.replayId);
    const other = await h.connect('hs-connector');
    await other.sobject('Account').update({ Id: id, Name: 'Other' });
    expect(
      (await changes(updateEvent.event.replayId)).map(
        (e) => e.payload.ChangeEventHeader.changeOrigin,
      ),
    ).toEqual(['com/salesforce/api/rest/62.0;client=hs-connector']);
  });
});
