import type { DecisionRecord } from '@crm-sync/domain';
import { MongoBulkWriteError, MongoServerError, type Collection, type Db } from 'mongodb';
import { companyHosts } from './company-hosts.js';
import type {
  AccountState,
  CompanyState,
  ConnectionConfig,
  HubSpotContactState,
  Link,
  PendingCreate,
  RecordedError,
  SalesforceContactState,
  StoredDecision,
  SyncStore,
} from './sync-store.port.js';

const DUPLICATE_KEY = 11000;

type Doc<T> = T & { _id: string; connectionId: string };

const id = (...parts: string[]) => parts.join(':');

/**
 * MongoDB adapter of the SyncStore (FerretDB locally). Documents are keyed by
 * `<connectionId>:<record id>` so a connection's data never mixes with another's.
 *
 * Every read on the hot path is a lookup by `_id`: FerretDB's SQLite backend pushes only `_id`
 * equality down to SQLite and scans (decoding every document) for anything else, which made a
 * 5,000-event run quadratic. Lookups by another value go through small index documents
 * (`<connectionId>:<value>` → ids) maintained on write; uniqueness that arbitrates races (one
 * link per account and per company, one pending create per source) is `_id` uniqueness.
 * On real MongoDB the same documents work and secondary indexes would serve as well.
 */
export class MongoSyncStore implements SyncStore {
  private readonly connections: Collection<Doc<ConnectionConfig>>;
  private readonly links: Collection<Doc<Link>>;
  private readonly accounts: Collection<Doc<AccountState>>;
  private readonly companies: Collection<
    Doc<CompanyState & { hosts: string[]; accountIdProperty: string | null }>
  >;
  private readonly hubspotContacts: Collection<
    Doc<HubSpotContactState & { salesforceContactId: string | null }>
  >;
  private readonly salesforceContacts: Collection<Doc<SalesforceContactState>>;
  private readonly pending: Collection<Doc<PendingCreate>>;
  private readonly decisions: Collection<
    DecisionRecord & { _id: string; connectionId: string; recordId: string }
  >;
  private readonly errors: Collection<Doc<RecordedError>>;
  /** Index documents: `<connectionId>:<kind>:<value>` → ids. */
  private readonly lookups: Collection<{ _id: string; ids: string[] }>;
  private readonly companyLinks: Collection<{ _id: string; accountId: string }>;

  constructor(private readonly db: Db) {
    this.connections = db.collection('connections');
    this.links = db.collection('links');
    this.accounts = db.collection('accounts');
    this.companies = db.collection('companies');
    this.hubspotContacts = db.collection('hubspot_contacts');
    this.salesforceContacts = db.collection('salesforce_contacts');
    this.pending = db.collection('pending_creates');
    this.decisions = db.collection('decisions');
    this.errors = db.collection('sync_errors');
    this.lookups = db.collection('lookups');
    this.companyLinks = db.collection('links_by_company');
  }

  private async lookup(c: string, kind: string, value: string): Promise<string[]> {
    return (await this.lookups.findOne({ _id: id(c, kind, value) }))?.ids ?? [];
  }

  private async reindex(
    c: string,
    kind: string,
    id0: string,
    before: readonly string[],
    after: readonly string[],
  ) {
    for (const v of before.filter((x) => !after.includes(x))) {
      await this.lookups.updateOne({ _id: id(c, kind, v) }, { $pull: { ids: id0 } });
    }
    for (const v of after.filter((x) => !before.includes(x))) {
      await this.lookups.updateOne(
        { _id: id(c, kind, v) },
        { $addToSet: { ids: id0 } },
        { upsert: true },
      );
    }
  }

  /** Parallel `_id` lookups (an `$in` on `_id` is a full scan on FerretDB/SQLite). */
  private async byIds<T extends { _id: string }>(
    col: Collection<T>,
    ids: readonly string[],
  ): Promise<T[]> {
    const docs = await Promise.all(ids.map((x) => col.findOne({ _id: x } as never)));
    return docs.filter((d): d is NonNullable<typeof d> => d !== null) as T[];
  }

  /** Creates the indexes the queries and the uniqueness rules need. Idempotent. */
  async ensureIndexes(): Promise<void> {
    // History and error reads (the settings API, not the hot path) filter by record.
    await this.decisions.createIndex({ connectionId: 1, recordId: 1, decidedAt: 1 }, {}, {});
    await this.errors.createIndex({ connectionId: 1, recordId: 1 }, {}, {});
  }

  async getConnection(c: string) {
    return strip(await this.connections.findOne({ _id: c }));
  }
  async putConnection(config: ConnectionConfig) {
    const c = config.settings.connectionId;
    await this.connections.replaceOne({ _id: c }, { connectionId: c, ...config }, { upsert: true });
  }

  async linkByAccount(c: string, accountId: string) {
    return strip(await this.links.findOne({ _id: id(c, accountId) }));
  }
  async linksByCompany(c: string, companyIds: readonly string[]) {
    const claims = await this.byIds(
      this.companyLinks,
      companyIds.map((x) => id(c, x)),
    );
    const links = await this.byIds(
      this.links,
      claims.map((l) => id(c, l.accountId)),
    );
    return stripAll(links);
  }
  async insertLink(c: string, link: Link) {
    // The company's claim first: its _id makes "one link per company" a uniqueness rule.
    try {
      await this.companyLinks.insertOne({ _id: id(c, link.companyId), accountId: link.accountId });
    } catch (e) {
      if (e instanceof MongoServerError && e.code === DUPLICATE_KEY) return false;
      throw e;
    }
    try {
      await this.links.insertOne({ _id: id(c, link.accountId), connectionId: c, ...link });
      return true;
    } catch (e) {
      await this.companyLinks.deleteOne({ _id: id(c, link.companyId), accountId: link.accountId });
      if (e instanceof MongoServerError && e.code === DUPLICATE_KEY) return false;
      throw e;
    }
  }
  async updateLink(c: string, link: Link) {
    await this.links.replaceOne({ _id: id(c, link.accountId) }, { connectionId: c, ...link });
  }

  async getAccount(c: string, accountId: string) {
    return strip(await this.accounts.findOne({ _id: id(c, accountId) }));
  }
  async putAccount(c: string, a: AccountState) {
    await this.accounts.replaceOne(
      { _id: id(c, a.accountId) },
      { connectionId: c, ...a },
      { upsert: true },
    );
  }
  async getCompany(c: string, companyId: string) {
    return stripCompany(await this.companies.findOne({ _id: id(c, companyId) }));
  }
  async getCompanies(c: string, companyIds: readonly string[]) {
    const docs = await this.byIds(
      this.companies,
      companyIds.map((x) => id(c, x)),
    );
    return docs.flatMap((d) => stripCompany(d) ?? []);
  }
  async putCompany(c: string, co: CompanyState) {
    const before = await this.companies.findOne({ _id: id(c, co.companyId) });
    const hosts = companyHosts(co.properties);
    const accountIdProperty = co.deleted ? null : (co.properties['salesforceaccountid'] ?? null);
    await this.companies.replaceOne(
      { _id: id(c, co.companyId) },
      { connectionId: c, ...co, hosts, accountIdProperty },
      { upsert: true },
    );
    await this.reindex(
      c,
      'host',
      co.companyId,
      before && !before.deleted ? before.hosts : [],
      co.deleted ? [] : hosts,
    );
    await this.reindex(
      c,
      'account-property',
      co.companyId,
      before?.accountIdProperty ? [before.accountIdProperty] : [],
      accountIdProperty ? [accountIdProperty] : [],
    );
  }
  async companiesByAccountIdProperty(c: string, accountId: string) {
    return this.getCompanies(c, await this.lookup(c, 'account-property', accountId));
  }
  async companiesByDomain(c: string, host: string) {
    return this.getCompanies(c, await this.lookup(c, 'host', host));
  }

  async setAssociation(c: string, companyId: string, contactId: string, present: boolean) {
    const op = present ? '$addToSet' : '$pull';
    await this.lookups.updateOne(
      { _id: id(c, 'company-contacts', companyId) },
      { [op]: { ids: contactId } },
      { upsert: present },
    );
    await this.lookups.updateOne(
      { _id: id(c, 'contact-companies', contactId) },
      { [op]: { ids: companyId } },
      { upsert: present },
    );
  }
  async contactsOfCompany(c: string, companyId: string) {
    return this.lookup(c, 'company-contacts', companyId);
  }
  async companiesOfContacts(c: string, contactIds: readonly string[]) {
    const lists = await Promise.all(
      contactIds.map(async (contactId) => ({
        contactId,
        companyIds: await this.lookup(c, 'contact-companies', contactId),
      })),
    );
    return lists.flatMap(({ contactId, companyIds }) =>
      companyIds.map((companyId) => ({ companyId, contactId })),
    );
  }

  async getHubSpotContacts(c: string, contactIds: readonly string[]) {
    const docs = await this.byIds(
      this.hubspotContacts,
      contactIds.map((x) => id(c, x)),
    );
    return docs.map(({ contactId, properties }) => ({ contactId, properties }));
  }
  async putHubSpotContact(c: string, contact: HubSpotContactState) {
    const _id = id(c, contact.contactId);
    const before = await this.hubspotContacts.findOne({ _id });
    const salesforceContactId = contact.properties['salesforcecontactid'] ?? null;
    await this.hubspotContacts.replaceOne(
      { _id },
      { connectionId: c, ...contact, salesforceContactId },
      { upsert: true },
    );
    await this.reindex(
      c,
      'sf-contact-hubspot',
      contact.contactId,
      before?.salesforceContactId ? [before.salesforceContactId] : [],
      salesforceContactId ? [salesforceContactId] : [],
    );
  }
  async hubSpotContactsSyncingWith(c: string, sfIds: readonly string[]) {
    const ids = (
      await Promise.all(sfIds.map((x) => this.lookup(c, 'sf-contact-hubspot', x)))
    ).flat();
    return this.getHubSpotContacts(c, [...new Set(ids)]);
  }
  async getSalesforceContacts(c: string, contactIds: readonly string[]) {
    return stripAll(
      await this.byIds(
        this.salesforceContacts,
        contactIds.map((x) => id(c, x)),
      ),
    );
  }
  async putSalesforceContact(c: string, contact: SalesforceContactState) {
    const _id = id(c, contact.contactId);
    const before = await this.salesforceContacts.findOne({ _id });
    await this.salesforceContacts.replaceOne(
      { _id },
      { connectionId: c, ...contact },
      { upsert: true },
    );
    await this.reindex(
      c,
      'account-sf-contacts',
      contact.contactId,
      before?.accountId ? [before.accountId] : [],
      contact.accountId ? [contact.accountId] : [],
    );
  }
  async salesforceContactsOfAccount(c: string, accountId: string) {
    return this.getSalesforceContacts(c, await this.lookup(c, 'account-sf-contacts', accountId));
  }

  async claimPendingCreate(c: string, p: PendingCreate) {
    const _id = id(c, p.target, p.sourceId);
    try {
      await this.pending.insertOne({ _id, connectionId: c, ...p });
      return undefined;
    } catch (e) {
      if (!(e instanceof MongoServerError && e.code === DUPLICATE_KEY)) throw e;
      return strip(await this.pending.findOne({ _id }));
    }
  }
  async getPendingCreate(c: string, target: PendingCreate['target'], sourceId: string) {
    return strip(await this.pending.findOne({ _id: id(c, target, sourceId) }));
  }
  async deletePendingCreate(c: string, target: PendingCreate['target'], sourceId: string) {
    await this.pending.deleteOne({ _id: id(c, target, sourceId) });
  }

  async appendDecisions(c: string, decisions: readonly StoredDecision[]) {
    if (decisions.length === 0) return;
    try {
      await this.decisions.insertMany(
        decisions.map(({ id: decisionId, ...d }) => ({
          ...d,
          _id: id(c, decisionId),
          connectionId: c,
          recordId: d.subject.recordId,
        })),
        { ordered: false },
      );
    } catch (e) {
      // A retried batch re-appends the same decisions: those already stored are skipped.
      if (!onlyDuplicates(e)) throw e;
    }
  }
  async decisionsFor(c: string, recordId: string) {
    const docs = await this.decisions
      .find({ connectionId: c, recordId })
      .sort({ decidedAt: 1 })
      .toArray();
    return docs.map(({ subject, rule, decision, causationId, decidedAt }) => ({
      subject,
      rule,
      decision,
      causationId,
      decidedAt,
    }));
  }
  async recordError(c: string, e: RecordedError) {
    const _id = id(c, e.system, e.recordId, e.code);
    await this.errors.replaceOne({ _id }, { connectionId: c, ...e }, { upsert: true });
  }
  async clearErrors(c: string, system: RecordedError['system'], recordId: string) {
    await this.errors.deleteMany({ connectionId: c, system, recordId });
  }
  async errorsFor(c: string, recordId: string) {
    return stripAll(await this.errors.find({ connectionId: c, recordId }).toArray());
  }

  get database(): Db {
    return this.db;
  }
}

function onlyDuplicates(e: unknown): boolean {
  if (!(e instanceof MongoBulkWriteError)) return false;
  const raw: unknown = e.writeErrors;
  const errors = (Array.isArray(raw) ? raw : [raw]) as { code?: unknown }[];
  return errors.every((w) => w.code === DUPLICATE_KEY);
}

function strip<T extends object>(
  doc: (T & { _id: unknown; connectionId: string }) | null,
): T | undefined {
  if (doc === null) return undefined;
  const { _id: _ignored, connectionId: _c, ...rest } = doc;
  return rest as unknown as T;
}

function stripAll<T extends object>(docs: (T & { _id: unknown; connectionId: string })[]): T[] {
  return docs.flatMap((d) => strip<T>(d) ?? []);
}

function stripCompany(
  doc:
    | (CompanyState & {
        _id: unknown;
        connectionId: string;
        hosts: string[];
        accountIdProperty: string | null;
      })
    | null,
): CompanyState | undefined {
  if (doc === null) return undefined;
  const { companyId, properties, propertyChangedAt, autoCreated, deleted } = doc;
  return { companyId, properties, propertyChangedAt, autoCreated, deleted };
}
