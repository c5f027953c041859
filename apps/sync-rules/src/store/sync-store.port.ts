import type {
  ConnectionSettings,
  DecisionRecord,
  FieldMapping,
  HubSpotProperties,
  SalesforceFields,
  SyncErrorData,
  WriteLedger,
} from '@crm-sync/domain';

/**
 * Everything sync-rules remembers, per connection. Single writer per document: account, company,
 * link and pending-create documents are written only by the work partition that owns their
 * subject; HubSpot and Salesforce contact documents only by the router partition of that contact.
 * (FerretDB's updates are not atomic, so this ownership, not the database, prevents lost updates;
 * see docs/decisions.md.)
 */
export interface ConnectionConfig {
  readonly settings: ConnectionSettings;
  readonly mappings: readonly FieldMapping[];
}

export interface AccountState {
  readonly accountId: string;
  readonly fields: SalesforceFields;
  /** Per field: when it last changed (commit time or SystemModstamp of the event that held it). */
  readonly fieldChangedAt: Readonly<Record<string, string>>;
  readonly createdDate: string | null;
  readonly deleted: boolean;
}

export interface CompanyState {
  readonly companyId: string;
  readonly properties: HubSpotProperties;
  readonly propertyChangedAt: Readonly<Record<string, string>>;
  readonly autoCreated: boolean;
  readonly deleted: boolean;
}

export interface Link {
  readonly accountId: string;
  readonly companyId: string;
  readonly linkedAt: string;
  /** How the pair was made: a create, a dedupe step, or a person. */
  readonly via:
    'created_company' | 'created_account' | 'account_id' | 'domain' | 'shared_contacts' | 'manual';
  /** Our writes per side not yet echoed back (see `detectEcho`). */
  readonly ledger: { readonly salesforce: WriteLedger; readonly hubspot: WriteLedger };
  readonly deletedOn: 'salesforce' | 'hubspot' | null;
  /**
   * Per side: fields changed there while the other side's record was not known yet (a created
   * company whose first event has not arrived): merged as soon as it is.
   */
  readonly pendingMerge?: {
    readonly salesforce?: readonly string[];
    readonly hubspot?: readonly string[];
  };
}

export interface HubSpotContactState {
  readonly contactId: string;
  readonly properties: HubSpotProperties;
}

export interface SalesforceContactState {
  readonly contactId: string;
  /** null: a private contact. */
  readonly accountId: string | null;
}

/** A create in flight: the unique marker that stops a second create before the new id is known. */
export interface PendingCreate {
  readonly target: 'hubspot' | 'salesforce';
  /** The source record: the account for a company create, the company for an account create. */
  readonly sourceId: string;
  readonly commandId: string;
  readonly idempotencyKey: string;
  readonly causationId: string;
  readonly createdAt: string;
  readonly reparentContactIds: readonly string[];
}

export interface RecordedError extends SyncErrorData {
  readonly system: 'salesforce' | 'hubspot';
  readonly recordId: string;
  readonly occurredAt: string;
}

export type StoredDecision = DecisionRecord & { readonly id: string };

export interface SyncStore {
  getConnection(connectionId: string): Promise<ConnectionConfig | undefined>;
  putConnection(config: ConnectionConfig): Promise<void>;

  linkByAccount(connectionId: string, accountId: string): Promise<Link | undefined>;
  linksByCompany(connectionId: string, companyIds: readonly string[]): Promise<Link[]>;
  /** Inserts a link; false when the account or the company is linked already (unique indexes). */
  insertLink(connectionId: string, link: Link): Promise<boolean>;
  updateLink(connectionId: string, link: Link): Promise<void>;

  getAccount(connectionId: string, accountId: string): Promise<AccountState | undefined>;
  putAccount(connectionId: string, account: AccountState): Promise<void>;
  getCompany(connectionId: string, companyId: string): Promise<CompanyState | undefined>;
  getCompanies(connectionId: string, companyIds: readonly string[]): Promise<CompanyState[]>;
  putCompany(connectionId: string, company: CompanyState): Promise<void>;
  /** R4 step 1: companies whose `salesforceaccountid` is the account. */
  companiesByAccountIdProperty(connectionId: string, accountId: string): Promise<CompanyState[]>;
  /** R4 step 2: companies whose domain or additional domains hold the host. */
  companiesByDomain(connectionId: string, host: string): Promise<CompanyState[]>;

  setAssociation(
    connectionId: string,
    companyId: string,
    contactId: string,
    present: boolean,
  ): Promise<void>;
  contactsOfCompany(connectionId: string, companyId: string): Promise<string[]>;
  companiesOfContacts(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<{ companyId: string; contactId: string }[]>;

  getHubSpotContacts(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<HubSpotContactState[]>;
  putHubSpotContact(connectionId: string, contact: HubSpotContactState): Promise<void>;
  /** HubSpot contacts whose `salesforcecontactid` is one of these Salesforce contacts. */
  hubSpotContactsSyncingWith(
    connectionId: string,
    salesforceContactIds: readonly string[],
  ): Promise<HubSpotContactState[]>;
  getSalesforceContacts(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<SalesforceContactState[]>;
  putSalesforceContact(connectionId: string, contact: SalesforceContactState): Promise<void>;
  salesforceContactsOfAccount(
    connectionId: string,
    accountId: string,
  ): Promise<SalesforceContactState[]>;

  /** Inserts the marker; returns the existing one instead when a create is already pending. */
  claimPendingCreate(
    connectionId: string,
    pending: PendingCreate,
  ): Promise<PendingCreate | undefined>;
  getPendingCreate(
    connectionId: string,
    target: PendingCreate['target'],
    sourceId: string,
  ): Promise<PendingCreate | undefined>;
  deletePendingCreate(
    connectionId: string,
    target: PendingCreate['target'],
    sourceId: string,
  ): Promise<void>;

  /** Idempotent by `id`: a retried batch appends nothing twice. */
  appendDecisions(connectionId: string, decisions: readonly StoredDecision[]): Promise<void>;
  recordError(connectionId: string, error: RecordedError): Promise<void>;
  clearErrors(
    connectionId: string,
    system: RecordedError['system'],
    recordId: string,
  ): Promise<void>;
  errorsFor(connectionId: string, recordId: string): Promise<RecordedError[]>;
}
