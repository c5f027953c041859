import type { Priority } from '@crm-sync/connector-kit';
import { HubSpotRequestError, type HubSpotFailure } from './failures.js';
import {
  MAX_BATCH,
  MAX_HISTORY_READ,
  SEARCH_RESULT_CAP,
  UPSERT_ID_PROPERTY,
  inputsOf,
  type ArchivedRecord,
  type BatchWriteResponse,
  type ContactCompanies,
  type HubSpotApi,
  type HubSpotRecord,
  type ModifiedQuery,
  type ObjectType,
  type Page,
  type PropertyVersion,
  type ReadRequest,
  type SearchPage,
  type WriteError,
  type WriteInput,
  type WriteInputs,
  type WriteResult,
} from './hubspot-api.port.js';

interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  history: Record<string, PropertyVersion[]>;
  createdAt: number;
  modifiedAt: number;
  archivedAt: number | undefined;
}

/**
 * The in-memory twin of `HubSpotApi` for unit tests: records with history, the search API's
 * 10,000-result cap (on offsets, which keyset paging never uses), associations, batch writes
 * with per-record failures. It records every call, so tests can count requests.
 */
export class InMemoryHubSpotApi implements HubSpotApi {
  private readonly tables: Record<ObjectType, Map<string, StoredRecord>> = {
    companies: new Map(),
    contacts: new Map(),
  };
  private readonly contactCompanies = new Map<string, Set<string>>();
  private nextId = 1_000;
  readonly calls: { readonly operation: string; readonly priority: Priority }[] = [];
  /** Inputs whose property `name` equals `value` fail with VALIDATION_ERROR in a 207. */
  readonly recordFaults: { readonly name: string; readonly value: string }[] = [];
  /** Whole requests refused (400) when any input carries this property value. */
  readonly requestFaults: { readonly name: string; readonly value: string }[] = [];
  now = Date.parse('2026-01-01T00:00:00Z');

  /** Creates or changes a record at `at` (default `now`), as a person in HubSpot would. */
  put(
    object: ObjectType,
    properties: Readonly<Record<string, string>>,
    options: { id?: string; at?: number; sourceType?: string; sourceId?: string } = {},
  ): string {
    const at = options.at ?? this.now;
    const id = options.id ?? String(this.nextId++);
    const table = this.tables[object];
    let r = table.get(id);
    if (r === undefined) {
      r = { id, properties: {}, history: {}, createdAt: at, modifiedAt: at, archivedAt: undefined };
      table.set(id, r);
    }
    for (const [name, value] of Object.entries(properties)) {
      r.properties[name] = value;
      (r.history[name] ??= []).unshift({
        value,
        timestamp: new Date(at).toISOString(),
        sourceType: options.sourceType ?? 'CRM_UI',
        sourceId: options.sourceId,
      });
    }
    r.modifiedAt = at;
    r.properties['hs_lastmodifieddate'] = new Date(at).toISOString();
    return id;
  }

  archive(object: ObjectType, id: string, at: number = this.now): void {
    const r = this.tables[object].get(id);
    if (r !== undefined) r.archivedAt = at;
  }

  associate(contactId: string, companyId: string): void {
    const set = this.contactCompanies.get(contactId) ?? new Set();
    set.add(companyId);
    this.contactCompanies.set(contactId, set);
  }

  dissociate(contactId: string, companyId: string): void {
    this.contactCompanies.get(contactId)?.delete(companyId);
  }

  get(object: ObjectType, id: string): HubSpotRecord | undefined {
    const r = this.tables[object].get(id);
    return r === undefined || r.archivedAt !== undefined ? undefined : toRecord(r, [], undefined);
  }

  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  read(request: ReadRequest, priority: Priority): Promise<HubSpotRecord[]> {
    this.calls.push({ operation: `${request.object}.read`, priority });
    const max = request.history.length > 0 ? MAX_HISTORY_READ : MAX_BATCH;
    if (request.ids.length > max) return this.refuse(400, `more than ${max} inputs`);
    const out: HubSpotRecord[] = [];
    for (const id of request.ids) {
      const r = this.tables[request.object].get(id);
      if (r !== undefined && r.archivedAt === undefined)
        out.push(toRecord(r, request.history, request.properties));
    }
    return Promise.resolve(out);
  }

  searchModified(query: ModifiedQuery, priority: Priority): Promise<SearchPage> {
    this.calls.push({ operation: `${query.object}.search`, priority });
    const matches = byId(
      [...this.tables[query.object].values()].filter(
        (r) => r.archivedAt === undefined && r.modifiedAt >= query.from && r.modifiedAt <= query.to,
      ),
    );
    const after = query.afterId === undefined ? undefined : Number(query.afterId);
    const page = matches.filter((r) => after === undefined || Number(r.id) > after);
    // Offset paging past the cap is refused; keyset paging always starts at offset 0.
    if (query.limit > SEARCH_RESULT_CAP) return this.refuse(400, 'cannot page past 10,000');
    return Promise.resolve({
      total: page.length,
      hits: page.slice(0, query.limit).map((r) => ({ id: r.id, modifiedAt: r.modifiedAt })),
    });
  }

  contactsOfCompanies(ids: readonly string[], priority: Priority): Promise<Map<string, string[]>> {
    this.calls.push({ operation: 'associations.companies.contacts', priority });
    const out = new Map<string, string[]>();
    for (const [contact, companies] of this.contactCompanies) {
      for (const c of companies) if (ids.includes(c)) out.set(c, [...(out.get(c) ?? []), contact]);
    }
    return Promise.resolve(out);
  }

  companiesOfContacts(ids: readonly string[], priority: Priority): Promise<Map<string, string[]>> {
    this.calls.push({ operation: 'associations.contacts.companies', priority });
    const out = new Map<string, string[]>();
    for (const id of ids) {
      const companies = [...(this.contactCompanies.get(id) ?? [])];
      if (companies.length > 0) out.set(id, companies);
    }
    return Promise.resolve(out);
  }

  listContactCompanies(
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ContactCompanies>> {
    this.calls.push({ operation: 'contacts.list', priority });
    const page = this.pageOf('contacts', after, false);
    return Promise.resolve({
      items: page.items.map((r) => ({
        contactId: r.id,
        companyIds: [...(this.contactCompanies.get(r.id) ?? [])],
      })),
      next: page.next,
    });
  }

  listArchived(
    object: ObjectType,
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ArchivedRecord>> {
    this.calls.push({ operation: `${object}.list.archived`, priority });
    const page = this.pageOf(object, after, true);
    return Promise.resolve({
      items: page.items.map((r) => ({
        id: r.id,
        archivedAt: new Date(r.archivedAt ?? 0).toISOString(),
      })),
      next: page.next,
    });
  }

  upsertCompanies(inputs: WriteInputs): Promise<BatchWriteResponse> {
    this.calls.push({ operation: 'companies.upsert', priority: 'live' });
    return this.write(inputsOf(inputs), (input) => {
      const existing = [...this.tables.companies.values()].find(
        (r) => r.archivedAt === undefined && r.properties[UPSERT_ID_PROPERTY] === input.id,
      );
      const written = { ...definedOnly(input.properties), [UPSERT_ID_PROPERTY]: input.id };
      const id = this.put('companies', written, {
        ...(existing === undefined ? {} : { id: existing.id }),
        sourceType: 'INTEGRATION',
      });
      return { ...this.answer(id, written), inputId: input.id, created: existing === undefined };
    });
  }

  updateCompanies(inputs: WriteInputs): Promise<BatchWriteResponse> {
    this.calls.push({ operation: 'companies.update', priority: 'live' });
    return this.write(inputsOf(inputs), (input) => {
      const r = this.tables.companies.get(input.id);
      if (r === undefined || r.archivedAt !== undefined) return undefined;
      const written = definedOnly(input.properties);
      this.put('companies', written, { id: input.id, sourceType: 'INTEGRATION' });
      return { ...this.answer(input.id, written), inputId: input.id, created: false };
    });
  }

  /** What HubSpot answers of a written company: the written properties and its versions. */
  private answer(
    id: string,
    written: Readonly<Record<string, string>>,
  ): Pick<WriteResult, 'companyId' | 'properties' | 'updatedAt'> {
    const r = this.tables.companies.get(id);
    if (r === undefined) throw new Error(`company ${id} was just written and is missing`);
    const properties: Record<string, string | null> = { hs_object_id: id };
    for (const name of [...Object.keys(written), 'hs_lastmodifieddate', 'createdate']) {
      properties[name] = r.properties[name] ?? null;
    }
    return { companyId: id, properties, updatedAt: new Date(r.modifiedAt).toISOString() };
  }

  private write(
    inputs: readonly WriteInput[],
    apply: (input: WriteInput) => WriteResult | undefined,
  ): Promise<BatchWriteResponse> {
    if (inputs.length > MAX_BATCH) return this.refuse(400, 'more than 100 inputs');
    if (new Set(inputs.map((i) => i.id)).size !== inputs.length)
      return this.refuse(400, 'duplicate ids');
    const refused = inputs.find((i) =>
      this.requestFaults.some((f) => i.properties[f.name] === f.value),
    );
    if (refused !== undefined) return this.refuse(400, 'Property values were not valid');
    const results: WriteResult[] = [];
    const errors: WriteError[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      if (this.recordFaults.some((f) => input.properties[f.name] === f.value)) {
        errors.push({
          status: undefined,
          category: 'VALIDATION_ERROR',
          message: 'invalid value',
          ids: [input.id],
        });
        continue;
      }
      const result = apply(input);
      if (result === undefined) missing.push(input.id);
      else results.push(result);
    }
    if (missing.length > 0)
      errors.push({
        status: undefined,
        category: 'OBJECT_NOT_FOUND',
        message: 'not found',
        ids: missing,
      });
    return Promise.resolve({ results, errors });
  }

  private pageOf(object: ObjectType, after: string | undefined, archived: boolean) {
    const all = byId(
      [...this.tables[object].values()].filter((r) => (r.archivedAt !== undefined) === archived),
    ).filter((r) => after === undefined || Number(r.id) > Number(after));
    const items = all.slice(0, 100);
    return { items, next: all.length > 100 ? items.at(-1)?.id : undefined };
  }

  private refuse(status: number, message: string): Promise<never> {
    const failure: HubSpotFailure = {
      kind: 'http',
      status,
      policyName: undefined,
      api: { status, message, category: 'VALIDATION_ERROR' },
    };
    return Promise.reject(new HubSpotRequestError(failure, 'in-memory'));
  }
}

function toRecord(
  r: StoredRecord,
  history: readonly string[],
  properties: readonly string[] | undefined,
): HubSpotRecord {
  const names = properties ?? Object.keys(r.properties);
  return {
    id: r.id,
    properties: Object.fromEntries(names.map((n) => [n, r.properties[n] ?? null])),
    history: Object.fromEntries(
      history.filter((h) => r.history[h]).map((h) => [h, r.history[h] ?? []]),
    ),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.modifiedAt).toISOString(),
  };
}

/** Ascending by numeric id (records are mostly created in id order: sort only when not). */
function byId(records: StoredRecord[]): StoredRecord[] {
  const sorted = records.every((r, i) => i === 0 || Number(records[i - 1]?.id) < Number(r.id));
  return sorted ? records : records.sort((a, b) => Number(a.id) - Number(b.id));
}

function definedOnly(properties: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = v ?? '';
  return out;
}
