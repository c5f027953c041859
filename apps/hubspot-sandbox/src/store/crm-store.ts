import type { Clock } from '../clock.port.js';
import { HubSpotApiError, notFound, propertyValuesError } from '../hubspot-errors.js';
import { SINGULAR, type ObjectType } from '../model/object-types.js';
import type { PropertyRegistry } from '../model/property-registry.js';
import { matches, sortKey, type FilterGroup } from '../search/filter-evaluator.js';
import { AssociationIndex, type AssociationChange } from './association-index.js';
import { ModifiedIndex } from './modified-index.js';

/** Who made a write: becomes `sourceType`/`sourceId` in property history and `changeSource` in webhooks. */
export interface WriteSource {
  /** 'INTEGRATION' (app token), 'API', 'CRM_UI', 'IMPORT', 'COMPANY_INSIGHTS', ... */
  readonly changeSource: string;
  readonly sourceId?: string;
  readonly updatedByUserId?: number;
}

export interface Version {
  readonly value: string;
  readonly timestamp: number;
  /** Shared by every property written in the same request: keeps 200k records' history small. */
  readonly source: WriteSource;
}

export interface StoredObject {
  readonly id: string;
  readonly num: number;
  readonly type: ObjectType;
  properties: Record<string, string>;
  /**
   * The values the record was created with, shared with its creation request: one object per
   * record instead of one version per property keeps 200k records small and fast to create.
   */
  readonly initial: {
    readonly values: Readonly<Record<string, string>>;
    readonly source: WriteSource;
  };
  /** Later changes, oldest first (appends are cheap); the API answers newest first. Created on first update. */
  history?: Record<string, Version[]>;
  readonly createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

export type ChangeEvent =
  | {
      readonly kind: 'creation' | 'deletion' | 'restore';
      readonly type: ObjectType;
      readonly id: string;
      readonly source: WriteSource;
      readonly at: number;
    }
  | {
      readonly kind: 'propertyChange';
      readonly type: ObjectType;
      readonly id: string;
      readonly propertyName: string;
      readonly value: string;
      readonly source: WriteSource;
      readonly at: number;
    }
  | ({
      readonly kind: 'associationChange';
      readonly source: WriteSource;
      readonly at: number;
    } & AssociationChange);

export interface ChangeListener {
  /** Checked before building events, so a sandbox without subscriptions pays nothing. */
  wants(kind: ChangeEvent['kind'], type: ObjectType): boolean;
  emit(event: ChangeEvent): void;
}

export interface SearchQuery {
  readonly filterGroups: readonly FilterGroup[];
  readonly sort?: { readonly propertyName: string; readonly descending: boolean };
  readonly query?: string;
  readonly queryProperties: readonly string[];
}

/** Free-mail domains: a contact with one of these does not get an auto-created company. */
export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.ru',
  'yandex.com',
  'mail.ru',
  'protonmail.com',
  'proton.me',
  'zoho.com',
  'qq.com',
  '163.com',
  '126.com',
  'orange.fr',
  'free.fr',
]);

interface Table {
  readonly byId: Map<string, StoredObject>;
  /** Ascending by id; ids only grow, so appends keep it sorted. */
  readonly order: StoredObject[];
  /** Unique-value property → value → id, for active records only. */
  readonly unique: Map<string, Map<string, string>>;
  readonly byDomain: Map<string, Set<string>>;
  readonly modified: ModifiedIndex;
  nextId: number;
}

const FIRST_ID: Readonly<Record<ObjectType, number>> = {
  companies: 10_000_001,
  contacts: 20_000_001,
};

/** Sandbox settings that change behaviour the way a HubSpot portal setting does. */
export interface PortalSettings {
  /** HubSpot's "Create and associate companies with contacts" setting. */
  autoCreateCompanies: boolean;
}

/**
 * The sandbox's whole CRM state in memory: records with property history, unique-value and
 * last-modified indexes, associations, and change events for webhooks.
 */
export class CrmStore {
  private tables: Record<ObjectType, Table>;
  readonly associations = new AssociationIndex();
  readonly settings: PortalSettings = { autoCreateCompanies: false };
  listener: ChangeListener | undefined;

  constructor(
    readonly registry: PropertyRegistry,
    private readonly clock: Clock,
    readonly portalId: number,
  ) {
    this.tables = this.newTables();
  }

  private newTables(): Record<ObjectType, Table> {
    return {
      companies: newTable('companies', this.registry.uniqueNames('companies')),
      contacts: newTable('contacts', this.registry.uniqueNames('contacts')),
    };
  }

  /** A property created with `hasUniqueValue` gets its index (existing values are indexed too). */
  ensureUniqueIndex(type: ObjectType, prop: string): void {
    const table = this.tables[type];
    if (table.unique.has(prop)) return;
    const index = new Map<string, string>();
    for (const o of table.order) {
      const v = o.properties[prop];
      if (!o.archived && v !== undefined) index.set(uniqueKey(prop, v), o.id);
    }
    table.unique.set(prop, index);
  }

  reset(): void {
    this.tables = this.newTables();
    this.associations.clear();
    this.settings.autoCreateCompanies = false;
  }

  count(type: ObjectType, archived = false): number {
    let n = 0;
    for (const o of this.tables[type].order) if (o.archived === archived) n++;
    return n;
  }

  get(type: ObjectType, id: string): StoredObject | undefined {
    return this.tables[type].byId.get(id);
  }

  /** By id, or by the value of a unique property (`idProperty`). Active records only, unless `archived`. */
  find(
    type: ObjectType,
    id: string,
    idProperty?: string,
    archived = false,
  ): StoredObject | undefined {
    const table = this.tables[type];
    let obj: StoredObject | undefined;
    if (idProperty === undefined || idProperty === 'hs_object_id') obj = table.byId.get(id);
    else {
      const index = table.unique.get(idProperty);
      if (index === undefined) throw nonUniqueIdProperty(type, idProperty, this.portalId);
      const found = index.get(uniqueKey(idProperty, id));
      obj = found === undefined ? undefined : table.byId.get(found);
      if (obj === undefined && archived)
        obj = table.order.find((o) => o.archived && o.properties[idProperty] === id);
    }
    if (obj === undefined || obj.archived !== archived) return undefined;
    return obj;
  }

  requireUniqueProperty(type: ObjectType, idProperty: string): void {
    if (idProperty !== 'hs_object_id' && !this.tables[type].unique.has(idProperty))
      throw nonUniqueIdProperty(type, idProperty, this.portalId);
  }

  /** Validates property input; throws HubSpot's VALIDATION_ERROR listing every bad value. */
  validate(type: ObjectType, input: Readonly<Record<string, unknown>>): Record<string, string> {
    const { values, problems } = this.registry.normalise(type, input);
    if (problems.length > 0) throw propertyValuesError(problems);
    return values;
  }

  /** Throws 409 CONFLICT if a unique value is held by another active record. */
  checkUnique(type: ObjectType, values: Readonly<Record<string, string>>, selfId?: string): void {
    const table = this.tables[type];
    for (const [prop, index] of table.unique) {
      const v = values[prop];
      if (v === undefined || v === '') continue;
      const holder = index.get(uniqueKey(prop, v));
      if (holder !== undefined && holder !== selfId) throw conflict(type, prop, v, holder);
    }
  }

  create(
    type: ObjectType,
    values: Record<string, string>,
    source: WriteSource,
    at: number = this.clock.now(),
  ): StoredObject {
    this.checkUnique(type, values);
    const table = this.tables[type];
    const num = table.nextId++;
    const id = String(num);
    const iso = new Date(at).toISOString();
    const properties: Record<string, string> = {};
    for (const k in values) {
      const v = values[k];
      if (v !== undefined && v !== '') properties[k] = v;
    }
    properties['hs_object_id'] = id;
    properties['createdate'] ??= iso;
    properties['hs_lastmodifieddate'] = iso;
    if (type === 'contacts') properties['lastmodifieddate'] = iso;
    if (type === 'companies') properties['hs_object_source'] ??= sourceLabel(source);
    const obj: StoredObject = {
      id,
      num,
      type,
      properties,
      initial: { values: properties, source },
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    // `initial.values` must not follow later updates: copy-on-write happens in update().
    table.byId.set(id, obj);
    table.order.push(obj);
    this.indexAdd(table, obj);
    table.modified.set(id, undefined, at);
    const l = this.listener;
    if (l?.wants('creation', type)) l.emit({ kind: 'creation', type, id, source, at });
    if (l?.wants('propertyChange', type)) {
      for (const [k, v] of Object.entries(obj.properties))
        l.emit({ kind: 'propertyChange', type, id, propertyName: k, value: v, source, at });
    }
    if (type === 'contacts' && this.settings.autoCreateCompanies) this.autoAssociate(obj, at);
    return obj;
  }

  /** Applies validated values; unchanged values leave no history, like HubSpot. */
  update(
    obj: StoredObject,
    values: Readonly<Record<string, string>>,
    source: WriteSource,
    at: number = this.clock.now(),
  ): StoredObject {
    if (obj.archived) throw notFound();
    this.checkUnique(obj.type, values, obj.id);
    const table = this.tables[obj.type];
    const l = this.listener;
    const emitChanges = l?.wants('propertyChange', obj.type) ?? false;
    this.indexRemove(table, obj);
    ownProperties(obj);
    for (const [k, v] of Object.entries(values)) {
      const current = obj.properties[k];
      if ((current ?? '') === v) continue;
      if (v === '') Reflect.deleteProperty(obj.properties, k);
      else obj.properties[k] = v;
      obj.history ??= {};
      (obj.history[k] ??= []).push({ value: v, timestamp: at, source });
      if (emitChanges)
        l?.emit({
          kind: 'propertyChange',
          type: obj.type,
          id: obj.id,
          propertyName: k,
          value: v,
          source,
          at,
        });
    }
    this.indexAdd(table, obj);
    this.touch(table, obj, at);
    return obj;
  }

  archive(obj: StoredObject, source: WriteSource, at: number = this.clock.now()): void {
    if (obj.archived) return;
    const table = this.tables[obj.type];
    this.indexRemove(table, obj);
    obj.archived = true;
    obj.archivedAt = at;
    table.modified.delete(obj.id, obj.properties['hs_lastmodifieddate']);
    if (this.listener?.wants('deletion', obj.type))
      this.listener.emit({ kind: 'deletion', type: obj.type, id: obj.id, source, at });
  }

  /** Brings an archived record back (HubSpot restores from the recycle bin); 409 if a unique value was taken meanwhile. */
  restore(obj: StoredObject, source: WriteSource, at: number = this.clock.now()): void {
    if (!obj.archived) return;
    this.checkUnique(obj.type, obj.properties, obj.id);
    const table = this.tables[obj.type];
    obj.archived = false;
    delete obj.archivedAt;
    this.indexAdd(table, obj);
    table.modified.set(
      obj.id,
      undefined,
      Date.parse(obj.properties['hs_lastmodifieddate'] ?? '') || at,
    );
    this.touch(table, obj, at);
    if (this.listener?.wants('restore', obj.type))
      this.listener.emit({ kind: 'restore', type: obj.type, id: obj.id, source, at });
  }

  /** A page of active (or archived) records in id order, starting at id `after`. */
  page(
    type: ObjectType,
    limit: number,
    after: number | undefined,
    archived: boolean,
  ): { results: StoredObject[]; next?: number } {
    const order = this.tables[type].order;
    let i = after === undefined ? 0 : lowerBound(order, after);
    const results: StoredObject[] = [];
    for (; i < order.length; i++) {
      const o = order[i];
      if (o === undefined || o.archived !== archived) continue;
      if (results.length === limit) return { results, next: o.num };
      results.push(o);
    }
    return { results };
  }

  /** All matches of a search, sorted; the caller pages and applies the 10,000 cap. */
  search(type: ObjectType, q: SearchQuery): StoredObject[] {
    const typeOf = (name: string) => this.registry.get(type, name)?.type;
    const text = q.query?.trim().toLowerCase();
    const out: StoredObject[] = [];
    for (const o of this.candidates(type, q.filterGroups)) {
      if (o.archived) continue;
      if (!matches(o.properties, q.filterGroups, typeOf)) continue;
      if (
        text !== undefined &&
        text !== '' &&
        !q.queryProperties.some((p) => o.properties[p]?.toLowerCase().includes(text))
      )
        continue;
      out.push(o);
    }
    const sort = q.sort;
    if (sort === undefined) return out.sort((a, b) => a.num - b.num);
    const t = typeOf(sort.propertyName);
    const keyed = out.map((o) => {
      const v = o.properties[sort.propertyName];
      return { o, k: v === undefined ? undefined : sortKey(v, t) };
    });
    const dir = sort.descending ? -1 : 1;
    keyed.sort((a, b) => {
      if (a.k === undefined || b.k === undefined) {
        if (a.k === b.k) return a.o.num - b.o.num;
        return a.k === undefined ? 1 : -1; // records without the property come last
      }
      if (a.k < b.k) return -dir;
      if (a.k > b.k) return dir;
      return a.o.num - b.o.num;
    });
    return keyed.map((x) => x.o);
  }

  /** Sets one property on many records at the same instant (control API: "bulk touch"). */
  bulkSet(
    type: ObjectType,
    ids: readonly string[],
    values: Readonly<Record<string, string>>,
    source: WriteSource,
    at: number,
  ): number {
    let n = 0;
    for (const id of ids) {
      const o = this.get(type, id);
      if (o === undefined || o.archived) continue;
      this.update(o, values, source, at);
      n++;
    }
    return n;
  }

  /** All active records of a type in id order (seed, bulk touch). */
  all(type: ObjectType): StoredObject[] {
    return this.tables[type].order.filter((o) => !o.archived);
  }

  associate(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    typeIds: readonly number[],
    source: WriteSource,
    at: number = this.clock.now(),
  ): void {
    const changes = this.associations.add(fromType, fromId, toType, toId, typeIds);
    this.emitAssociationChanges(changes, source, at);
  }

  dissociate(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    source: WriteSource,
    at: number = this.clock.now(),
  ): void {
    const changes = this.associations.remove(fromType, fromId, toType, toId);
    this.emitAssociationChanges(changes, source, at);
  }

  private emitAssociationChanges(
    changes: readonly AssociationChange[],
    source: WriteSource,
    at: number,
  ): void {
    const l = this.listener;
    if (l === undefined) return;
    for (const c of changes) {
      if (l.wants('associationChange', c.fromType))
        l.emit({ kind: 'associationChange', source, at, ...c });
    }
  }

  /**
   * HubSpot's "Create and associate companies with contacts": a contact whose email domain is not
   * free mail is associated (as primary) with the company that has that domain, created if none.
   */
  private autoAssociate(contact: StoredObject, at: number): void {
    const email = contact.properties['email'];
    const domain = email?.split('@')[1]?.toLowerCase();
    if (domain === undefined || domain === '' || FREE_MAIL_DOMAINS.has(domain)) return;
    const table = this.tables.companies;
    const existing = [...(table.byDomain.get(domain) ?? [])]
      .map((id) => table.byId.get(id))
      .find((c) => c !== undefined && !c.archived);
    const insights: WriteSource = { changeSource: 'COMPANY_INSIGHTS' };
    const company =
      existing ??
      this.create(
        'companies',
        {
          domain,
          name: companyNameFromDomain(domain),
          hs_object_source: 'COMPANY_INSIGHTS',
          hs_object_source_label: 'COMPANY_INSIGHTS',
          hs_object_source_detail_1: 'AUTO_CREATE_AND_ASSOCIATE',
        },
        insights,
        at,
      );
    this.associate('contacts', contact.id, 'companies', company.id, [1, 279], insights, at);
  }

  private touch(table: Table, obj: StoredObject, at: number): void {
    ownProperties(obj);
    const iso = new Date(at).toISOString();
    table.modified.set(obj.id, obj.properties['hs_lastmodifieddate'], at);
    obj.properties['hs_lastmodifieddate'] = iso;
    if (obj.type === 'contacts') obj.properties['lastmodifieddate'] = iso;
    obj.updatedAt = at;
  }

  private indexAdd(table: Table, obj: StoredObject): void {
    for (const [prop, index] of table.unique) {
      const v = obj.properties[prop];
      if (v !== undefined) index.set(uniqueKey(prop, v), obj.id);
    }
    const domain = obj.properties['domain']?.toLowerCase();
    if (domain !== undefined) {
      let set = table.byDomain.get(domain);
      if (set === undefined) table.byDomain.set(domain, (set = new Set()));
      set.add(obj.id);
    }
  }

  private indexRemove(table: Table, obj: StoredObject): void {
    for (const [prop, index] of table.unique) {
      const v = obj.properties[prop];
      if (v !== undefined && index.get(uniqueKey(prop, v)) === obj.id)
        index.delete(uniqueKey(prop, v));
    }
    const domain = obj.properties['domain']?.toLowerCase();
    if (domain !== undefined) table.byDomain.get(domain)?.delete(obj.id);
  }

  /**
   * Narrows a search to index hits when every filter group has an EQ/IN on a unique property or
   * domain, or a range on hs_lastmodifieddate; otherwise scans all records.
   */
  private candidates(type: ObjectType, groups: readonly FilterGroup[]): Iterable<StoredObject> {
    const table = this.tables[type];
    if (groups.length === 0) return table.order;
    const ids = new Set<string>();
    for (const g of groups) {
      const hit = this.groupCandidates(table, g);
      if (hit === undefined) return table.order;
      for (const id of hit) ids.add(id);
    }
    const out: StoredObject[] = [];
    for (const id of ids) {
      const o = table.byId.get(id);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  private groupCandidates(table: Table, g: FilterGroup): Iterable<string> | undefined {
    for (const f of g.filters) {
      const index = table.unique.get(f.propertyName);
      if (index !== undefined && (f.operator === 'EQ' || f.operator === 'IN')) {
        const values = f.operator === 'EQ' ? [f.value ?? ''] : (f.values ?? []);
        return values
          .map((v) => index.get(uniqueKey(f.propertyName, v)))
          .filter((x): x is string => x !== undefined);
      }
      if (f.propertyName === 'domain' && f.operator === 'EQ')
        return [...(table.byDomain.get((f.value ?? '').toLowerCase()) ?? [])];
      if (
        f.propertyName === 'hs_lastmodifieddate' ||
        (table === this.tables.contacts && f.propertyName === 'lastmodifieddate')
      ) {
        const range = table.modified.rangeFor(f);
        if (range !== undefined) return range;
      }
    }
    return undefined;
  }
}

/** On the first change the live properties stop being the creation snapshot (copy on write). */
function ownProperties(obj: StoredObject): void {
  if (obj.initial.values === obj.properties) obj.properties = { ...obj.properties };
}

function newTable(type: ObjectType, uniqueNames: readonly string[]): Table {
  return {
    byId: new Map(),
    order: [],
    unique: new Map(uniqueNames.map((p) => [p, new Map<string, string>()])),
    byDomain: new Map(),
    modified: new ModifiedIndex(),
    nextId: FIRST_ID[type],
  };
}

/** Emails are unique case-insensitively in HubSpot; other unique values are exact. */
function uniqueKey(prop: string, value: string): string {
  return prop === 'email' ? value.toLowerCase() : value;
}

function lowerBound(order: readonly StoredObject[], num: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order[mid]?.num ?? 0) < num) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sourceLabel(source: WriteSource): string {
  return source.changeSource === 'INTEGRATION' || source.changeSource === 'API'
    ? 'INTEGRATION'
    : source.changeSource;
}

function companyNameFromDomain(domain: string): string {
  const base = domain.split('.')[0] ?? domain;
  return base.charAt(0).toUpperCase() + base.slice(1);
}

function nonUniqueIdProperty(type: ObjectType, prop: string, portalId: number): HubSpotApiError {
  const typeId = type === 'companies' ? '0-2' : '0-1';
  return new HubSpotApiError(
    400,
    'VALIDATION_ERROR',
    `Unable to perform update/upsert by non-unique ${typeId} property ${prop} in portal ID ${portalId}`,
  );
}

function conflict(type: ObjectType, prop: string, value: string, holder: string): HubSpotApiError {
  // Contacts by email: HubSpot's exact message. Other unique properties: same shape, our wording.
  const message =
    type === 'contacts' && prop === 'email'
      ? `Contact already exists. Existing ID: ${holder}`
      : `A ${SINGULAR[type]} with ${prop} "${value}" already exists. Existing ID: ${holder}`;
  return new HubSpotApiError(409, 'CONFLICT', message);
}
