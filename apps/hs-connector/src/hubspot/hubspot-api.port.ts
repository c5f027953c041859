import type { Priority } from '@crm-sync/connector-kit';

/** The CRM objects crm-sync reads and writes, as HubSpot's API paths name them. */
export type ObjectType = 'companies' | 'contacts';

/** One version of a property (`propertiesWithHistory`), newest first in a record. */
export interface PropertyVersion {
  readonly value: string;
  /** ISO instant. */
  readonly timestamp: string;
  readonly sourceType: string;
  readonly sourceId: string | undefined;
}

/** A record as read (batch read): current values and, for the properties asked, their history. */
export interface HubSpotRecord {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly history: Readonly<Record<string, readonly PropertyVersion[]>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ReadRequest {
  readonly object: ObjectType;
  /** At most `MAX_HISTORY_READ` ids when `history` is not empty, else `MAX_BATCH`. */
  readonly ids: readonly string[];
  readonly properties: readonly string[];
  readonly history: readonly string[];
}

/** Records modified within [from, to] (epoch ms, both inclusive), ids above `afterId`, by id. */
export interface ModifiedQuery {
  readonly object: ObjectType;
  readonly from: number;
  readonly to: number;
  readonly afterId: string | undefined;
  readonly limit: number;
}

export interface SearchHit {
  readonly id: string;
  /** hs_lastmodifieddate, epoch ms. */
  readonly modifiedAt: number;
}

export interface SearchPage {
  /** Matches of the whole query (HubSpot counts past the 10,000 it will page through). */
  readonly total: number;
  readonly hits: readonly SearchHit[];
}

/** One input of a batch write: upserts name the account id, updates the company id. */
export interface WriteInput {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
}

/**
 * A batch write's inputs, or what gives them when the request goes out, once it has waited for
 * the budget: a request formed then carries everything pending by then (`WriteCoalescer`). Each
 * attempt of the request (retries included) asks again and must get the same inputs.
 */
export type WriteInputs = readonly WriteInput[] | (() => readonly WriteInput[]);

export const inputsOf = (inputs: WriteInputs): readonly WriteInput[] =>
  typeof inputs === 'function' ? inputs() : inputs;

export interface WriteResult {
  /** The input id it answers (account id for upserts, company id for updates). */
  readonly inputId: string;
  readonly companyId: string;
  readonly created: boolean;
  /**
   * The written properties as HubSpot stored them, with `hs_lastmodifieddate` and the other
   * properties HubSpot always returns: what a read right after would show of them.
   */
  readonly properties: Readonly<Record<string, string | null>>;
  /** When HubSpot stored the write (the record's `updatedAt`). */
  readonly updatedAt: string;
}

/** One `errors[]` entry of a 207 multi-status answer. */
export interface WriteError {
  readonly status: number | undefined;
  readonly category: string;
  readonly message: string;
  /** Input ids the error names (`context.ids`); empty when HubSpot does not say. */
  readonly ids: readonly string[];
}

export interface BatchWriteResponse {
  readonly results: readonly WriteResult[];
  readonly errors: readonly WriteError[];
}

export interface ArchivedRecord {
  readonly id: string;
  /** ISO instant. */
  readonly archivedAt: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | undefined;
}

export interface ContactCompanies {
  readonly contactId: string;
  readonly companyIds: readonly string[];
}

/**
 * The HubSpot calls hs-connector makes, one method per API request, in our terms. Budgets,
 * retries, timeouts and token refresh are the adapter's business; a failure that survives them
 * is thrown as `HubSpotRequestError` (4xx answers, the daily limit, exhausted retries).
 */
export interface HubSpotApi {
  /** Batch read of active records; ids that do not exist (or are archived) are left out. */
  read(request: ReadRequest, priority: Priority): Promise<HubSpotRecord[]>;
  /** CRM search by hs_lastmodifieddate, sorted by id (keyset paging). */
  searchModified(query: ModifiedQuery, priority: Priority): Promise<SearchPage>;
  /** v4 batch read: the contacts of each company (companies without any are absent). */
  contactsOfCompanies(
    companyIds: readonly string[],
    priority: Priority,
  ): Promise<Map<string, string[]>>;
  /** v4 batch read: the companies of each contact. */
  companiesOfContacts(
    contactIds: readonly string[],
    priority: Priority,
  ): Promise<Map<string, string[]>>;
  /** Contacts in id order with their companies (list API with `associations=companies`). */
  listContactCompanies(
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ContactCompanies>>;
  /** Archived records in id order (the recycle bin). */
  listArchived(
    object: ObjectType,
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ArchivedRecord>>;
  /** Batch upsert of companies by `salesforceaccountid` (≤ 100 inputs, unique ids). */
  upsertCompanies(inputs: WriteInputs): Promise<BatchWriteResponse>;
  /** Batch update of companies by id (≤ 100 inputs, unique ids). */
  updateCompanies(inputs: WriteInputs): Promise<BatchWriteResponse>;
}

/**
 * The property `upsertCompanies` finds companies by: every company it writes holds the account
 * id there, the ones it creates included.
 */
export const UPSERT_ID_PROPERTY = 'salesforceaccountid';

/** HubSpot's batch limits. */
export const MAX_BATCH = 100;
export const MAX_HISTORY_READ = 50;
export const MAX_ASSOCIATION_READ = 1_000;
export const SEARCH_PAGE_SIZE = 200;
/** The search API never pages past this many results of one query. */
export const SEARCH_RESULT_CAP = 10_000;
