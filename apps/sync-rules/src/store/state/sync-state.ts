import { SyncErrorCategory } from '@crm-sync/domain';
import { companyHosts } from '../company-hosts.js';
import type {
  AccountState,
  CompanyState,
  ConnectionConfig,
  HubSpotContactState,
  Link,
  PendingCreate,
  RecordedError,
  SalesforceContactState,
} from '../sync-store.port.js';
import { accountCodec, companyCodec, type RowCodec } from './row-codecs.js';
import { MemoryStorage, type StateStorage } from './row-store.js';
import { SEP, Table, type Counters, type Indexers } from './table.js';

export interface JobState {
  readonly jobId: string;
  readonly cancelled: boolean;
}

export interface Association {
  readonly companyId: string;
  readonly contactId: string;
}

/**
 * Everything sync-rules remembers, per connection, in a `StateStorage` (a SQLite file outside
 * the JS heap in a service: `DiskStorage`). Its durable form is the compacted state changelog
 * topic (see `StateChangelog`): every change is written there in the same Kafka transaction as
 * the outputs and input offsets of the batch that made it, and a starting instance restores the
 * tables from it. Connection configs are the exception: every instance derives them from the
 * control topic itself.
 */
export class SyncState {
  readonly connections: Table<ConnectionConfig>;
  readonly links: Table<Link>;
  readonly accounts: Table<AccountState>;
  readonly companies: Table<CompanyState>;
  readonly associations: Table<Association>;
  readonly hubspotContacts: Table<HubSpotContactState>;
  readonly salesforceContacts: Table<SalesforceContactState>;
  readonly pending: Table<PendingCreate>;
  readonly errors: Table<RecordedError>;
  /** Jobs a person cancelled: their remaining items are skipped. */
  readonly jobs: Table<JobState>;

  /** The tables the changelog carries, by name. */
  readonly tables: ReadonlyMap<string, Table<unknown>>;

  constructor(readonly storage: StateStorage = new MemoryStorage()) {
    const table = <T>(
      name: string,
      indexers: Indexers<T> = {},
      counters: Counters<T> = {},
      codec?: RowCodec<T>,
    ) => new Table<T>(name, indexers, counters, codec, storage);
    this.connections = table('connections');
    this.links = table(
      'links',
      { company: (l) => [l.companyId] },
      { all: () => true, deletedSide: (l) => l.deletedOn !== null },
    );
    this.accounts = table('accounts', {}, { live: (a) => !a.deleted }, accountCodec);
    this.companies = table(
      'companies',
      {
        accountIdProperty: (co) => {
          const v = co.deleted ? null : co.properties['salesforceaccountid'];
          return v ? [v] : [];
        },
        host: (co) => (co.deleted ? [] : companyHosts(co.properties)),
      },
      { live: (co) => !co.deleted },
      companyCodec,
    );
    this.associations = table('associations', {
      company: (a) => [a.companyId],
      contact: (a) => [a.contactId],
    });
    this.hubspotContacts = table('hubspot_contacts', {
      salesforceContact: (h) => {
        const v = h.properties['salesforcecontactid'];
        return v ? [v] : [];
      },
    });
    this.salesforceContacts = table('salesforce_contacts', {
      account: (c) => (c.accountId === null ? [] : [c.accountId]),
    });
    this.pending = table('pending_creates');
    this.errors = table(
      'sync_errors',
      { record: (e) => [e.recordId], failing: (e) => [e.system + SEP + e.recordId] },
      {
        failingRecords: { distinctIn: 'failing' },
        ...Object.fromEntries(
          SyncErrorCategory.options.map((category) => [
            categoryCounter(category),
            (e: RecordedError) => e.category === category,
          ]),
        ),
      },
    );
    this.jobs = table('jobs');
    this.tables = new Map(
      (
        [
          this.links,
          this.accounts,
          this.companies,
          this.associations,
          this.hubspotContacts,
          this.salesforceContacts,
          this.pending,
          this.errors,
          this.jobs,
        ] as Table<unknown>[]
      ).map((t) => [t.name, t]),
    );
  }

  /** Releases the storage (a disk store's file goes with it). */
  close(): void {
    this.storage.close();
  }
}

const categoryCounter = (category: SyncErrorCategory) => `category:${category}`;

/** A connection's record counts, kept as rows change (what the settings API's status shows). */
export interface SyncCounts {
  readonly links: number;
  readonly linksWithDeletedSide: number;
  readonly accounts: number;
  readonly companies: number;
  /** Records (of either CRM) with at least one current sync error. */
  readonly failingRecords: number;
  /** Current sync errors by category; categories without any are left out. */
  readonly errorsByCategory: Readonly<Partial<Record<SyncErrorCategory, number>>>;
}

export function syncCounts(state: SyncState, connectionId: string): SyncCounts {
  const errorsByCategory: Partial<Record<SyncErrorCategory, number>> = {};
  for (const category of SyncErrorCategory.options) {
    const n = state.errors.count(categoryCounter(category), connectionId);
    if (n > 0) errorsByCategory[category] = n;
  }
  return {
    links: state.links.count('all', connectionId),
    linksWithDeletedSide: state.links.count('deletedSide', connectionId),
    accounts: state.accounts.count('live', connectionId),
    companies: state.companies.count('live', connectionId),
    failingRecords: state.errors.count('failingRecords', connectionId),
    errorsByCategory,
  };
}

/** A row id: the connection id, then the parts that make the row unique within it. */
export const rowId = (connectionId: string, ...parts: string[]) =>
  [connectionId, ...parts].join(SEP);

/**
 * One change of one row, as the changelog carries it: the row in its table's stored form
 * (`Table.toStored`; `row: null` removes the row).
 */
export interface StateRecord {
  readonly table: string;
  readonly id: string;
  readonly seq: number;
  readonly row: unknown;
  /** `JSON.stringify(row)` when the record's maker had it already (a row that is not removed). */
  readonly json?: string;
}
