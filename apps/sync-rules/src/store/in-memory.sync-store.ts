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
import { companyHosts } from './company-hosts.js';

const k = (...parts: string[]) => parts.join(':');

/** The in-memory twin of the MongoDB store, for unit tests of the decider and router. */
export class InMemorySyncStore implements SyncStore {
  readonly connections = new Map<string, ConnectionConfig>();
  readonly links = new Map<string, Link>();
  readonly accounts = new Map<string, AccountState>();
  readonly companies = new Map<string, CompanyState>();
  readonly associations = new Set<string>();
  readonly hubspotContacts = new Map<string, HubSpotContactState>();
  readonly salesforceContacts = new Map<string, SalesforceContactState>();
  readonly pending = new Map<string, PendingCreate>();
  readonly decisions: (StoredDecision & { connectionId: string })[] = [];
  readonly errors = new Map<string, RecordedError & { connectionId: string }>();

  getConnection(c: string) {
    return Promise.resolve(this.connections.get(c));
  }
  putConnection(config: ConnectionConfig) {
    this.connections.set(config.settings.connectionId, config);
    return Promise.resolve();
  }
  linkByAccount(c: string, accountId: string) {
    return Promise.resolve(this.links.get(k(c, accountId)));
  }
  linksByCompany(c: string, companyIds: readonly string[]) {
    const ids = new Set(companyIds);
    return Promise.resolve(
      [...this.links.entries()]
        .filter(([key, l]) => key.startsWith(`${c}:`) && ids.has(l.companyId))
        .map(([, l]) => l),
    );
  }
  async insertLink(c: string, link: Link) {
    if (this.links.has(k(c, link.accountId))) return false;
    if ((await this.linksByCompany(c, [link.companyId])).length > 0) return false;
    this.links.set(k(c, link.accountId), link);
    return true;
  }
  updateLink(c: string, link: Link) {
    this.links.set(k(c, link.accountId), link);
    return Promise.resolve();
  }
  getAccount(c: string, id: string) {
    return Promise.resolve(this.accounts.get(k(c, id)));
  }
  putAccount(c: string, a: AccountState) {
    this.accounts.set(k(c, a.accountId), a);
    return Promise.resolve();
  }
  getCompany(c: string, id: string) {
    return Promise.resolve(this.companies.get(k(c, id)));
  }
  getCompanies(c: string, ids: readonly string[]) {
    return Promise.resolve(ids.flatMap((id) => this.companies.get(k(c, id)) ?? []));
  }
  putCompany(c: string, co: CompanyState) {
    this.companies.set(k(c, co.companyId), co);
    return Promise.resolve();
  }
  private companiesOf(c: string): CompanyState[] {
    return [...this.companies.entries()]
      .filter(([key]) => key.startsWith(`${c}:`))
      .map(([, v]) => v);
  }
  companiesByAccountIdProperty(c: string, accountId: string) {
    return Promise.resolve(
      this.companiesOf(c).filter(
        (co) => !co.deleted && co.properties['salesforceaccountid'] === accountId,
      ),
    );
  }
  companiesByDomain(c: string, host: string) {
    return Promise.resolve(
      this.companiesOf(c).filter((co) => !co.deleted && companyHosts(co.properties).includes(host)),
    );
  }
  setAssociation(c: string, companyId: string, contactId: string, present: boolean) {
    if (present) this.associations.add(k(c, companyId, contactId));
    else this.associations.delete(k(c, companyId, contactId));
    return Promise.resolve();
  }
  contactsOfCompany(c: string, companyId: string) {
    const prefix = k(c, companyId, '');
    return Promise.resolve(
      [...this.associations].filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)),
    );
  }
  companiesOfContacts(c: string, contactIds: readonly string[]) {
    const ids = new Set(contactIds);
    return Promise.resolve(
      [...this.associations]
        .map((a) => a.split(':'))
        .filter((p) => p[0] === c && ids.has(p[2] ?? ''))
        .map((p) => ({ companyId: p[1] ?? '', contactId: p[2] ?? '' })),
    );
  }
  getHubSpotContacts(c: string, ids: readonly string[]) {
    return Promise.resolve(ids.flatMap((id) => this.hubspotContacts.get(k(c, id)) ?? []));
  }
  putHubSpotContact(c: string, contact: HubSpotContactState) {
    this.hubspotContacts.set(k(c, contact.contactId), contact);
    return Promise.resolve();
  }
  hubSpotContactsSyncingWith(c: string, sfIds: readonly string[]) {
    const ids = new Set(sfIds);
    return Promise.resolve(
      [...this.hubspotContacts.entries()]
        .filter(
          ([key, h]) =>
            key.startsWith(`${c}:`) && ids.has(h.properties['salesforcecontactid'] ?? ''),
        )
        .map(([, h]) => h),
    );
  }
  getSalesforceContacts(c: string, ids: readonly string[]) {
    return Promise.resolve(ids.flatMap((id) => this.salesforceContacts.get(k(c, id)) ?? []));
  }
  putSalesforceContact(c: string, contact: SalesforceContactState) {
    this.salesforceContacts.set(k(c, contact.contactId), contact);
    return Promise.resolve();
  }
  salesforceContactsOfAccount(c: string, accountId: string) {
    return Promise.resolve(
      [...this.salesforceContacts.entries()]
        .filter(([key, s]) => key.startsWith(`${c}:`) && s.accountId === accountId)
        .map(([, s]) => s),
    );
  }
  claimPendingCreate(c: string, p: PendingCreate) {
    const key = k(c, p.target, p.sourceId);
    const existing = this.pending.get(key);
    if (existing) return Promise.resolve(existing);
    this.pending.set(key, p);
    return Promise.resolve(undefined);
  }
  getPendingCreate(c: string, target: PendingCreate['target'], sourceId: string) {
    return Promise.resolve(this.pending.get(k(c, target, sourceId)));
  }
  deletePendingCreate(c: string, target: PendingCreate['target'], sourceId: string) {
    this.pending.delete(k(c, target, sourceId));
    return Promise.resolve();
  }
  appendDecisions(c: string, decisions: readonly StoredDecision[]) {
    const seen = new Set(this.decisions.map((d) => d.id));
    this.decisions.push(
      ...decisions.filter((d) => !seen.has(d.id)).map((d) => ({ ...d, connectionId: c })),
    );
    return Promise.resolve();
  }
  decisionsFor(c: string, recordId: string) {
    return Promise.resolve(
      this.decisions.filter((d) => d.connectionId === c && d.subject.recordId === recordId),
    );
  }
  recordError(c: string, e: RecordedError) {
    this.errors.set(k(c, e.system, e.recordId, e.code), { ...e, connectionId: c });
    return Promise.resolve();
  }
  clearErrors(c: string, system: RecordedError['system'], recordId: string) {
    for (const key of [...this.errors.keys()]) {
      if (key.startsWith(k(c, system, recordId, ''))) this.errors.delete(key);
    }
    return Promise.resolve();
  }
  errorsFor(c: string, recordId: string) {
    return Promise.resolve(
      [...this.errors.values()].filter((e) => e.connectionId === c && e.recordId === recordId),
    );
  }
}
