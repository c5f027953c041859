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
 * `<connectionId>:<record id>` so a connection's data never mixes with another's; uniqueness that
 * arbitrates races (one link per company, one pending create per source) is a unique index.
 */
export class MongoSyncStore implements SyncStore {
  private readonly connections: Collection<Doc<ConnectionConfig>>;
  private readonly links: Collection<Doc<Link>>;
  private readonly accounts: Collection<Doc<AccountState>>;
  private readonly companies: Collection<
    Doc<CompanyState & { hosts: string[]; accountIdProperty: string | null }>
  >;
  private readonly associations: Collection<Doc<{ companyId: string; contactId: string }>>;
  private readonly hubspotContacts: Collection<
    Doc<HubSpotContactState & { salesforceContactId: string | null }>
  >;
  private readonly salesforceContacts: Collection<Doc<SalesforceContactState>>;
  private readonly pending: Collection<Doc<PendingCreate>>;
  private readonly decisions: Collection<
    DecisionRecord & { _id: string; connectionId: string; recordId: string }
  >;
  private readonly errors: Collection<Doc<RecordedError>>;

  constructor(private readonly db: Db) {
    this.connections = db.collection('connections');
    this.links = db.collection('links');
    this.accounts = db.collection('accounts');
    this.companies = db.collection('companies');
    this.associations = db.collection('associations');
    this.hubspotContacts = db.collection('hubspot_contacts');
    this.salesforceContacts = db.collection('salesforce_contacts');
    this.pending = db.collection('pending_creates');
    this.decisions = db.collection('decisions');
    this.errors = db.collection('sync_errors');
  }

  /** Creates the indexes the queries and the uniqueness rules need. Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.links.createIndex({ connectionId: 1, companyId: 1 }, { unique: true }, {});
    await this.companies.createIndex({ connectionId: 1, hosts: 1 }, {}, {});
    await this.companies.createIndex({ connectionId: 1, accountIdProperty: 1 }, {}, {});
    await this.associations.createIndex({ connectionId: 1, contactId: 1 }, {}, {});
    await this.associations.createIndex({ connectionId: 1, companyId: 1 }, {}, {});
    await this.hubspotContacts.createIndex({ connectionId: 1, salesforceContactId: 1 }, {}, {});
    await this.salesforceContacts.createIndex({ connectionId: 1, accountId: 1 }, {}, {});
    await this.decisions.createIndex({ connectionId: 1, recordId: 1, decidedAt: 1 }, {}, {});
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
    if (companyIds.length === 0) return [];
    return stripAll(
      await this.links.find({ connectionId: c, companyId: { $in: [...companyIds] } }).toArray(),
    );
  }
  async insertLink(c: string, link: Link) {
    try {
      await this.links.insertOne({ _id: id(c, link.accountId), connectionId: c, ...link });
      return true;
    } catch (e) {
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
    if (companyIds.length === 0) return [];
    const docs = await this.companies
      .find({ _id: { $in: companyIds.map((x) => id(c, x)) } })
      .toArray();
    return docs.flatMap((d) => stripCompany(d) ?? []);
  }
  async putCompany(c: string, co: CompanyState) {
    await this.companies.replaceOne(
      { _id: id(c, co.companyId) },
      {
        connectionId: c,
        ...co,
        hosts: companyHosts(co.properties),
        accountIdProperty: co.properties['salesforceaccountid'] ?? null,
      },
      { upsert: true },
    );
  }
  async companiesByAccountIdProperty(c: string, accountId: string) {
    const docs = await this.companies
      .find({ connectionId: c, accountIdProperty: accountId, deleted: false })
      .toArray();
    return docs.flatMap((d) => stripCompany(d) ?? []);
  }
  async companiesByDomain(c: string, host: string) {
    const docs = await this.companies
      .find({ connectionId: c, hosts: host, deleted: false })
      .toArray();
    return docs.flatMap((d) => stripCompany(d) ?? []);
  }

  async setAssociation(c: string, companyId: string, contactId: string, present: boolean) {
    const _id = id(c, companyId, contactId);
    if (present) {
      await this.associations.replaceOne(
        { _id },
        { connectionId: c, companyId, contactId },
        { upsert: true },
      );
    } else {
      await this.associations.deleteOne({ _id });
    }
  }
  async contactsOfCompany(c: string, companyId: string) {
    const docs = await this.associations.find({ connectionId: c, companyId }).toArray();
    return docs.map((d) => d.contactId);
  }
  async companiesOfContacts(c: string, contactIds: readonly string[]) {
    if (contactIds.length === 0) return [];
    const docs = await this.associations
      .find({ connectionId: c, contactId: { $in: [...contactIds] } })
      .toArray();
    return docs.map((d) => ({ companyId: d.companyId, contactId: d.contactId }));
  }

  async getHubSpotContacts(c: string, contactIds: readonly string[]) {
    if (contactIds.length === 0) return [];
    const docs = await this.hubspotContacts
      .find({ _id: { $in: contactIds.map((x) => id(c, x)) } })
      .toArray();
    return docs.map(({ contactId, properties }) => ({ contactId, properties }));
  }
  async putHubSpotContact(c: string, contact: HubSpotContactState) {
    const _id = id(c, contact.contactId);
    await this.hubspotContacts.replaceOne(
      { _id },
      {
        connectionId: c,
        ...contact,
        salesforceContactId: contact.properties['salesforcecontactid'] ?? null,
      },
      { upsert: true },
    );
  }
  async hubSpotContactsSyncingWith(c: string, sfIds: readonly string[]) {
    if (sfIds.length === 0) return [];
    const docs = await this.hubspotContacts
      .find({ connectionId: c, salesforceContactId: { $in: [...sfIds] } })
      .toArray();
    return docs.map(({ contactId, properties }) => ({ contactId, properties }));
  }
  async getSalesforceContacts(c: string, contactIds: readonly string[]) {
    if (contactIds.length === 0) return [];
    return stripAll(
      await this.salesforceContacts
        .find({ _id: { $in: contactIds.map((x) => id(c, x)) } })
        .toArray(),
    );
  }
  async putSalesforceContact(c: string, contact: SalesforceContactState) {
    const _id = id(c, contact.contactId);
    await this.salesforceContacts.replaceOne(
      { _id },
      { connectionId: c, ...contact },
      { upsert: true },
    );
  }
  async salesforceContactsOfAccount(c: string, accountId: string) {
    return stripAll(await this.salesforceContacts.find({ connectionId: c, accountId }).toArray());
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
