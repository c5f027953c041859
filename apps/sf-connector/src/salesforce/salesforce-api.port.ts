import type { SalesforceObject, SalesforceValue } from '@crm-sync/domain';
import type { SaveError } from './errors.js';

/** One page of a SOQL query (REST `query` / `queryAll`). */
export interface QueryPage {
  readonly totalSize: number;
  readonly done: boolean;
  readonly nextRecordsUrl?: string | undefined;
  readonly records: readonly Readonly<Record<string, unknown>>[];
}

/** A save result of sObject Collections, aligned with the request's records. */
export interface SaveResult {
  readonly id?: string | null | undefined;
  readonly success: boolean;
  readonly errors: readonly SaveError[];
  /** Upserts only: true when the record was created. */
  readonly created?: boolean | undefined;
}

export interface DescribedField {
  readonly name: string;
  readonly type: string;
}

export interface DeletedRecord {
  readonly id: string;
  readonly deletedAt: number;
}

/** `Sforce-Limit-Info: api-usage=used/max` of the latest response. */
export interface OrgApiUsage {
  readonly used: number;
  readonly max: number;
}

export type WriteRecord = Readonly<Record<string, SalesforceValue>>;

/**
 * The Salesforce REST calls the connector makes, one method per API call (each costs exactly
 * one request against the org's daily allocation). Errors are thrown as the client throws them;
 * `BudgetedSalesforce` classifies them. Real adapter: `JsforceSalesforceApi`; twin for unit
 * tests: `InMemorySalesforceApi`.
 */
export interface SalesforceApi {
  /** Field names and types of an object (describe). */
  describe(object: SalesforceObject): Promise<readonly DescribedField[]>;
  /** First page of a SOQL query; `scanAll` includes deleted and merged records (queryAll). */
  query(soql: string, options: { readonly scanAll: boolean }): Promise<QueryPage>;
  /** The next page after `nextRecordsUrl`. */
  queryMore(nextRecordsUrl: string): Promise<QueryPage>;
  /** getDeleted: records deleted in [start, end) (minute resolution). */
  getDeleted(
    object: SalesforceObject,
    start: number,
    end: number,
  ): Promise<readonly DeletedRecord[]>;
  /** sObject Collections upsert by an external-id field (≤ 200 records, allOrNone false). */
  upsert(
    object: SalesforceObject,
    externalIdField: string,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]>;
  /** sObject Collections update (≤ 200 records with `Id`, allOrNone false). */
  update(object: SalesforceObject, records: readonly WriteRecord[]): Promise<readonly SaveResult[]>;
  /** The org's daily API allocation (`/limits`). */
  limits(): Promise<OrgApiUsage>;
  /** Usage reported by the latest response, when the org sent `Sforce-Limit-Info`. */
  lastUsage(): OrgApiUsage | undefined;
}
