import {
  COMMAND_TYPES,
  decideAccountSync,
  decideCompanySync,
  decideCompanyToAccount,
  decideDedupe,
  decideLifecycleRollup,
  detectEcho,
  isBlank,
  linkedSalesforceRecord,
  mergeFields,
  normaliseWebsiteHost,
  recordWrites,
  syncErrorData,
  valuesForCreate,
  type AssociatedContact,
  type CommandResult,
  type CompanyCandidate,
  type FieldMapping,
  type FieldMergeResult,
  type HubSpotAssociationChange,
  type HubSpotCompanyChange,
  type OwnOrigin,
  type RecordRef,
  type SalesforceAccountChange,
  type SyncErrorData,
} from '@crm-sync/domain';
import type {
  AccountState,
  CompanyState,
  ConnectionConfig,
  Link,
  SyncStore,
} from '../store/sync-store.port.js';
import type { WorkItem } from '../work/work-item.js';
import { Effects } from './effects.js';
import type { Clock, ConnectionSource } from './ports.js';

/** Forwarding is bounded: a subject that keeps moving points at corrupt links, not at work. */
const MAX_HOPS = 3;

/**
 * A Salesforce contact we have not seen yet is not assumed private: R6 (b) would otherwise create
 * accounts from missing data. It becomes known with its first change event or import.
 */
const UNKNOWN_ACCOUNT = '(unknown)';

const accountRef = (accountId: string): RecordRef => ({
  system: 'salesforce',
  object: 'Account',
  recordId: accountId,
});
const companyRef = (companyId: string): RecordRef => ({
  system: 'hubspot',
  object: 'company',
  recordId: companyId,
});

export interface DeciderOptions {
  readonly store: SyncStore;
  readonly connections: ConnectionSource;
  readonly clock: Clock;
  readonly own: OwnOrigin;
}

/**
 * Applies SPEC R1–R9 to one work item of the subject this partition owns: updates the subject's
 * state, asks the domain rules, and collects commands and decisions as effects. All database
 * writes are idempotent (replacing state derived from the same inputs), because an aborted Kafka
 * transaction makes the same item come again.
 */
export class Decider {
  constructor(private readonly options: DeciderOptions) {}

  private get store(): SyncStore {
    return this.options.store;
  }

  async process(item: WorkItem): Promise<Effects> {
    const fx = new Effects(item, this.options.clock.now());
    const config = await this.options.connections.get(item.connectionId);
    if (!config) {
      // An unknown connection cannot have sync on: record why nothing happens.
      fx.decide(this.subjectRef(item), 'account_sync', {
        kind: 'skip',
        reasons: ['SYNC_DISABLED'],
      });
      return fx;
    }
    const cause = item.cause;
    if (cause.kind === 'result') {
      await this.onResult(item, cause.result, fx);
      return fx;
    }
    if (cause.kind === 'job') {
      await this.onJob(item, config, cause.job, fx);
      return fx;
    }
    if (cause.kind === 'contact') {
      if (await this.forwardIfLinked(item, cause.companyId, fx)) return fx;
      await this.evaluateCompany(item, config, cause.companyId, fx);
      return fx;
    }
    const p = cause.event.payload;
    switch (p.kind) {
      case 'salesforce_account':
        await this.onAccountChange(item, config, p, fx);
        break;
      case 'hubspot_company':
        await this.onCompanyChange(item, config, p, fx);
        break;
      case 'hubspot_association':
        await this.onAssociationChange(item, config, p, fx);
        break;
      default:
        // Contacts and leads are folded into state by the router; they never reach a subject.
        break;
    }
    return fx;
  }

  private subjectRef(item: WorkItem): RecordRef {
    return item.subject.kind === 'account'
      ? accountRef(item.subject.accountId)
      : companyRef(item.subject.companyId);
  }

  /** An item addressed to a company that is linked now belongs to the account's subject. */
  private async forwardIfLinked(item: WorkItem, companyId: string, fx: Effects): Promise<boolean> {
    if (item.subject.kind !== 'company') return false;
    const [link] = await this.store.linksByCompany(item.connectionId, [companyId]);
    if (!link) return false;
    if (item.hops < MAX_HOPS) {
      fx.forward({
        ...item,
        subject: { kind: 'account', accountId: link.accountId },
        hops: item.hops + 1,
      });
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Salesforce account changes (subject: the account)
  // ---------------------------------------------------------------------------------------------

  private async onAccountChange(
    item: WorkItem,
    config: ConnectionConfig,
    p: SalesforceAccountChange,
    fx: Effects,
  ) {
    const c = item.connectionId;
    const before = await this.store.getAccount(c, p.recordId);
    const changedFields = changedFieldsOf(before, p);
    const account = foldAccount(before, p, mappedFields(config.mappings, 'salesforce'));
    await this.store.putAccount(c, account);
    let link = await this.store.linkByAccount(c, p.recordId);
    // Company fields that waited for this account (see `awaitLinkedRecord`) merge with this change.
    let waiting: readonly string[] = [];
    if (link && p.changeType !== 'deleted' && p.changeType !== 'merged') {
      ({ link, fields: waiting } = await this.takeWaiting(c, link, 'hubspot'));
    }

    if (link && p.changeType !== 'deleted' && p.changeType !== 'merged') {
      const changed = pick(
        p.fields,
        mappedFields(config.mappings, 'salesforce').filter((f) => p.changedFields.includes(f)),
      );
      const echo = detectEcho({
        origin: { system: 'salesforce', changeOrigin: p.changeOrigin },
        own: this.options.own,
        changed,
        ledger: link.ledger.salesforce,
      });
      link = { ...link, ledger: { ...link.ledger, salesforce: echo.ledger } };
      await this.store.updateLink(c, link);
      if (echo.decision && p.changeType !== 'snapshot') {
        fx.decide(accountRef(p.recordId), 'echo', echo.decision);
        if (waiting.length > 0)
          await this.merge(item, config, link, account, 'hubspot', waiting, fx);
        return;
      }
    }

    const decision = decideAccountSync({
      settings: config.settings,
      change: { changeType: p.changeType, createdDate: p.createdDate, changedAt: p.changedAt },
      linked: link !== undefined,
    });
    fx.decide(accountRef(p.recordId), 'account_sync', decision);
    switch (decision.kind) {
      case 'create':
        await this.createCompanyFor(item, config, account, fx);
        return;
      case 'update':
        if (link)
          await this.merge(item, config, link, account, 'salesforce', changedFields, fx, {
            salesforce: changedFields,
            hubspot: waiting,
          });
        return;
      case 'delete':
      case 'skip':
        if (link && (p.changeType === 'deleted' || p.changeType === 'merged')) {
          await this.store.updateLink(c, { ...link, deletedOn: 'salesforce' });
        } else if (link && p.changeType === 'undeleted' && link.deletedOn === 'salesforce') {
          await this.store.updateLink(c, { ...link, deletedOn: null });
        }
        return;
    }
  }

  /** R4 then R2: link the account to the one company it duplicates, else create one. */
  private async createCompanyFor(
    item: WorkItem,
    config: ConnectionConfig,
    account: AccountState,
    fx: Effects,
  ) {
    const c = item.connectionId;
    const pending = await this.store.getPendingCreate(c, 'hubspot', account.accountId);
    if (pending && pending.causationId !== fx.causationId) return; // a create is in flight already

    const website =
      typeof account.fields['Website'] === 'string' ? account.fields['Website'] : null;
    const host = normaliseWebsiteHost(website);
    const byAccountId = await this.store.companiesByAccountIdProperty(c, account.accountId);
    const byDomain = host === null ? [] : await this.store.companiesByDomain(c, host);
    const bySharedContacts = await this.companiesSharingContacts(c, account.accountId);
    const all = [...byAccountId, ...byDomain, ...bySharedContacts];
    const links = await this.store.linksByCompany(c, [...new Set(all.map((x) => x.companyId))]);
    const linkedTo = new Map(links.map((l) => [l.companyId, l.accountId]));
    const candidate = (co: CompanyState): CompanyCandidate => ({
      companyId: co.companyId,
      linkedAccountId: linkedTo.get(co.companyId) ?? null,
      domain: co.properties['domain'] ?? null,
      additionalDomains: co.properties['hs_additional_domains'] ?? null,
    });
    const dedupe = decideDedupe({
      accountId: account.accountId,
      website,
      byAccountId: byAccountId.map(candidate),
      byDomain: byDomain.map(candidate),
      bySharedContacts: bySharedContacts.map(candidate),
    });
    fx.decide(accountRef(account.accountId), 'dedupe', dedupe);

    if (dedupe.kind === 'conflict') {
      await this.store.recordError(c, {
        ...syncErrorData(
          'POSSIBLE_DUPLICATE',
          'duplicate',
          `Several HubSpot companies match this account (${dedupe.step}): ${dedupe.candidates.join(', ')}. Link one or force a create.`,
        ),
        system: 'salesforce',
        recordId: account.accountId,
        occurredAt: fx.at,
      });
      return;
    }
    if (dedupe.kind === 'link') {
      const company = all.find((x) => x.companyId === dedupe.recordId);
      const link: Link = {
        accountId: account.accountId,
        companyId: dedupe.recordId,
        linkedAt: fx.at,
        via: dedupe.step,
        ledger: { salesforce: {}, hubspot: {} },
        deletedOn: null,
      };
      if (!(await this.store.insertLink(c, link)) && !(await this.isSameLink(c, link))) return;
      fx.command(COMMAND_TYPES.linkHubSpotCompany, {
        companyId: link.companyId,
        salesforceAccountId: link.accountId,
      });
      fx.command(COMMAND_TYPES.linkSalesforceAccount, {
        accountId: link.accountId,
        externalIdField: config.settings.salesforceExternalIdField,
        hubspotCompanyId: link.companyId,
      });
      if (company) {
        const changed = Object.keys(account.fields);
        await this.mergeWith(item, config, link, account, company, 'salesforce', changed, fx);
      }
      return;
    }
    const values = valuesForCreate({
      mappings: config.mappings,
      from: 'salesforce',
      values: account.fields,
    });
    await this.recordValueErrors(c, 'salesforce', account.accountId, values.errors, fx);
    const command = fx.command(
      COMMAND_TYPES.upsertHubSpotCompany,
      { salesforceAccountId: account.accountId, properties: values.hubspot },
      { create: true },
    );
    await this.store.claimPendingCreate(c, {
      target: 'hubspot',
      sourceId: account.accountId,
      commandId: command.commandId,
      idempotencyKey: command.idempotencyKey,
      causationId: fx.causationId,
      createdAt: fx.at,
      reparentContactIds: [],
    });
  }

  private async isSameLink(c: string, link: Link): Promise<boolean> {
    const existing = await this.store.linkByAccount(c, link.accountId);
    return existing?.companyId === link.companyId;
  }

  /** R4 step 3: companies of the HubSpot contacts that sync with this account's Salesforce contacts. */
  private async companiesSharingContacts(c: string, accountId: string): Promise<CompanyState[]> {
    const sfContacts = await this.store.salesforceContactsOfAccount(c, accountId);
    const hsContacts = await this.store.hubSpotContactsSyncingWith(
      c,
      sfContacts.map((s) => s.contactId),
    );
    const pairs = await this.store.companiesOfContacts(
      c,
      hsContacts.map((h) => h.contactId),
    );
    return this.store.getCompanies(c, [...new Set(pairs.map((p) => p.companyId))]);
  }

  // ---------------------------------------------------------------------------------------------
  // HubSpot company changes (subject: the linked account, else the company)
  // ---------------------------------------------------------------------------------------------

  private async onCompanyChange(
    item: WorkItem,
    config: ConnectionConfig,
    p: HubSpotCompanyChange,
    fx: Effects,
  ) {
    // Forward first: the new owner folds the change itself, so state is written once.
    if (await this.forwardIfLinked(item, p.recordId, fx)) return;
    const c = item.connectionId;
    const company = foldCompany(
      await this.store.getCompany(c, p.recordId),
      p,
      mappedFields(config.mappings, 'hubspot'),
    );
    await this.store.putCompany(c, company);

    let link: Link | undefined;
    if (item.subject.kind === 'account') {
      const accountId = item.subject.accountId;
      link = await this.store.linkByAccount(c, accountId);
      if (!link) {
        // The company we created for this account: its creation echo can overtake the result.
        // A company merely naming the account is linked by R4 step 1 when the account syncs.
        const pending = await this.store.getPendingCreate(c, 'hubspot', accountId);
        if (pending && company.properties['salesforceaccountid'] === accountId) {
          link = await this.linkCreated(c, accountId, p.recordId, 'created_company', fx);
        }
      } else if (link.companyId !== p.recordId) {
        fx.decide(companyRef(p.recordId), 'company_sync', {
          kind: 'skip',
          reasons: ['NOT_LINKED'],
        });
        return;
      }
    }

    if (!link) {
      const creation =
        p.changeType === 'created' || p.changeType === 'restored' || p.changeType === 'snapshot';
      if (item.subject.kind === 'company' && creation) {
        await this.evaluateCompany(item, config, p.recordId, fx);
      } else {
        fx.decide(
          companyRef(p.recordId),
          'company_sync',
          decideCompanySync({ settings: config.settings, changeType: p.changeType, linked: false }),
        );
      }
      return;
    }

    // Account fields that waited for this company (see `awaitLinkedRecord`) merge with this change.
    let waiting: readonly string[] = [];
    if (p.changeType !== 'deleted' && p.changeType !== 'merged') {
      ({ link, fields: waiting } = await this.takeWaiting(c, link, 'salesforce'));
    }
    if (p.changeType !== 'deleted' && p.changeType !== 'merged') {
      const changed = pick(
        p.properties,
        mappedFields(config.mappings, 'hubspot').filter((f) => p.changedProperties.includes(f)),
      );
      const echo = detectEcho({
        origin: { system: 'hubspot', sourceId: p.sourceId },
        own: this.options.own,
        changed,
        ledger: link.ledger.hubspot,
      });
      link = { ...link, ledger: { ...link.ledger, hubspot: echo.ledger } };
      await this.store.updateLink(c, link);
      if (echo.decision && p.changeType !== 'snapshot') {
        // HubSpot's answer to our own write (`capturedBy: 'write'`) is no change HubSpot
        // reported: the decision that made the write is in the history already.
        if (p.capturedBy !== 'write') fx.decide(companyRef(p.recordId), 'echo', echo.decision);
        const account = await this.store.getAccount(c, link.accountId);
        if (account && waiting.length > 0) {
          await this.mergeWith(item, config, link, account, company, 'salesforce', waiting, fx);
        }
        return;
      }
    }
    const decision = decideCompanySync({
      settings: config.settings,
      changeType: p.changeType,
      linked: true,
    });
    fx.decide(companyRef(p.recordId), 'company_sync', decision);
    if (decision.kind === 'update') {
      const account = await this.store.getAccount(c, link.accountId);
      if (account)
        await this.mergeWith(
          item,
          config,
          link,
          account,
          company,
          'hubspot',
          p.changedProperties,
          fx,
          { salesforce: waiting, hubspot: p.changedProperties },
        );
      else await this.awaitLinkedRecord(c, link, 'hubspot', p.changedProperties, fx);
    } else if (p.changeType === 'deleted' || p.changeType === 'merged') {
      await this.store.updateLink(c, { ...link, deletedOn: 'hubspot' });
    } else if (p.changeType === 'restored' && link.deletedOn === 'hubspot') {
      await this.store.updateLink(c, { ...link, deletedOn: null });
    }
  }

  private async linkCreated(
    c: string,
    accountId: string,
    companyId: string,
    via: Link['via'],
    fx: Effects,
  ): Promise<Link | undefined> {
    const link: Link = {
      accountId,
      companyId,
      linkedAt: fx.at,
      via,
      ledger: { salesforce: {}, hubspot: {} },
      deletedOn: null,
    };
    const inserted = await this.store.insertLink(c, link);
    await this.store.deletePendingCreate(
      c,
      via === 'created_company' ? 'hubspot' : 'salesforce',
      via === 'created_company' ? accountId : companyId,
    );
    return inserted ? link : this.store.linkByAccount(c, accountId);
  }

  private async onAssociationChange(
    item: WorkItem,
    config: ConnectionConfig,
    p: HubSpotAssociationChange,
    fx: Effects,
  ) {
    // The router recorded the association (in the contact's partition, in order with the
    // contact's own changes); here the company is evaluated with it.
    if (await this.forwardIfLinked(item, p.companyId, fx)) return;
    await this.evaluateCompany(item, config, p.companyId, fx);
  }

  /** R6 for an unlinked company, and R7 for any company, from the contacts it has now. */
  private async evaluateCompany(
    item: WorkItem,
    config: ConnectionConfig,
    companyId: string,
    fx: Effects,
  ) {
    const c = item.connectionId;
    const company = await this.store.getCompany(c, companyId);
    const contactIds = await this.store.contactsOfCompany(c, companyId);
    const known = new Map(
      (await this.store.getHubSpotContacts(c, contactIds)).map((h) => [h.contactId, h]),
    );
    const sfIds = [...known.values()].flatMap((h) => {
      const linked = linkedSalesforceRecord(h.properties);
      return linked?.object === 'Contact' ? [linked.id] : [];
    });
    const sfContacts = new Map(
      (await this.store.getSalesforceContacts(c, sfIds)).map((s) => [s.contactId, s]),
    );
    const contacts: AssociatedContact[] = contactIds.map((contactId) => {
      const properties = known.get(contactId)?.properties ?? {};
      const linked = linkedSalesforceRecord(properties);
      return {
        contactId,
        properties,
        syncsWith:
          linked === null
            ? null
            : linked.object === 'Lead'
              ? { object: 'Lead', id: linked.id }
              : {
                  object: 'Contact',
                  id: linked.id,
                  accountId: sfContacts.has(linked.id)
                    ? (sfContacts.get(linked.id)?.accountId ?? null)
                    : UNKNOWN_ACCOUNT,
                },
      };
    });

    if (item.subject.kind === 'company' && company && !company.deleted) {
      const decision = decideCompanyToAccount({
        settings: config.settings,
        company: { linked: false, autoCreated: company.autoCreated },
        contacts,
      });
      fx.decide(companyRef(companyId), 'company_to_account', decision);
      if (decision.kind === 'create')
        await this.createAccountFor(c, config, company, decision.reparentContactIds ?? [], fx);
    }

    if (item.subject.kind === 'account') {
      await this.reparentLatePrivateContacts(c, item.subject.accountId, contacts, fx);
    }

    if (company) {
      const rollup = decideLifecycleRollup({
        settings: config.settings,
        companyStage: company.properties['lifecyclestage'] ?? null,
        contactStages: contacts.map((x) => x.properties['lifecyclestage'] ?? null),
      });
      fx.decide(companyRef(companyId), 'lifecycle', rollup);
      const stage = rollup.kind === 'update' ? rollup.values?.['lifecyclestage'] : undefined;
      if (typeof stage === 'string') {
        fx.command(COMMAND_TYPES.setHubSpotCompanyLifecycleStage, {
          companyId,
          lifecycleStage: stage,
        });
        // Our view moves forward now, so a second contact change does not roll up again.
        await this.store.putCompany(c, {
          ...company,
          properties: { ...company.properties, lifecyclestage: stage },
          propertyChangedAt: { ...company.propertyChangedAt, lifecyclestage: fx.at },
        });
      }
    }
  }

  /**
   * R6's re-parenting, for private contacts that became known after the account was created
   * (capture of the two CRMs is not ordered): a contact of a company whose account we created
   * that syncs with a private Salesforce contact gets the account too.
   */
  private async reparentLatePrivateContacts(
    c: string,
    accountId: string,
    contacts: readonly AssociatedContact[],
    fx: Effects,
  ) {
    const link = await this.store.linkByAccount(c, accountId);
    if (link?.via !== 'created_account') return;
    for (const contact of contacts) {
      const s = contact.syncsWith;
      if (s?.object === 'Contact' && s.accountId === null) {
        fx.command(COMMAND_TYPES.reparentSalesforceContact, { contactId: s.id, accountId });
      }
    }
  }

  private async createAccountFor(
    c: string,
    config: ConnectionConfig,
    company: CompanyState,
    reparent: readonly string[],
    fx: Effects,
  ) {
    const pending = await this.store.getPendingCreate(c, 'salesforce', company.companyId);
    if (pending && pending.causationId !== fx.causationId) return;
    const values = valuesForCreate({
      mappings: config.mappings,
      from: 'hubspot',
      values: company.properties,
    });
    await this.recordValueErrors(c, 'hubspot', company.companyId, values.errors, fx);
    const command = fx.command(
      COMMAND_TYPES.upsertSalesforceAccount,
      {
        externalIdField: config.settings.salesforceExternalIdField,
        hubspotCompanyId: company.companyId,
        fields: values.salesforce,
      },
      { create: true },
    );
    await this.store.claimPendingCreate(c, {
      target: 'salesforce',
      sourceId: company.companyId,
      commandId: command.commandId,
      idempotencyKey: command.idempotencyKey,
      causationId: fx.causationId,
      createdAt: fx.at,
      reparentContactIds: [...reparent],
    });
  }

  // ---------------------------------------------------------------------------------------------
  // R5 and R8: jobs
  // ---------------------------------------------------------------------------------------------

  /**
   * A job item. Linked pair (subject: the account): push and pull every mapped field now, under
   * the sync rules (R8 resync, R5 mass sync). Unlinked company: a resync creates the account,
   * skipping R6's criteria (the upsert by the external-id field still prevents a duplicate); a
   * mass sync has nothing to apply to an unlinked company.
   */
  private async onJob(
    item: WorkItem,
    config: ConnectionConfig,
    job: 'resync' | 'mass_sync',
    fx: Effects,
  ) {
    const c = item.connectionId;
    const reason = job === 'resync' ? 'MANUAL_RESYNC' : 'MASS_SYNC';
    if (item.subject.kind === 'company') {
      const companyId = item.subject.companyId;
      if (await this.forwardIfLinked(item, companyId, fx)) return;
      const company = await this.store.getCompany(c, companyId);
      if (!company || company.deleted) {
        fx.decide(companyRef(companyId), 'job', { kind: 'skip', reasons: ['RECORD_UNKNOWN'] });
        return;
      }
      if (job === 'mass_sync' || !config.settings.syncCompanies) {
        fx.decide(companyRef(companyId), 'job', {
          kind: 'skip',
          reasons: [config.settings.syncCompanies ? 'NOT_LINKED' : 'SYNC_DISABLED'],
        });
        return;
      }
      fx.decide(companyRef(companyId), 'job', {
        kind: 'create',
        target: 'salesforce',
        reasons: [reason],
      });
      await this.createAccountFor(c, config, company, [], fx);
      return;
    }
    const accountId = item.subject.accountId;
    const link = await this.store.linkByAccount(c, accountId);
    const account = await this.store.getAccount(c, accountId);
    const company = link ? await this.store.getCompany(c, link.companyId) : undefined;
    if (!config.settings.syncCompanies) {
      fx.decide(accountRef(accountId), 'job', { kind: 'skip', reasons: ['SYNC_DISABLED'] });
      return;
    }
    if (!link || !account || !company) {
      fx.decide(accountRef(accountId), 'job', {
        kind: 'skip',
        reasons: [link ? 'RECORD_UNKNOWN' : 'NOT_LINKED'],
      });
      return;
    }
    fx.decide(accountRef(accountId), 'job', {
      kind: 'update',
      target: 'hubspot',
      reasons: [reason],
      values: {},
    });
    await this.mergeWith(item, config, link, account, company, 'salesforce', [], fx, {
      salesforce: mappedFields(config.mappings, 'salesforce'),
      hubspot: mappedFields(config.mappings, 'hubspot'),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // R9: field merge of a linked pair
  // ---------------------------------------------------------------------------------------------

  private async merge(
    item: WorkItem,
    config: ConnectionConfig,
    link: Link,
    account: AccountState,
    side: 'salesforce' | 'hubspot',
    changed: readonly string[],
    fx: Effects,
    both?: { readonly salesforce: readonly string[]; readonly hubspot: readonly string[] },
  ) {
    const company = await this.store.getCompany(item.connectionId, link.companyId);
    if (!company) {
      await this.awaitLinkedRecord(item.connectionId, link, side, changed, fx);
      return;
    }
    await this.mergeWith(item, config, link, account, company, side, changed, fx, both);
  }

  /**
   * A linked pair whose other record is not known yet (the company we created has not sent its
   * first event): its values cannot be compared, and pushing blindly could overwrite newer ones.
   * The changed fields wait on the link and are merged when the other record arrives.
   */
  private async awaitLinkedRecord(
    c: string,
    link: Link,
    side: 'salesforce' | 'hubspot',
    changed: readonly string[],
    fx: Effects,
  ) {
    const waiting = new Set([...(link.pendingMerge?.[side] ?? []), ...changed]);
    await this.store.updateLink(c, {
      ...link,
      pendingMerge: { ...link.pendingMerge, [side]: [...waiting].sort() },
    });
    const subject = side === 'salesforce' ? accountRef(link.accountId) : companyRef(link.companyId);
    fx.decide(subject, 'field_merge', { kind: 'skip', reasons: ['AWAITING_LINKED_RECORD'] });
  }

  /**
   * The fields of `side` that waited on the link for the other record (see `awaitLinkedRecord`),
   * taken off the link once both records are known; the caller merges them.
   */
  private async takeWaiting(
    c: string,
    link: Link,
    side: 'salesforce' | 'hubspot',
  ): Promise<{ link: Link; fields: readonly string[] }> {
    const fields = link.pendingMerge?.[side] ?? [];
    if (fields.length === 0) return { link, fields };
    const known =
      (await this.store.getAccount(c, link.accountId)) !== undefined &&
      (await this.store.getCompany(c, link.companyId)) !== undefined;
    if (!known) return { link, fields: [] };
    const { [side]: _taken, ...rest } = link.pendingMerge ?? {};
    const taken: Link = { ...link, pendingMerge: rest };
    await this.store.updateLink(c, taken);
    return { link: taken, fields };
  }

  private async mergeWith(
    item: WorkItem,
    config: ConnectionConfig,
    link: Link,
    account: AccountState,
    company: CompanyState,
    side: 'salesforce' | 'hubspot',
    changed: readonly string[],
    fx: Effects,
    /** Both sides' changed fields at once (a resync pushes and pulls); overrides `changed`. */
    both?: { readonly salesforce: readonly string[]; readonly hubspot: readonly string[] },
  ) {
    const c = item.connectionId;
    const result = mergeFields({
      mappings: config.mappings,
      salesforce: {
        values: account.fields,
        changedAt: account.fieldChangedAt,
        changed: both?.salesforce ?? (side === 'salesforce' ? changed : []),
      },
      hubspot: {
        values: company.properties,
        changedAt: company.propertyChangedAt,
        changed: both?.hubspot ?? (side === 'hubspot' ? changed : []),
      },
    });
    this.recordMerge(fx, link, result);
    await this.recordValueErrors(
      c,
      side,
      side === 'salesforce' ? link.accountId : link.companyId,
      result.errors,
      fx,
    );
    let ledger = link.ledger;
    if (Object.keys(result.hubspot).length > 0) {
      fx.command(COMMAND_TYPES.updateHubSpotCompany, {
        companyId: link.companyId,
        salesforceAccountId: link.accountId,
        properties: result.hubspot,
      });
      ledger = { ...ledger, hubspot: recordWrites(ledger.hubspot, result.hubspot, fx.at) };
    }
    if (Object.keys(result.salesforce).length > 0) {
      fx.command(COMMAND_TYPES.updateSalesforceAccount, {
        accountId: link.accountId,
        hubspotCompanyId: link.companyId,
        fields: result.salesforce,
      });
      ledger = { ...ledger, salesforce: recordWrites(ledger.salesforce, result.salesforce, fx.at) };
    }
    if (ledger !== link.ledger) await this.store.updateLink(c, { ...link, ledger });
  }

  private recordMerge(fx: Effects, link: Link, result: FieldMergeResult) {
    const reasonsOf = (kind: string) => [
      ...new Set(result.outcomes.filter((o) => o.kind === kind).map((o) => o.reason)),
    ];
    if (Object.keys(result.hubspot).length > 0) {
      const [first, ...rest] = reasonsOf('write_hubspot');
      if (first)
        fx.decide(companyRef(link.companyId), 'field_merge', {
          kind: 'update',
          target: 'hubspot',
          reasons: [first, ...rest],
          values: result.hubspot,
        });
    }
    if (Object.keys(result.salesforce).length > 0) {
      const [first, ...rest] = reasonsOf('write_salesforce');
      if (first)
        fx.decide(accountRef(link.accountId), 'field_merge', {
          kind: 'update',
          target: 'salesforce',
          reasons: [first, ...rest],
          values: result.salesforce,
        });
    }
    if (Object.keys(result.hubspot).length === 0 && Object.keys(result.salesforce).length === 0) {
      const [first, ...rest] = reasonsOf('skip');
      fx.decide(accountRef(link.accountId), 'field_merge', {
        kind: 'skip',
        reasons: [first ?? 'NOT_CHANGED', ...rest],
      });
    }
  }

  private async recordValueErrors(
    c: string,
    system: 'salesforce' | 'hubspot',
    recordId: string,
    errors: readonly SyncErrorData[],
    fx: Effects,
  ) {
    for (const e of errors)
      await this.store.recordError(c, { ...e, system, recordId, occurredAt: fx.at });
  }

  // ---------------------------------------------------------------------------------------------
  // Command results
  // ---------------------------------------------------------------------------------------------

  private async onResult(item: WorkItem, result: CommandResult, fx: Effects) {
    const c = item.connectionId;
    const r = result.payload;
    const subjectSystem = item.subject.kind === 'account' ? 'salesforce' : 'hubspot';
    const subjectId =
      item.subject.kind === 'account' ? item.subject.accountId : item.subject.companyId;
    if (r.outcome === 'failed') {
      // Recorded on the subject's record: where a person looks for why it did not sync.
      await this.store.recordError(c, {
        ...r.error,
        system: subjectSystem,
        recordId: subjectId,
        occurredAt: r.completedAt,
      });
      if (r.commandType === COMMAND_TYPES.upsertHubSpotCompany && item.subject.kind === 'account') {
        await this.store.deletePendingCreate(c, 'hubspot', item.subject.accountId);
      }
      if (
        r.commandType === COMMAND_TYPES.upsertSalesforceAccount &&
        item.subject.kind === 'company'
      ) {
        await this.store.deletePendingCreate(c, 'salesforce', item.subject.companyId);
      }
      return;
    }
    if (r.commandType === COMMAND_TYPES.upsertHubSpotCompany && item.subject.kind === 'account') {
      const existing = await this.store.linkByAccount(c, item.subject.accountId);
      if (!existing)
        await this.linkCreated(c, item.subject.accountId, r.recordId, 'created_company', fx);
      else await this.store.deletePendingCreate(c, 'hubspot', item.subject.accountId);
    } else if (r.commandType === COMMAND_TYPES.upsertSalesforceAccount) {
      const companyId = item.subject.kind === 'company' ? item.subject.companyId : undefined;
      if (companyId === undefined) return;
      const pending = await this.store.getPendingCreate(c, 'salesforce', companyId);
      await this.linkCreated(c, r.recordId, companyId, 'created_account', fx);
      for (const contactId of pending?.reparentContactIds ?? []) {
        fx.command(COMMAND_TYPES.reparentSalesforceContact, { contactId, accountId: r.recordId });
      }
    }
    await this.store.clearErrors(c, r.system, r.recordId);
  }
}

// ---------------------------------------------------------------------------------------------
// State folding
// ---------------------------------------------------------------------------------------------

/**
 * A create or snapshot carries the whole record (CDC creates omit null fields; polling and
 * imports read every mapped field), so a mapped field it lacks is known to be blank. Other
 * changes carry only what changed: what they lack stays as it was.
 */
function complete<V>(
  p: { readonly changeType: string },
  values: Readonly<Record<string, V | null>>,
  mapped: readonly string[],
): Record<string, V | null> {
  const out = { ...values };
  if (p.changeType !== 'created' && p.changeType !== 'snapshot') return out;
  const missing = mapped.filter((f) => !Object.hasOwn(out, f));
  return missing.length === 0
    ? out
    : { ...out, ...Object.fromEntries(missing.map((f) => [f, null])) };
}

/**
 * The fields a Salesforce change changed, as the merge must see them.
 * - CDC names them exactly (a blank there is a clear).
 * - Polling re-reads the whole record: a field counts as changed only where its value differs from
 *   the one known, else every blank field would "clear" its HubSpot property and every field
 *   would look newer than the other side's in a two-way merge. A blank never seen is no change.
 * - An import, a manual resync or a replay asks for the record to be synced as it is: every field
 *   with a value counts (so a newly mapped field is filled), but a blank clears nothing, since it
 *   may never have been a clear.
 */
function changedFieldsOf(
  before: AccountState | undefined,
  p: SalesforceAccountChange,
): readonly string[] {
  switch (p.capturedBy) {
    case 'cdc':
      return p.changedFields;
    case 'poll':
      return p.changedFields.filter((f) => {
        const value = p.fields[f];
        const known = before?.fields[f];
        return known === undefined ? !isBlank(value) : known !== value;
      });
    default:
      return p.changedFields.filter((f) => !isBlank(p.fields[f]));
  }
}

function foldAccount(
  before: AccountState | undefined,
  p: SalesforceAccountChange,
  mapped: readonly string[],
): AccountState {
  const fieldChangedAt = { ...(before?.fieldChangedAt ?? {}) };
  const fields = complete(p, p.fields, mapped);
  const touched =
    p.changeType === 'created' || p.changeType === 'snapshot'
      ? Object.keys(fields)
      : changedFieldsOf(before, p);
  for (const f of touched) {
    const prev = fieldChangedAt[f];
    if (prev === undefined || Date.parse(prev) <= Date.parse(p.changedAt))
      fieldChangedAt[f] = p.changedAt;
  }
  return {
    accountId: p.recordId,
    fields: { ...(before?.fields ?? {}), ...fields },
    fieldChangedAt,
    createdDate: p.createdDate ?? before?.createdDate ?? null,
    deleted:
      p.changeType === 'deleted' || p.changeType === 'merged'
        ? true
        : p.changeType === 'undeleted'
          ? false
          : (before?.deleted ?? false),
  };
}

function foldCompany(
  before: CompanyState | undefined,
  p: HubSpotCompanyChange,
  mapped: readonly string[],
): CompanyState {
  return {
    companyId: p.recordId,
    properties: { ...(before?.properties ?? {}), ...complete(p, p.properties, mapped) },
    propertyChangedAt: { ...(before?.propertyChangedAt ?? {}), ...p.propertyChangedAt },
    autoCreated: p.autoCreated || (before?.autoCreated ?? false),
    deleted:
      p.changeType === 'deleted' || p.changeType === 'merged'
        ? true
        : p.changeType === 'restored'
          ? false
          : (before?.deleted ?? false),
  };
}

/** Per mappings version (the store shares one frozen list per version): the synced fields. */
const mappedBySide = new WeakMap<
  readonly FieldMapping[],
  { readonly salesforce: readonly string[]; readonly hubspot: readonly string[] }
>();

function mappedFields(
  mappings: readonly FieldMapping[],
  side: 'salesforce' | 'hubspot',
): readonly string[] {
  let sides = mappedBySide.get(mappings);
  if (sides === undefined) {
    const synced = mappings.filter((m) => m.rule !== 'dont_sync');
    sides = {
      salesforce: synced.map((m) => m.salesforceField),
      hubspot: synced.map((m) => m.hubspotProperty),
    };
    mappedBySide.set(mappings, sides);
  }
  return sides[side];
}

function pick<V>(values: Readonly<Record<string, V>>, keys: readonly string[]): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of keys) if (k in values) out[k] = values[k] as V;
  return out;
}
