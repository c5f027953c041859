/** Settings and mappings over real HTTP and Kafka: the toggle, SettingsChanged, mapping rules. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, testKafka, uniqueName, type Collector } from '@crm-sync/testing';
import { controlOf, startHarness, waitForControl, type Harness } from '../../test/harness.js';

let h: Harness;
let control: Collector;
beforeAll(async () => {
  h = await startHarness();
  control = await collect(testKafka(), h.controlTopic);
});
afterAll(async () => {
  await control.stop();
  await h.close();
});

async function newConnection(syncOn = false): Promise<string> {
  const id = uniqueName('c');
  expect((await h.call('POST', '/connections', { body: { id, name: id } })).status).toBe(201);
  if (syncOn) {
    expect(
      (await h.call('PATCH', `/connections/${id}/settings`, { body: { syncCompanies: true } }))
        .status,
    ).toBe(200);
  }
  return id;
}

describe('settings', () => {
  it('turning company sync on records syncEnabledAt (server time) and publishes the whole settings', async () => {
    const id = await newConnection();
    const before = Date.now();
    const res = await h.call('PATCH', `/connections/${id}/settings`, {
      body: { syncCompanies: true, defaultSalesforceObjectForNewContacts: 'Contact' },
    });
    const after = Date.now();
    expect(res.status).toBe(200);
    const body = res.body as {
      changed: boolean;
      revision: number;
      settings: { syncEnabledAt: string };
    };
    expect(body).toMatchObject({ changed: true, revision: 2, settings: { syncCompanies: true } });
    const enabledAt = Date.parse(body.settings.syncEnabledAt);
    expect(enabledAt).toBeGreaterThanOrEqual(before);
    expect(enabledAt).toBeLessThanOrEqual(after);

    const changes = await waitForControl(control.messages, id, 'sync.settings-changed.v1', 2);
    expect(changes[1]?.payload).toEqual({
      changedBy: 'bootstrap-key',
      settings: {
        connectionId: id,
        syncCompanies: true,
        syncEnabledAt: body.settings.syncEnabledAt,
        createAndAssociateCompaniesWithContacts: false,
        defaultSalesforceObjectForNewContacts: 'Contact',
        inclusionList: null,
        lifecycleRollup: true,
        deletePolicy: 'record_only',
        massSyncLimit: 200000,
        salesforceExternalIdField: 'HubSpot_Company_Id__c',
        apiBudget: {
          salesforceDailyShare: 0.5,
          salesforceMaxConcurrency: 10,
          hubspotDailyShare: 0.5,
          hubspotBurstShare: 0.8,
          backfillShare: 0.5,
        },
      },
    });
  });

  it('publishes nothing when nothing changes, and clears syncEnabledAt when sync goes off', async () => {
    const id = await newConnection(true);
    const same = await h.call('PATCH', `/connections/${id}/settings`, {
      body: { syncCompanies: true },
    });
    expect(same.body).toMatchObject({ changed: false, revision: 2 });
    const off = await h.call('PUT', `/connections/${id}/settings`, {
      body: { syncCompanies: false, massSyncLimit: 50 },
    });
    expect(off.body).toMatchObject({
      changed: true,
      revision: 3,
      settings: { syncEnabledAt: null, massSyncLimit: 50 },
    });
    const changes = await waitForControl(control.messages, id, 'sync.settings-changed.v1', 3);
    expect(changes.map((c) => c.payload.settings.syncCompanies)).toEqual([false, true, false]);
    expect((await h.call('GET', `/connections/${id}/settings`)).body).toMatchObject({
      revision: 3,
    });
  });

  it('refuses settings that would break the current mappings (422)', async () => {
    const id = await newConnection(true);
    const res = await h.call('PATCH', `/connections/${id}/settings`, {
      body: { salesforceExternalIdField: 'Site__c' },
    });
    expect(res.status).toBe(200);
    await h.call('POST', `/connections/${id}/mappings`, {
      body: {
        mapping: {
          hubspotProperty: 'hs_site',
          hubspotType: 'string',
          salesforceField: 'Other__c',
          salesforceType: 'string',
          rule: 'two_way',
        },
      },
    });
    const clash = await h.call('PATCH', `/connections/${id}/settings`, {
      body: { salesforceExternalIdField: 'Other__c' },
    });
    expect(clash.status).toBe(422);
    expect(clash.body).toMatchObject({
      message: expect.stringContaining(
        '"hs_site" ↔ "Other__c" uses a property or field the sync engine manages itself',
      ),
      details: { code: 'SETTINGS_CONFLICT_WITH_MAPPINGS' },
    });
  });
});

describe('field mappings', () => {
  const description = {
    hubspotProperty: 'description',
    hubspotType: 'string',
    salesforceField: 'Description',
    salesforceType: 'textarea',
    rule: 'two_way',
  };

  it('refuses edits while company sync is off (409) and says to turn it on', async () => {
    const id = await newConnection();
    const res = await h.call('DELETE', `/connections/${id}/mappings/phone`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Turn on company sync before editing company field mappings.',
      details: { code: 'COMPANY_SYNC_DISABLED' },
    });
  });

  it('explains every rule a mapping set breaks (422) and changes nothing', async () => {
    const id = await newConnection(true);
    const res = await h.call('PUT', `/connections/${id}/mappings`, {
      body: {
        mappings: [
          description,
          { ...description, salesforceField: 'Site' },
          {
            hubspotProperty: 'industry',
            hubspotType: 'enumeration',
            salesforceField: 'Industry',
            salesforceType: 'picklist',
            rule: 'two_way',
          },
          {
            hubspotProperty: 'numberofemployees',
            hubspotType: 'number',
            salesforceField: 'Name',
            salesforceType: 'string',
            rule: 'two_way',
          },
        ],
      },
    });
    expect(res.status).toBe(422);
    const body = res.body as {
      message: string;
      details: { problems: { index: number; code: string }[] };
    };
    expect(body.details.problems.map((p) => [p.index, p.code])).toEqual([
      [1, 'DUPLICATE_PROPERTY'],
      [2, 'INCOMPATIBLE_TYPES'],
      [3, 'INCOMPATIBLE_TYPES'],
    ]);
    expect(body.message).toContain('HubSpot property "description" is already mapped (mapping 1)');
    expect(body.message).toContain('needs a value map');
    expect(body.message).toContain(
      'a number property maps only to double, int, currency, percent fields',
    );
    expect((await h.call('GET', `/connections/${id}/mappings`)).body).toMatchObject({
      revision: 2,
    });
  });

  it('adds, removes and replaces, publishing the whole set each time', async () => {
    const id = await newConnection(true);
    const removed = await h.call('DELETE', `/connections/${id}/mappings/description`);
    expect(removed.body).toMatchObject({ changed: true, revision: 3, massSyncJob: null });
    const added = await h.call('POST', `/connections/${id}/mappings`, {
      body: { mapping: description },
    });
    expect(added.body).toMatchObject({ changed: true, revision: 4 });
    expect((await h.call('DELETE', `/connections/${id}/mappings/nosuch`)).status).toBe(404);
    const sets = await waitForControl(control.messages, id, 'sync.mappings-changed.v1', 3);
    expect(sets[1]?.payload.mappings.map((m) => m.hubspotProperty)).not.toContain('description');
    expect(sets[2]?.payload.mappings.at(-1)).toEqual(description);
    expect(sets[2]?.payload.massSyncJobId).toBeUndefined();
  });

  it('"apply to existing records" starts a mass sync job announced after the mappings that name it (R5)', async () => {
    const id = await newConnection(true);
    const res = await h.call('PUT', `/connections/${id}/mappings`, {
      body: { mappings: [description], applyToExisting: true },
    });
    expect(res.status).toBe(200);
    const job = (res.body as { massSyncJob: { jobId: string; kind: string; state: string } })
      .massSyncJob;
    expect(job).toMatchObject({ kind: 'mass_sync', state: 'requested' });
    const [changed] = await waitForControl(
      control.messages,
      id,
      'sync.mappings-changed.v1',
      2,
    ).then((m) => m.slice(1));
    expect(changed?.payload).toMatchObject({ mappings: [description], massSyncJobId: job.jobId });
    const [mass] = await waitForControl(control.messages, id, 'sync.mass-sync-requested.v1');
    expect(mass?.payload).toEqual({ jobId: job.jobId, requestedBy: 'bootstrap-key' });
    const types = controlOf(control.messages, id).map((m) => m.type);
    expect(types.slice(-2)).toEqual(['sync.mappings-changed.v1', 'sync.mass-sync-requested.v1']);
    expect((await h.call('GET', `/connections/${id}/jobs/${job.jobId}`)).body).toMatchObject({
      jobId: job.jobId,
      request: { kind: 'mass_sync', revision: 3 },
    });
  });
});
