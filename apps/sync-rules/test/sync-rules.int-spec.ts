/**
 * sync-rules end to end on the real broker and database: change events in, commands and
 * decisions out, as the connectors and the settings API would see them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  commandKey,
  recordKey,
  type HubSpotCommand,
  type SalesforceCommand,
} from '@crm-sync/domain';
import { fetchTopicOffsets, partitionForKey } from '@crm-sync/kafka';
import { waitFor } from '@crm-sync/testing';
import {
  accountChanged,
  AFTER,
  associated,
  BEFORE,
  companyChanged,
  contactChanged,
  hsId,
  mappings,
  salesforceContactChanged,
  settings,
  sfId,
  succeeded,
  succeededWriting,
} from './fixtures.js';
import { syncCounts } from '../src/store/state/sync-state.js';
import { SYNC_COUNTS_COLLECTION, type SyncCountsDoc } from '../src/store/counts-writer.js';
import { Harness, OWN } from './harness.js';

let h: Harness;
let c: string;

beforeAll(async () => {
  h = await Harness.start();
  c = h.connectionId;
  await h.configure(settings(c), mappings);
});

afterAll(async () => {
  await h.stop();
});

type CompanyUpsert = Extract<HubSpotCommand, { type: 'hubspot.upsert-company.v1' }>;
const upsertsFor = (accountId: string) =>
  h
    .hubspot()
    .filter(
      (x): x is CompanyUpsert =>
        x.type === 'hubspot.upsert-company.v1' && x.payload.salesforceAccountId === accountId,
    );
const commandsAbout = (id: string) =>
  [...h.hubspot(), ...h.salesforce()].filter((x) => JSON.stringify(x.payload).includes(id));

describe('R1–R3: company sync toggle and syncEnabledAt', () => {
  it('turns a new account into exactly one create-company command, with mapped values', async () => {
    const accountId = sfId('001');
    await h.send(
      accountChanged(c, {
        recordId: accountId,
        fields: { Name: 'Globex', Website: 'https://www.globex.example/x', Phone: '+1 555' },
      }),
    );
    const [upsert] = await waitFor(() =>
      upsertsFor(accountId).length > 0 ? upsertsFor(accountId) : undefined,
    );
    expect(upsert?.payload).toMatchObject({
      salesforceAccountId: accountId,
      properties: { name: 'Globex', domain: 'globex.example', phone: '+1 555' },
    });
    expect((await h.decision(accountId, 'account_sync')).decision).toEqual({
      kind: 'create',
      target: 'hubspot',
      reasons: ['NEW_ACCOUNT_AFTER_SYNC_ENABLED'],
    });
  });

  it('ignores an account created before sync was enabled until it changes after', async () => {
    const accountId = sfId('001');
    const old = accountChanged(c, {
      recordId: accountId,
      changeType: 'updated',
      createdDate: BEFORE,
      changedAt: BEFORE,
      fields: { Name: 'Old Co' },
    });
    const changed = accountChanged(c, {
      recordId: accountId,
      changeType: 'updated',
      createdDate: BEFORE,
      changedAt: AFTER(5),
      fields: { Name: 'Old Co 2' },
    });
    await h.send(old);
    const skipped = await h.decision(accountId, 'account_sync');
    expect(skipped.decision).toEqual({ kind: 'skip', reasons: ['CREATED_BEFORE_SYNC_ENABLED'] });
    await h.send(changed);
    await waitFor(() => upsertsFor(accountId).length > 0);
    // Same subject, same partition, in order: the first event produced nothing.
    expect(upsertsFor(accountId).map((u) => u.payload.causationId)).toEqual([changed.id]);
    expect(upsertsFor(accountId)[0]?.payload.properties['name']).toBe('Old Co 2');
  });

  it('emits nothing while sync is off, and records why', async () => {
    const off = await Harness.start();
    try {
      await off.configure(
        settings(off.connectionId, { syncCompanies: false, syncEnabledAt: null }),
        mappings,
      );
      const accountId = sfId('001');
      await off.send(accountChanged(off.connectionId, { recordId: accountId }));
      expect((await off.decision(accountId, 'account_sync')).decision).toEqual({
        kind: 'skip',
        reasons: ['SYNC_DISABLED'],
      });
      // Turn it on, change the account again: only that second change creates.
      await off.configure(settings(off.connectionId), mappings);
      const later = accountChanged(off.connectionId, {
        recordId: accountId,
        changeType: 'updated',
        changedAt: AFTER(9),
      });
      await off.send(later);
      const creates = await waitFor(() => {
        const u = off.hubspot().filter((x) => x.type === 'hubspot.upsert-company.v1');
        return u.length > 0 ? u : undefined;
      });
      expect(creates.map((x) => x.payload.causationId)).toEqual([later.id]);
    } finally {
      await off.stop();
    }
  });
});

describe('a Salesforce change topic resized away from the work topic', () => {
  // The decide stage then cannot read it co-partitioned: the route stage re-keys every
  // Salesforce change, accounts included, and the same commands come out.
  it('still turns a new account into one create and records a Salesforce contact', async () => {
    const resized = await Harness.start({ salesforceChangePartitions: 5 });
    try {
      const rc = resized.connectionId;
      await resized.configure(settings(rc), mappings);
      const accountId = sfId('001');
      const contactId = sfId('003');
      await resized.send(
        accountChanged(rc, { recordId: accountId, fields: { Name: 'Resized' } }),
        salesforceContactChanged(rc, {
          recordId: contactId,
          fields: { LastName: 'Routed', AccountId: accountId },
        }),
      );
      const upserts = () =>
        resized
          .hubspot()
          .filter(
            (x) =>
              x.type === 'hubspot.upsert-company.v1' && x.payload.salesforceAccountId === accountId,
          );
      await waitFor(() => upserts().length > 0);
      await waitFor(
        async () => (await resized.store.getSalesforceContacts(rc, [contactId])).length === 1,
      );
      expect(upserts()).toHaveLength(1);
      expect(await resized.store.getSalesforceContacts(rc, [contactId])).toEqual([
        { contactId, accountId },
      ]);
    } finally {
      await resized.stop();
    }
  });
});

/** HubSpot's answer to one of our writes, as the hs-connector reports it (`capturedBy: 'write'`). */
const answerToOwnWrite = (connectionId: string, p: Parameters<typeof companyChanged>[1]) =>
  companyChanged(connectionId, {
    changeSource: 'INTEGRATION',
    sourceId: OWN.hubspotAppId,
    capturedBy: 'write',
    ...p,
  });

describe('command results, read by the decide stage or routed', () => {
  // With the result topic partitioned like the work topic, the decide stage reads an upsert's
  // result itself (its key is the account's); resized, the route stage re-keys it. Same link.
  async function linksFromResult(harness: Harness) {
    const rc = harness.connectionId;
    await harness.configure(settings(rc), mappings);
    const accountId = sfId('001');
    await harness.send(accountChanged(rc, { recordId: accountId, fields: { Name: 'Result' } }));
    const upsert = await waitFor(() =>
      harness
        .hubspot()
        .find(
          (x) =>
            x.type === 'hubspot.upsert-company.v1' && x.payload.salesforceAccountId === accountId,
        ),
    );
    // The result carries the company as HubSpot answered the upsert.
    const companyId = hsId();
    const answer = answerToOwnWrite(rc, {
      recordId: companyId,
      properties: { name: 'Result', salesforceaccountid: accountId },
      changedAt: AFTER(4),
    });
    await harness.sendResult(succeededWriting(upsert, answer), commandKey(upsert));
    const link = await waitFor(() => harness.store.linkByAccount(rc, accountId));
    expect(link.companyId).toBe(companyId);
    // Its written company is known with it (decided in the same batch), as the echo of our
    // write: no decision, no command.
    const company = await waitFor(() => harness.store.getCompany(rc, companyId));
    expect(company.properties).toMatchObject({ name: 'Result', salesforceaccountid: accountId });
    expect(harness.decided(companyId).filter((d) => d.causationId === answer.id)).toEqual([]);
    expect(harness.salesforce().filter((x) => x.payload.causationId === answer.id)).toEqual([]);
  }

  it('links a created company from its result, read directly', async () => {
    await linksFromResult(h);
  });

  it('starts on the results where the route stage left them (an upgrade), deciding none twice', async () => {
    const up = await Harness.start();
    try {
      const rc = up.connectionId;
      await up.configure(settings(rc), mappings);
      const resultKey = (accountId: string) =>
        recordKey(rc, { system: 'salesforce', object: 'Account', recordId: accountId });
      const admin = up.kafka.admin();
      await admin.connect();
      try {
        const topic = up.topics.commandResults;
        const partitions = (await fetchTopicOffsets(admin, topic)).length;
        // Two new accounts whose results share a partition, so they are decided in order.
        const before = sfId('001');
        const partition = partitionForKey(resultKey(before), partitions);
        let after = sfId('001');
        while (partitionForKey(resultKey(after), partitions) !== partition) after = sfId('001');
        await up.send(
          accountChanged(rc, { recordId: before, fields: { Name: 'Routed before' } }),
          accountChanged(rc, { recordId: after, fields: { Name: 'Decided after' } }),
        );
        const upsertOf = (accountId: string) =>
          waitFor(() =>
            up
              .hubspot()
              .find(
                (x) =>
                  x.type === 'hubspot.upsert-company.v1' &&
                  x.payload.salesforceAccountId === accountId,
              ),
          );
        const [upsertBefore, upsertAfter] = [await upsertOf(before), await upsertOf(after)];
        const companyAfter = hsId();
        // The old version's route stage read the first result and committed past it.
        await up.restartEngines(async () => {
          await up.sendResult(succeeded(upsertBefore, hsId()), commandKey(upsertBefore));
          await up.sendResult(succeeded(upsertAfter, companyAfter), commandKey(upsertAfter));
          const end = (await fetchTopicOffsets(admin, topic)).find(
            (p) => p.partition === partition,
          );
          await admin.setOffsets({
            groupId: `${up.groupPrefix}-route`,
            topic,
            partitions: [{ partition, offset: String(Number(end?.high) - 1) }],
          });
        });
        const link = await waitFor(() => up.store.linkByAccount(rc, after));
        expect(link.companyId).toBe(companyAfter);
        // Same partition, earlier offset: had it been read, it would have been decided first.
        expect(await up.store.linkByAccount(rc, before)).toBeUndefined();
      } finally {
        await admin.disconnect();
      }
    } finally {
      await up.stop();
    }
  });

  it('links it the same when the result topic is resized away from the work topic', async () => {
    const resized = await Harness.start({ commandResultPartitions: 5 });
    try {
      await linksFromResult(resized);
    } finally {
      await resized.stop();
    }
  });
});

describe('R4: dedupe before creating a company', () => {
  async function seedCompany(properties: Record<string, string>) {
    const companyId = hsId();
    await h.send(companyChanged(c, { recordId: companyId, properties }));
    await h.decision(companyId, 'company_to_account');
    return companyId;
  }

  it('links by salesforceaccountid, then by website domain, then by shared contacts', async () => {
    const byId = sfId('001');
    const byDomain = sfId('001');
    const byContacts = sfId('001');
    // A company naming the account id is routed to (and owned by) that account's subject.
    const companyById = hsId();
    await h.send(
      companyChanged(c, {
        recordId: companyById,
        properties: { name: 'Initech', salesforceaccountid: byId },
      }),
    );
    await h.decision(companyById, 'company_sync');
    const companyByDomain = await seedCompany({ name: 'Hooli', domain: 'hooli.example' });
    const companyByContacts = await seedCompany({ name: 'Umbrella' });
    const sfContact = sfId('003');
    const hsContact = hsId();
    await h.send(
      salesforceContactChanged(c, {
        recordId: sfContact,
        fields: { LastName: 'Ng', AccountId: byContacts },
      }),
      contactChanged(c, { recordId: hsContact, properties: { salesforcecontactid: sfContact } }),
      associated(c, companyByContacts, hsContact),
    );
    await h.decision(companyByContacts, 'lifecycle', (d) => d.causationId !== '');
    await waitFor(
      async () =>
        (await h.store.salesforceContactsOfAccount(c, byContacts)).length === 1 &&
        (await h.store.hubSpotContactsSyncingWith(c, [sfContact])).length === 1 &&
        (await h.store.contactsOfCompany(c, companyByContacts)).length === 1,
    );

    await h.send(
      accountChanged(c, { recordId: byId, fields: { Name: 'Initech' } }),
      accountChanged(c, {
        recordId: byDomain,
        fields: { Name: 'Hooli Inc', Website: 'http://www.Hooli.example/about' },
      }),
      accountChanged(c, { recordId: byContacts, fields: { Name: 'Umbrella Corp' } }),
    );
    const steps = await Promise.all(
      [byId, byDomain, byContacts].map((id) => h.decision(id, 'dedupe')),
    );
    expect(steps.map((s) => s.decision)).toEqual([
      {
        kind: 'link',
        target: 'hubspot',
        recordId: companyById,
        step: 'account_id',
        reasons: ['DEDUPE_BY_ACCOUNT_ID'],
      },
      {
        kind: 'link',
        target: 'hubspot',
        recordId: companyByDomain,
        step: 'domain',
        reasons: ['DEDUPE_BY_DOMAIN'],
      },
      {
        kind: 'link',
        target: 'hubspot',
        recordId: companyByContacts,
        step: 'shared_contacts',
        reasons: ['DEDUPE_BY_SHARED_CONTACTS'],
      },
    ]);
    await waitFor(
      () =>
        h
          .salesforce()
          .filter(
            (x) =>
              x.type === 'salesforce.link-account.v1' &&
              [byId, byDomain, byContacts].includes(x.payload.accountId),
          ).length === 3,
    );
    for (const id of [byId, byDomain, byContacts]) expect(upsertsFor(id)).toEqual([]);
    expect((await h.store.linkByAccount(c, byDomain))?.companyId).toBe(companyByDomain);
  });

  it('creates nothing when two companies match, and records POSSIBLE_DUPLICATE naming both', async () => {
    const a = await seedCompany({ name: 'Dup A', domain: 'dup.example' });
    const b = await seedCompany({ name: 'Dup B', domain: 'www.dup.example' });
    const accountId = sfId('001');
    await h.send(
      accountChanged(c, { recordId: accountId, fields: { Name: 'Dup', Website: 'dup.example' } }),
    );
    const d = await h.decision(accountId, 'dedupe');
    expect(d.decision).toMatchObject({
      kind: 'conflict',
      step: 'domain',
      reasons: ['POSSIBLE_DUPLICATE', 'DEDUPE_BY_DOMAIN'],
    });
    expect(d.decision.kind === 'conflict' ? [...d.decision.candidates].sort() : []).toEqual(
      [a, b].sort(),
    );
    const [error] = await waitFor(async () => {
      const e = await h.store.errorsFor(c, accountId);
      return e.length > 0 ? e : undefined;
    });
    expect(error).toMatchObject({ code: 'POSSIBLE_DUPLICATE', category: 'duplicate' });
    expect(error?.message).toContain(a);
    expect(commandsAbout(accountId)).toEqual([]);
  });
});

describe('R6: company → account creation', () => {
  it('gives no account to a company whose contacts all sync with leads, and says why', async () => {
    const companyId = hsId();
    const contact = hsId();
    await h.send(
      contactChanged(c, {
        recordId: contact,
        properties: { salesforceleadid: sfId('00Q'), lifecyclestage: 'lead' },
      }),
    );
    await h.send(
      companyChanged(c, { recordId: companyId, properties: { name: 'Leads Only' } }),
      associated(c, companyId, contact),
    );
    const d = await h.decision(companyId, 'company_to_account', (x) =>
      x.decision.reasons.includes('ALL_CONTACTS_SYNC_WITH_LEADS'),
    );
    expect(d.decision).toEqual({ kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS'] });
    expect(
      h
        .salesforce()
        .filter(
          (x) =>
            x.type === 'salesforce.upsert-account.v1' && x.payload.hubspotCompanyId === companyId,
        ),
    ).toEqual([]);
    // The history reaches the read model the settings API answers "why?" from.
    await waitFor(
      async () =>
        (
          await h.db.db
            .collection('decisions')
            .find({ connectionId: c, recordId: companyId })
            .toArray()
        ).some((x) => x['rule'] === 'company_to_account'),
      { description: 'decision history in the read model' },
    );
  });

  it('creates the account for a contact syncing with a private Salesforce contact, then re-parents it', async () => {
    const companyId = hsId();
    const contact = hsId();
    const privateContact = sfId('003');
    await h.send(
      salesforceContactChanged(c, {
        recordId: privateContact,
        fields: { LastName: 'Solo', AccountId: null },
      }),
    );
    await waitFor(
      async () => (await h.store.getSalesforceContacts(c, [privateContact])).length === 1,
    );
    await h.send(
      contactChanged(c, { recordId: contact, properties: { salesforcecontactid: privateContact } }),
    );
    await waitFor(async () => (await h.store.getHubSpotContacts(c, [contact])).length === 1);
    await h.send(
      companyChanged(c, {
        recordId: companyId,
        properties: { name: 'Solo Ltd', domain: 'solo.example' },
      }),
      associated(c, companyId, contact),
    );

    const upsert = await waitFor(() =>
      h
        .salesforce()
        .find(
          (x): x is Extract<SalesforceCommand, { type: 'salesforce.upsert-account.v1' }> =>
            x.type === 'salesforce.upsert-account.v1' && x.payload.hubspotCompanyId === companyId,
        ),
    );
    expect(upsert.payload).toMatchObject({
      externalIdField: 'HubSpot_Company_Id__c',
      fields: { Name: 'Solo Ltd', Website: 'solo.example' },
    });
    const decision = await h.decision(
      companyId,
      'company_to_account',
      (x) => x.decision.kind === 'create',
    );
    expect(decision.decision).toMatchObject({
      kind: 'create',
      target: 'salesforce',
      reasons: expect.arrayContaining(['CONTACT_SYNCS_WITH_PRIVATE_CONTACT']) as unknown,
    });

    const newAccount = sfId('001');
    await h.sendResult(succeeded(upsert, newAccount), commandKey(upsert));
    const reparent = await waitFor(() =>
      h
        .salesforce()
        .find(
          (x) =>
            x.type === 'salesforce.reparent-contact.v1' && x.payload.contactId === privateContact,
        ),
    );
    expect(reparent.payload).toMatchObject({ contactId: privateContact, accountId: newAccount });
    expect((await h.store.linkByAccount(c, newAccount))?.companyId).toBe(companyId);
  });
});

describe('R7: lifecycle roll-up', () => {
  it('moves the company forward to its furthest contact stage, never back', async () => {
    const companyId = hsId();
    const [lead, customer] = [hsId(), hsId()];
    await h.send(
      contactChanged(c, {
        recordId: lead,
        properties: { lifecyclestage: 'lead', salesforceleadid: sfId('00Q') },
      }),
      contactChanged(c, {
        recordId: customer,
        properties: { lifecyclestage: 'customer', salesforceleadid: sfId('00Q') },
      }),
    );
    await waitFor(async () => (await h.store.getHubSpotContacts(c, [lead, customer])).length === 2);
    await h.send(
      companyChanged(c, {
        recordId: companyId,
        properties: { name: 'Stages', lifecyclestage: 'subscriber' },
      }),
      associated(c, companyId, lead),
      associated(c, companyId, customer),
    );
    const stageCommands = () =>
      h
        .hubspot()
        .filter(
          (x): x is Extract<HubSpotCommand, { type: 'hubspot.set-company-lifecycle-stage.v1' }> =>
            x.type === 'hubspot.set-company-lifecycle-stage.v1' &&
            x.payload.companyId === companyId,
        );
    await waitFor(() => stageCommands().some((x) => x.payload.lifecycleStage === 'customer'));

    // The customer contact drops back to lead: the company does not move backward.
    const back = contactChanged(c, {
      recordId: customer,
      properties: { lifecyclestage: 'lead' },
      changedAt: AFTER(20),
    });
    await h.send(back);
    const d = await h.decision(companyId, 'lifecycle', (x) => x.causationId === back.id);
    expect(d.decision).toEqual({ kind: 'skip', reasons: ['LIFECYCLE_NOT_FORWARD'] });
    // Forward only: straight to customer when both associations are seen at once, else lead
    // then customer; never back to lead.
    expect([['customer'], ['lead', 'customer']]).toContainEqual(
      stageCommands().map((x) => x.payload.lifecycleStage),
    );
  });
});

describe('R9 on a linked pair, echoes and edit storms', () => {
  async function linkedPair() {
    const accountId = sfId('001');
    const companyId = hsId();
    await h.send(
      companyChanged(c, {
        recordId: companyId,
        properties: { name: 'Pair', salesforceaccountid: accountId },
      }),
    );
    await h.decision(companyId, 'company_sync');
    await h.send(
      accountChanged(c, { recordId: accountId, fields: { Name: 'Pair', Description: 'from sf' } }),
    );
    await h.decision(accountId, 'dedupe');
    await waitFor(async () => (await h.store.linkByAccount(c, accountId)) !== undefined);
    return { accountId, companyId };
  }
  const updatesOf = (companyId: string) =>
    h
      .hubspot()
      .filter(
        (x): x is Extract<HubSpotCommand, { type: 'hubspot.update-company.v1' }> =>
          x.type === 'hubspot.update-company.v1' && x.payload.companyId === companyId,
      );

  /** A linked pair whose account was renamed, and the HubSpot update that rename caused. */
  async function renamedPair(name: string) {
    const { accountId, companyId } = await linkedPair();
    const change = accountChanged(c, {
      recordId: accountId,
      changeType: 'updated',
      fields: { Name: name },
      changedAt: AFTER(30),
    });
    await h.send(change);
    const update = await waitFor(() =>
      updatesOf(companyId).find((u) => u.payload.causationId === change.id),
    );
    return { companyId, update };
  }

  it('writes a Salesforce change to HubSpot and suppresses its echo', async () => {
    const { companyId, update } = await renamedPair('Pair Renamed');
    expect(update.payload.properties).toEqual({ name: 'Pair Renamed' });

    // HubSpot reports our own write back: no command, an echo decision.
    const echo = companyChanged(c, {
      recordId: companyId,
      changeType: 'updated',
      properties: { name: 'Pair Renamed' },
      changedAt: AFTER(31),
      changeSource: 'INTEGRATION',
      sourceId: OWN.hubspotAppId,
    });
    await h.send(echo);
    const d = await h.decision(companyId, 'echo', (x) => x.causationId === echo.id);
    expect(d.decision).toEqual({ kind: 'skip', reasons: ['ECHO_OF_OWN_WRITE'] });
    expect(h.salesforce().filter((x) => x.payload.causationId === echo.id)).toEqual([]);
  });

  it('records no decision for the answer of its own write, only for what HubSpot reports', async () => {
    const { companyId } = await renamedPair('Pair Answered');

    // The hs-connector publishes the written company from HubSpot's answer, then a person edits.
    const answer = answerToOwnWrite(c, {
      recordId: companyId,
      changeType: 'updated',
      properties: { name: 'Pair Answered' },
      changedAt: AFTER(31),
    });
    const edit = companyChanged(c, {
      recordId: companyId,
      changeType: 'updated',
      properties: { phone: '+1 555 0100' },
      changedAt: AFTER(32),
    });
    await h.send(answer);
    await h.send(edit);
    // Same company, same partition: once the edit is decided, the answer was too.
    await h.decision(companyId, 'company_sync', (x) => x.causationId === edit.id);
    expect(h.decided(companyId).filter((x) => x.causationId === answer.id)).toEqual([]);
    expect(h.salesforce().filter((x) => x.payload.causationId === answer.id)).toEqual([]);
  });

  it('lets a HubSpot edit through while the Salesforce field is blank, and not once it is set', async () => {
    const { accountId, companyId } = await linkedPair();
    const phone = companyChanged(c, {
      recordId: companyId,
      changeType: 'updated',
      properties: { phone: '+44 20' },
      changedAt: AFTER(40),
    });
    await h.send(phone);
    const write = await waitFor(() =>
      h
        .salesforce()
        .find(
          (x) => x.type === 'salesforce.update-account.v1' && x.payload.causationId === phone.id,
        ),
    );
    expect(
      write.type === 'salesforce.update-account.v1' ? write.payload.fields : undefined,
    ).toEqual({ Phone: '+44 20' });

    await h.send(
      accountChanged(c, {
        recordId: accountId,
        changeType: 'updated',
        fields: { Phone: '+1 212' },
        changedAt: AFTER(41),
      }),
    );
    await waitFor(() =>
      updatesOf(companyId).some((u) => u.payload.properties['phone'] === '+1 212'),
    );
    const again = companyChanged(c, {
      recordId: companyId,
      changeType: 'updated',
      properties: { phone: '+44 99' },
      changedAt: AFTER(42),
    });
    await h.send(again);
    // prefer_salesforce_unless_blank: the Salesforce value wins and is written back to HubSpot.
    const restore = await waitFor(() =>
      updatesOf(companyId).find((u) => u.payload.causationId === again.id),
    );
    expect(restore.payload.properties).toEqual({ phone: '+1 212' });
    expect(h.salesforce().filter((x) => x.payload.causationId === again.id)).toEqual([]);
  });

  it('settles an edit storm: every echo is recognised and produces nothing', async () => {
    const { accountId, companyId } = await linkedPair();
    const names = ['Storm 1', 'Storm 2', 'Storm 3', 'Storm 4', 'Storm 5'];
    const changes = names.map((n, i) =>
      accountChanged(c, {
        recordId: accountId,
        changeType: 'updated',
        fields: { Name: n },
        changedAt: AFTER(50 + i),
      }),
    );
    await h.send(...changes);
    await waitFor(
      () =>
        updatesOf(companyId).filter((u) => changes.some((ch) => ch.id === u.payload.causationId))
          .length === names.length,
    );
    // HubSpot echoes each of our writes, in order, marked as ours.
    const echoes = names.map((n, i) =>
      companyChanged(c, {
        recordId: companyId,
        changeType: 'updated',
        properties: { name: n },
        changedAt: AFTER(60 + i),
        changeSource: 'INTEGRATION',
        sourceId: OWN.hubspotAppId,
      }),
    );
    await h.send(...echoes);
    await Promise.all(
      echoes.map((e) => h.decision(companyId, 'echo', (x) => x.causationId === e.id)),
    );
    expect(
      h.salesforce().filter((x) => echoes.some((e) => e.id === x.payload.causationId)),
    ).toEqual([]);
    // Every name write was consumed by its echo (the link's own first write of Description stays pending).
    expect(Object.keys((await h.store.linkByAccount(c, accountId))?.ledger.hubspot ?? {})).toEqual([
      'description',
    ]);
  });
});

describe('status counts', () => {
  it('counts the connection’s live accounts as they come and go, and writes the counts for the settings API', async () => {
    const engine = h.engines[0];
    if (!engine) throw new Error('no engine');
    const before = syncCounts(engine.state, c);
    const [kept, removed] = [sfId('001'), sfId('001')];
    // "Other" has no HubSpot industry in the default value map: the account gets an error.
    const failing = sfId('001');
    await h.send(
      accountChanged(c, { recordId: kept }),
      accountChanged(c, { recordId: removed }),
      accountChanged(c, { recordId: failing, fields: { Name: 'Odd', Industry: 'Other' } }),
    );
    await h.decision(removed, 'account_sync');
    await h.decision(kept, 'account_sync');
    await h.send(
      accountChanged(c, { recordId: removed, changeType: 'deleted', changedAt: AFTER(30) }),
    );
    const propertyValueErrors = before.errorsByCategory.property_value ?? 0;
    const expected = {
      accounts: before.accounts + 2,
      failingRecords: before.failingRecords + 1,
      errorsByCategory: { ...before.errorsByCategory, property_value: propertyValueErrors + 1 },
    };
    await waitFor(
      () => {
        const now = syncCounts(engine.state, c);
        return now.accounts === expected.accounts && now.failingRecords === expected.failingRecords;
      },
      { description: 'two more live accounts and one more failing record in the engine' },
    );
    expect(syncCounts(engine.state, c)).toMatchObject(expected);
    expect(await h.store.errorsFor(c, failing)).toEqual([
      expect.objectContaining({ code: 'VALUE_NOT_IN_VALUE_MAP', category: 'property_value' }),
    ]);
    const written = await waitFor(
      async () => {
        const doc = await h.db.db
          .collection<SyncCountsDoc>(SYNC_COUNTS_COLLECTION)
          .findOne({ _id: c });
        return doc?.failingRecords === expected.failingRecords && doc.accounts === expected.accounts
          ? doc
          : undefined;
      },
      { description: 'the counts in the read model' },
    );
    expect(written).toMatchObject({ connectionId: c, ...syncCounts(engine.state, c) });
    expect(Date.parse(written.countedAt)).not.toBeNaN();
  });
});

describe('bad input', () => {
  it('sends a malformed event to the dead letter with its reason and keeps the partition going', async () => {
    const accountId = sfId('001');
    const key = `${c}:salesforce:Account:${accountId}`;
    await h.sendRaw(h.topics.salesforceChanges, key, '{"not": "an event"');
    await h.sendRaw(
      h.topics.salesforceChanges,
      key,
      JSON.stringify({ id: 'x', type: 'salesforce.account-changed.v1' }),
    );
    await h.send(accountChanged(c, { recordId: accountId }));
    await waitFor(() => upsertsFor(accountId).length === 1);
    const lettersFor = () =>
      h.deadLetters.messages
        .map(
          (m) =>
            JSON.parse(m.value) as {
              payload: { key: string; reason: string; originalTopic: string };
            },
        )
        .filter((l) => l.payload.key === key);
    // Committed with the upsert (one transaction), but read by another consumer: wait for it too.
    const letters = await waitFor(() => (lettersFor().length >= 2 ? lettersFor() : undefined), {
      description: 'both dead letters',
    });
    expect(letters).toHaveLength(2);
    expect(letters[0]?.payload.reason).toMatch(/not JSON/);
    expect(letters[1]?.payload.reason).toMatch(/connectionId|payload/);
    expect(letters[0]?.payload.originalTopic).toBe(h.topics.salesforceChanges);
  });
});
