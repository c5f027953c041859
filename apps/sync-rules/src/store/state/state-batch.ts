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
} from '../sync-store.port.js';
import {
  rowId,
  type Association,
  type JobState,
  type StateRecord,
  type SyncState,
} from './sync-state.js';
import { RowIndex } from './row-store.js';
import { indexKey, SEP, type Table } from './table.js';

/**
 * The SyncStore one batch works with: reads see the committed state plus this batch's own
 * writes; writes are staged here and become state only when the batch's Kafka transaction
 * commits (`commit`), or vanish when it aborts. So a retried batch starts from exactly the state
 * its first try saw, and another partition never reads what might still be rolled back.
 *
 * Decision history is not kept in memory: it goes to the decisions topic (the decide stage
 * produces it) and from there to the read model, so `appendDecisions` has nothing to do.
 */
export class StateBatch implements SyncStore {
  private readonly staged = new Map<Table<unknown>, Map<string, unknown>>();
  /**
   * Per table, the staged rows by index (`<index><SEP><index key>`), so a lookup costs the same
   * however many rows the batch staged. A row staged again keeps its earlier entries: `find`
   * checks each candidate's current values.
   */
  private readonly stagedIndex = new Map<Table<unknown>, RowIndex>();

  constructor(
    private readonly state: SyncState,
    /** Sequence numbers: time-based and above the held row's, so newer writes win. */
    private readonly nowMicros: () => number,
  ) {}

  /**
   * The staged changes as changelog records (empty when the batch changed nothing). A row
   * written back as it is held (a rule that stores what it read) is no change: no record, so
   * the changelog, every replica and the read model skip it.
   */
  records(): StateRecord[] {
    const now = this.nowMicros();
    const out: StateRecord[] = [];
    for (const [table, rows] of this.staged) {
      for (const [id, row] of rows) {
        // Serialized once: compared here, then written to the changelog and into the state.
        const stored = row === null || row === undefined ? null : table.toStored(row);
        const json = stored === null ? undefined : JSON.stringify(stored);
        const held = table.stored(id);
        if (held?.json === json) continue;
        const seq = Math.max(now, (held?.seq ?? 0) + 1);
        const record = { table: table.name, id, seq, row: stored };
        out.push(json === undefined ? record : { ...record, json });
      }
    }
    return out;
  }

  // -- generic access ------------------------------------------------------------------------

  private read<T>(table: Table<T>, id: string): T | undefined {
    const rows = this.staged.get(table as Table<unknown>);
    if (rows?.has(id)) return (rows.get(id) ?? undefined) as T | undefined;
    return table.get(id);
  }

  private write<T>(table: Table<T>, id: string, row: T | undefined): void {
    const key = table as Table<unknown>;
    let rows = this.staged.get(key);
    if (rows === undefined) this.staged.set(key, (rows = new Map<string, unknown>()));
    rows.set(id, row ?? null);
    if (row === undefined) return;
    let index = this.stagedIndex.get(key);
    for (const [name, at] of table.indexEntries(id, row)) {
      if (index === undefined) this.stagedIndex.set(key, (index = new RowIndex()));
      index.add(name + SEP + at, id);
    }
  }

  private find<T>(table: Table<T>, index: string, c: string, value: string): T[] {
    const ids = new Set(table.idsBy(index, c, value));
    const staged = this.stagedIndex
      .get(table as Table<unknown>)
      ?.ids(index + SEP + indexKey(c, value));
    if (staged) for (const id of staged) ids.add(id);
    const out: T[] = [];
    for (const id of ids) {
      const row = this.read(table, id);
      if (row !== undefined && table.valuesOf(index, row).includes(value)) out.push(row);
    }
    return out;
  }

  // -- SyncStore -----------------------------------------------------------------------------

  getConnection(c: string): Promise<ConnectionConfig | undefined> {
    return Promise.resolve(this.state.connections.getShared(c));
  }
  putConnection(): Promise<void> {
    return Promise.reject(new Error('connections come from the control topic, not from batches'));
  }

  linkByAccount(c: string, accountId: string): Promise<Link | undefined> {
    return Promise.resolve(this.read(this.state.links, rowId(c, accountId)));
  }
  linksByCompany(c: string, companyIds: readonly string[]): Promise<Link[]> {
    return Promise.resolve(
      companyIds.flatMap((id) => this.find(this.state.links, 'company', c, id)),
    );
  }
  async insertLink(c: string, link: Link): Promise<boolean> {
    if (this.read(this.state.links, rowId(c, link.accountId))) return false;
    if ((await this.linksByCompany(c, [link.companyId])).length > 0) return false;
    this.write(this.state.links, rowId(c, link.accountId), link);
    return true;
  }
  updateLink(c: string, link: Link): Promise<void> {
    this.write(this.state.links, rowId(c, link.accountId), link);
    return Promise.resolve();
  }

  getAccount(c: string, accountId: string): Promise<AccountState | undefined> {
    return Promise.resolve(this.read(this.state.accounts, rowId(c, accountId)));
  }
  putAccount(c: string, account: AccountState): Promise<void> {
    this.write(this.state.accounts, rowId(c, account.accountId), account);
    return Promise.resolve();
  }
  getCompany(c: string, companyId: string): Promise<CompanyState | undefined> {
    return Promise.resolve(this.read(this.state.companies, rowId(c, companyId)));
  }
  getCompanies(c: string, companyIds: readonly string[]): Promise<CompanyState[]> {
    return Promise.resolve(
      companyIds.flatMap((id) => this.read(this.state.companies, rowId(c, id)) ?? []),
    );
  }
  putCompany(c: string, company: CompanyState): Promise<void> {
    this.write(this.state.companies, rowId(c, company.companyId), company);
    return Promise.resolve();
  }
  companiesByAccountIdProperty(c: string, accountId: string): Promise<CompanyState[]> {
    return Promise.resolve(this.find(this.state.companies, 'accountIdProperty', c, accountId));
  }
  companiesByDomain(c: string, host: string): Promise<CompanyState[]> {
    return Promise.resolve(this.find(this.state.companies, 'host', c, host));
  }

  setAssociation(c: string, companyId: string, contactId: string, present: boolean): Promise<void> {
    const row: Association | undefined = present ? { companyId, contactId } : undefined;
    this.write(this.state.associations, rowId(c, companyId, contactId), row);
    return Promise.resolve();
  }
  contactsOfCompany(c: string, companyId: string): Promise<string[]> {
    return Promise.resolve(
      this.find(this.state.associations, 'company', c, companyId).map((a) => a.contactId),
    );
  }
  companiesOfContacts(
    c: string,
    contactIds: readonly string[],
  ): Promise<{ companyId: string; contactId: string }[]> {
    return Promise.resolve(
      contactIds.flatMap((id) => this.find(this.state.associations, 'contact', c, id)),
    );
  }

  getHubSpotContacts(c: string, contactIds: readonly string[]): Promise<HubSpotContactState[]> {
    return Promise.resolve(
      contactIds.flatMap((id) => this.read(this.state.hubspotContacts, rowId(c, id)) ?? []),
    );
  }
  putHubSpotContact(c: string, contact: HubSpotContactState): Promise<void> {
    this.write(this.state.hubspotContacts, rowId(c, contact.contactId), contact);
    return Promise.resolve();
  }
  hubSpotContactsSyncingWith(
    c: string,
    salesforceContactIds: readonly string[],
  ): Promise<HubSpotContactState[]> {
    return Promise.resolve(
      salesforceContactIds.flatMap((id) =>
        this.find(this.state.hubspotContacts, 'salesforceContact', c, id),
      ),
    );
  }
  getSalesforceContacts(
    c: string,
    contactIds: readonly string[],
  ): Promise<SalesforceContactState[]> {
    return Promise.resolve(
      contactIds.flatMap((id) => this.read(this.state.salesforceContacts, rowId(c, id)) ?? []),
    );
  }
  putSalesforceContact(c: string, contact: SalesforceContactState): Promise<void> {
    this.write(this.state.salesforceContacts, rowId(c, contact.contactId), contact);
    return Promise.resolve();
  }
  salesforceContactsOfAccount(c: string, accountId: string): Promise<SalesforceContactState[]> {
    return Promise.resolve(this.find(this.state.salesforceContacts, 'account', c, accountId));
  }

  claimPendingCreate(c: string, pending: PendingCreate): Promise<PendingCreate | undefined> {
    const id = rowId(c, pending.target, pending.sourceId);
    const existing = this.read(this.state.pending, id);
    if (existing) return Promise.resolve(existing);
    this.write(this.state.pending, id, pending);
    return Promise.resolve(undefined);
  }
  getPendingCreate(
    c: string,
    target: PendingCreate['target'],
    sourceId: string,
  ): Promise<PendingCreate | undefined> {
    return Promise.resolve(this.read(this.state.pending, rowId(c, target, sourceId)));
  }
  deletePendingCreate(c: string, target: PendingCreate['target'], sourceId: string): Promise<void> {
    this.write(this.state.pending, rowId(c, target, sourceId), undefined);
    return Promise.resolve();
  }

  isJobCancelled(c: string, jobId: string): boolean {
    return this.read(this.state.jobs, rowId(c, jobId))?.cancelled === true;
  }
  stageJob(c: string, job: JobState): void {
    this.write(this.state.jobs, rowId(c, job.jobId), job);
  }

  appendDecisions(_c: string, _decisions: readonly StoredDecision[]): Promise<void> {
    return Promise.resolve();
  }
  recordError(c: string, error: RecordedError): Promise<void> {
    this.write(this.state.errors, rowId(c, error.system, error.recordId, error.code), error);
    return Promise.resolve();
  }
  clearErrors(c: string, system: RecordedError['system'], recordId: string): Promise<void> {
    for (const e of this.find(this.state.errors, 'record', c, recordId)) {
      if (e.system === system)
        this.write(this.state.errors, rowId(c, system, recordId, e.code), undefined);
    }
    return Promise.resolve();
  }
  errorsFor(c: string, recordId: string): Promise<RecordedError[]> {
    return Promise.resolve(this.find(this.state.errors, 'record', c, recordId));
  }
}

/** Marks a job cancelled (staged like every other write). */
export function cancelJob(batch: StateBatch, connectionId: string, jobId: string): void {
  batch.stageJob(connectionId, { jobId, cancelled: true });
}

/** Applies changelog records to the state; returns how many changed it. */
export function applyRecords(state: SyncState, records: readonly StateRecord[]): number {
  return state.storage.batch(() => {
    let applied = 0;
    for (const r of records) {
      const table = state.tables.get(r.table);
      if (table?.apply(r.id, r.seq, r.row ?? undefined, r.json)) applied++;
    }
    return applied;
  });
}
