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
import { accountCodec, companyCodec } from './row-codecs.js';
import { SEP, Table } from './table.js';

export interface JobState {
  readonly jobId: string;
  readonly cancelled: boolean;
}

export interface Association {
  readonly companyId: string;
  readonly contactId: string;
}

/**
 * Everything sync-rules remembers, in memory, per connection. Its durable form is the compacted
 * state changelog topic (see `StateChangelog`): every change is written there in the same Kafka
 * transaction as the outputs and input offsets of the batch that made it, and a starting instance
 * restores the tables from it. Connection configs are the exception: every instance derives them
 * from the control topic itself.
 */
export class SyncState {
  readonly connections = new Table<ConnectionConfig>('connections');
  readonly links = new Table<Link>(
    'links',
    { company: (l) => [l.companyId] },
    { all: () => true, deletedSide: (l) => l.deletedOn !== null },
  );
  readonly accounts = new Table<AccountState>(
    'accounts',
    {},
    { live: (a) => !a.deleted },
    accountCodec,
  );
  readonly companies = new Table<CompanyState>(
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
  readonly associations = new Table<Association>('associations', {
    company: (a) => [a.companyId],
    contact: (a) => [a.contactId],
  });
  readonly hubspotContacts = new Table<HubSpotContactState>('hubspot_contacts', {
    salesforceContact: (h) => {
      const v = h.properties['salesforcecontactid'];
      return v ? [v] : [];
    },
  });
  readonly salesforceContacts = new Table<SalesforceContactState>('salesforce_contacts', {
    account: (s) => (s.accountId === null ? [] : [s.accountId]),
  });
  readonly pending = new Table<PendingCreate>('pending_creates');
  readonly errors = new Table<RecordedError>('sync_errors', { record: (e) => [e.recordId] });
  /** Jobs a person cancelled: their remaining items are skipped. */
  readonly jobs = new Table<JobState>('jobs');

  /** The tables the changelog carries, by name. */
  readonly tables: ReadonlyMap<string, Table<unknown>> = new Map(
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

/** A connection's record counts, kept as rows change (what the settings API's status shows). */
export interface SyncCounts {
  readonly links: number;
  readonly linksWithDeletedSide: number;
  readonly accounts: number;
  readonly companies: number;
}

export function syncCounts(state: SyncState, connectionId: string): SyncCounts {
  return {
    links: state.links.count('all', connectionId),
    linksWithDeletedSide: state.links.count('deletedSide', connectionId),
    accounts: state.accounts.count('live', connectionId),
    companies: state.companies.count('live', connectionId),
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
