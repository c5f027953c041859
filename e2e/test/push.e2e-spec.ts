/**
 * HubSpot push capture, end to end: hs-connector registers the app's webhook target and
 * subscriptions at start-up (Webhooks v3 API with the developer key), and HubSpot changes made by
 * a person through the API reach sync-rules and Salesforce by webhook. HubSpot polling is an hour
 * away, so a sync within seconds can only have come by push.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { SANDBOX_HUBSPOT, waitFor } from '@crm-sync/testing';
import { startE2eSystem, type E2eSystem } from './e2e-system.js';

const C = 'e2e-push';
/** Setting up a linked pair goes through Salesforce polling (1 s) and may take a while. */
const SLOW = { timeoutMs: 120_000, intervalMs: 250 };
/** What push must achieve: far below the HubSpot polling interval below. */
const PUSHED = { timeoutMs: 15_000, intervalMs: 100 };
const HUBSPOT_POLL_INTERVAL_MS = 60 * 60 * 1000;

let e2e: E2eSystem | undefined;
let api: E2eSystem['api'];
let sf: E2eSystem['sf'];
let hs: E2eSystem['hs'];
/** A person using HubSpot through the API (a token of no app: not one of our writes). */
let person: Client;

beforeAll(async () => {
  e2e = await startE2eSystem('e2e_push', C, {
    'sf-connector': { SF_POLL_INTERVAL_MS: '1000' },
    'hs-connector': {
      HUBSPOT_POLL_INTERVAL_MS: String(HUBSPOT_POLL_INTERVAL_MS),
      HUBSPOT_SWEEP_INTERVAL_MS: '0',
    },
  });
  ({ api, sf, hs } = e2e);
  person = new Client({
    accessToken: SANDBOX_HUBSPOT.userToken,
    basePath: e2e.system.urls['hubspot-sandbox'],
    numberOfApiCallRetries: 3,
  });
  const on = await api.send('PATCH', `/connections/${C}/settings`, { syncCompanies: true });
  expect(on.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await e2e?.stop();
});

const accountWhere = async <T>(fields: string, where: string) =>
  (await sf.query<T>(`SELECT ${fields} FROM Account WHERE ${where}`))[0];

describe('push capture', () => {
  it('is registered by hs-connector: target URL and active subscriptions of the app', async () => {
    const developer = new Client({
      developerApiKey: SANDBOX_HUBSPOT.developerApiKey,
      basePath: e2e?.system.urls['hubspot-sandbox'] ?? '',
    });
    const appId = Number(SANDBOX_HUBSPOT.appId);
    const settings = await developer.webhooks.settingsApi.getAll(appId);
    expect(settings.targetUrl).toBe(`${e2e?.system.urls['hs-connector'] ?? ''}/webhooks/hubspot`);
    const subscriptions = (await developer.webhooks.subscriptionsApi.getAll(appId)).results;
    const active = subscriptions
      .filter((s) => s.active)
      .map((s) => `${s.eventType}:${s.propertyName ?? ''}`);
    expect(active).toEqual(
      expect.arrayContaining([
        'company.creation:',
        'company.propertyChange:phone',
        'company.propertyChange:name',
        'contact.creation:',
        'contact.propertyChange:lifecyclestage',
        'contact.associationChange:',
      ]),
    );
  });

  it('carries a HubSpot edit of a linked company to its Salesforce account within seconds', async () => {
    const accountId = await sf.create('Account', {
      Name: 'Push Pair Ltd',
      Website: 'https://push-pair.example',
    });
    const company = await waitFor(async () => (await hs.companiesWithAccount(accountId))[0], {
      ...SLOW,
      description: `a HubSpot company for account ${accountId}`,
    });
    await waitFor(
      async () =>
        (await api.get<{ state?: string }>(`/connections/${C}/records/accounts/${accountId}`)).body
          .state === 'linked',
      { ...SLOW, description: 'the pair linked in the settings API' },
    );

    // The account has no phone: under prefer_salesforce_unless_blank HubSpot's value goes over.
    const editedAt = Date.now();
    await person.crm.companies.basicApi.update(company.id, {
      properties: { phone: '+1 555 0142' },
    });
    await waitFor(
      async () =>
        (await accountWhere<{ Phone: string | null }>('Phone', `Id = '${accountId}'`))?.Phone ===
        '+1 555 0142',
      { ...PUSHED, description: 'the phone on the Salesforce account, by push' },
    );
    expect(Date.now() - editedAt).toBeLessThan(PUSHED.timeoutMs);
  });

  it('lets sync-rules decide on a company created in HubSpot, and say why it made no account', async () => {
    const created = await person.crm.companies.basicApi.create({
      properties: { name: 'Push Alone Co', domain: 'push-alone.example' },
      associations: [],
    });
    const status = await waitFor(
      async () => {
        const r = await api.get(`/connections/${C}/records/companies/${created.id}`);
        return JSON.stringify(r.body).includes('NO_ASSOCIATED_CONTACTS') ? r.body : undefined;
      },
      { ...PUSHED, description: 'the NO_ASSOCIATED_CONTACTS decision, by push' },
    );
    expect(status).toBeTruthy();
    expect(await accountWhere('Id', `HubSpot_Company_Id__c = '${created.id}'`)).toBeUndefined();
  });

  it('creates the account for a company whose contact syncs with a private Salesforce contact', async () => {
    const privateContact = await sf.create('Contact', { LastName: 'Pushed Private' });
    const company = await person.crm.companies.basicApi.create({
      properties: { name: 'Push Contact Co' },
      associations: [],
    });
    const contact = await person.crm.contacts.basicApi.create({
      properties: { email: 'p@push-contact.example', salesforcecontactid: privateContact },
      associations: [],
    });
    await person.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    // The Salesforce contact reaches sync-rules by Salesforce polling; the company, the HubSpot
    // contact and their association only by push.
    const account = await waitFor(
      () =>
        accountWhere<{ Id: string; Name: string }>(
          'Id, Name',
          `HubSpot_Company_Id__c = '${company.id}'`,
        ),
      { ...SLOW, timeoutMs: 30_000, description: 'the account for the company' },
    );
    expect(account.Name).toBe('Push Contact Co');
  });
});
