import { ChangeLog, type PendingChange } from './cdc.js';
import { entityIsDeleted, notFound, SfError } from './errors.js';
import { makeId, normalizeId, USER_ID } from './ids.js';
import {
  createDefaults,
  SCHEMAS,
  SOBJECT_TYPES,
  typeForIdPrefix,
  type FieldDef,
  type ObjectSchema,
  type SObjectType,
} from './schema.js';
import type { Rec } from './soql/compile.js';
import { sfDateTime, type Clock } from './time.js';
import { checkRequired, validateInput } from './validate.js';

/** Who is writing: becomes the change event's `changeOrigin`. */
export interface WriteContext {
  readonly origin: string;
  /** `Sforce-Duplicate-Rule-Header: allowSave=true`: alert-only duplicate rules let the save through. */
  readonly allowDuplicateSave?: boolean;
}

export interface DuplicateRule {
  readonly sobject: SObjectType;
  readonly field: 'Name' | 'Website';
  /** `block` always rejects; `alert` rejects unless the request allows saving duplicates. */
  readonly action: 'block' | 'alert';
  readonly name: string;
}

export interface Fault {
  readonly errorCode: string;
  readonly message?: string;
  readonly recordId?: string;
  readonly sobject?: SObjectType;
  remaining: number;
}

/** Undo log and captured changes of one API call; savepoints make per-record rollback possible. */
export class Txn {
  readonly undo: (() => void)[] = [];
  readonly changes: PendingChange[] = [];
  savepoint(): [number, number] {
    return [this.undo.length, this.changes.length];
  }
  rollbackTo([u, c]: [number, number]): void {
    while (this.undo.length > u) this.undo.pop()?.();
    this.changes.length = c;
  }
}

class Table {
  readonly byId = new Map<string, Rec>();
  /** Unique (case-insensitive) field → lower-cased value → ids of live records. */
  readonly unique = new Map<string, Map<string, string[]>>();
  /** Duplicate-rule field → normalised value → ids, built only while a rule uses it. */
  readonly dup = new Map<string, Map<string, Set<string>>>();
  readonly deletedAt = new Map<string, number>();
  counter = 0;
  constructor(readonly schema: ObjectSchema) {
    for (const f of schema.uniqueFields) this.unique.set(f.name, new Map());
  }
}

export function normalizeWebsite(v: string): string {
  return v
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');
}

function dupKey(field: string, v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return field === 'Website' ? normalizeWebsite(v) : v.trim().toLowerCase();
}

/** In-memory records of the emulated org, with indexes, recycle bin and change log. */
export class Store {
  private tables!: Record<SObjectType, Table>;
  readonly changes: ChangeLog;
  duplicateRules: DuplicateRule[] = [];
  faults: Fault[] = [];
  readonly startedAt: number;

  constructor(
    readonly clock: Clock,
    cdcRetention = 500_000,
  ) {
    this.changes = new ChangeLog(cdcRetention);
    this.startedAt = clock.now();
    this.reset();
  }

  reset(): void {
    this.tables = {
      Account: new Table(SCHEMAS.Account),
      Contact: new Table(SCHEMAS.Contact),
      Lead: new Table(SCHEMAS.Lead),
    };
    this.changes.reset();
    this.duplicateRules = [];
    this.faults = [];
  }

  count(type: SObjectType): number {
    return this.tables[type].byId.size;
  }

  /** All records of a type (live and deleted), in creation order. Records are immutable snapshots. */
  all(type: SObjectType): IterableIterator<Rec> {
    return this.tables[type].byId.values();
  }

  get(type: SObjectType, id: string): Rec | undefined {
    return this.tables[type].byId.get(id);
  }

  /** Any record by Id (type from the key prefix); accepts 15- or 18-character Ids. */
  find(id: string): Rec | undefined {
    const nid = normalizeId(id);
    const type = nid ? typeForIdPrefix(nid) : undefined;
    return type && nid ? this.tables[type].byId.get(nid) : undefined;
  }

  deletedAt(type: SObjectType, id: string): number | undefined {
    return this.tables[type].deletedAt.get(id);
  }

  /** The deletion log getDeleted reads: id → when deleted, for the recycle bin and purged records. */
  deletions(type: SObjectType): IterableIterator<[string, number]> {
    return this.tables[type].deletedAt.entries();
  }

  findByUnique(type: SObjectType, field: string, value: string): string[] {
    return this.tables[type].unique.get(field)?.get(value.toLowerCase()) ?? [];
  }

  commit(txn: Txn, ctx: WriteContext): void {
    this.changes.commit(txn.changes, ctx.origin, USER_ID, this.clock.now());
    txn.changes.length = 0;
    txn.undo.length = 0;
  }

  // --- indexes -------------------------------------------------------------------------------

  private index(t: Table, rec: Rec): void {
    if (rec['IsDeleted'] === true) return;
    const id = rec['Id'] as string;
    for (const [field, idx] of t.unique) {
      const v = rec[field];
      if (typeof v === 'string') {
        const k = v.toLowerCase();
        const ids = idx.get(k);
        if (ids) ids.push(id);
        else idx.set(k, [id]);
      }
    }
    for (const [field, idx] of t.dup) {
      const k = dupKey(field, rec[field]);
      if (k === undefined) continue;
      let s = idx.get(k);
      if (!s) idx.set(k, (s = new Set()));
      s.add(id);
    }
  }

  private unindex(t: Table, rec: Rec): void {
    if (rec['IsDeleted'] === true) return;
    const id = rec['Id'] as string;
    for (const [field, idx] of t.unique) {
      const v = rec[field];
      if (typeof v !== 'string') continue;
      const k = v.toLowerCase();
      const ids = idx.get(k);
      if (!ids) continue;
      const rest = ids.filter((x) => x !== id);
      if (rest.length) idx.set(k, rest);
      else idx.delete(k);
    }
    for (const [field, idx] of t.dup) {
      const k = dupKey(field, rec[field]);
      if (k !== undefined) idx.get(k)?.delete(id);
    }
  }

  /** Replaces a record (or inserts it), keeping indexes and the undo log right. */
  private put(txn: Txn | undefined, t: Table, next: Rec, prev: Rec | undefined): void {
    const id = next['Id'] as string;
    if (prev) this.unindex(t, prev);
    t.byId.set(id, next);
    this.index(t, next);
    txn?.undo.push(() => {
      this.unindex(t, next);
      if (prev) {
        t.byId.set(id, prev);
        this.index(t, prev);
      } else {
        t.byId.delete(id);
      }
    });
  }

  setDuplicateRules(rules: DuplicateRule[]): void {
    this.duplicateRules = rules;
    for (const type of SOBJECT_TYPES) {
      const t = this.tables[type];
      t.dup.clear();
      for (const r of rules.filter((r) => r.sobject === type)) t.dup.set(r.field, new Map());
      if (t.dup.size > 0) for (const rec of t.byId.values()) this.index(t, rec);
    }
  }

  // --- checks --------------------------------------------------------------------------------

  private checkFault(type: SObjectType, id: string | undefined): void {
    const i = this.faults.findIndex(
      (f) => f.remaining > 0 && (f.recordId ? f.recordId === id : !f.sobject || f.sobject === type),
    );
    const f = this.faults[i];
    if (f === undefined) return;
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    const message =
      f.message ??
      (f.errorCode === 'UNABLE_TO_LOCK_ROW'
        ? `unable to obtain exclusive access to this record or 1 records: ${id ?? ''}`.trim()
        : f.errorCode);
    throw new SfError(400, f.errorCode, message, []);
  }

  private checkUnique(t: Table, rec: Rec): void {
    const id = rec['Id'] as string;
    for (const [field, idx] of t.unique) {
      const v = rec[field];
      if (typeof v !== 'string') continue;
      const other = idx.get(v.toLowerCase())?.find((x) => x !== id);
      if (other) {
        throw new SfError(
          400,
          'DUPLICATE_VALUE',
          `duplicate value found: ${field} duplicates value on record with id: ${other}`,
          [],
        );
      }
    }
  }

  private checkDuplicates(t: Table, rec: Rec, ctx: WriteContext, version: string): void {
    for (const rule of this.duplicateRules) {
      if (rule.sobject !== t.schema.name) continue;
      if (rule.action === 'alert' && ctx.allowDuplicateSave) continue;
      const k = dupKey(rule.field, rec[rule.field]);
      if (k === undefined) continue;
      const matches = [...(t.dup.get(rule.field)?.get(k) ?? [])].filter((x) => x !== rec['Id']);
      if (matches.length === 0) continue;
      const message =
        "You're creating a duplicate record. We recommend you use an existing record instead.";
      throw new SfError(400, 'DUPLICATES_DETECTED', message, [], {
        duplicateResult: {
          allowSave: rule.action === 'alert',
          duplicateRule: rule.name,
          duplicateRuleEntityType: rule.sobject,
          errorMessage: message,
          matchResults: [
            {
              entityType: rule.sobject,
              errors: [],
              matchEngine: rule.field === 'Name' ? 'FuzzyMatchEngine' : 'ExactMatchEngine',
              matchRecords: matches.map((m) => ({
                additionalInformation: [],
                fieldDiffs: [],
                matchConfidence: 100,
                record: {
                  attributes: {
                    type: rule.sobject,
                    url: `/services/data/v${version}/sobjects/${rule.sobject}/${m}`,
                  },
                  Id: m,
                },
              })),
              rule: `${rule.name}_Match_Rule`,
              size: matches.length,
              success: true,
            },
          ],
        },
      });
    }
  }

  private checkReference = (type: SObjectType, id: string, f: FieldDef): SfError | undefined => {
    if (typeForIdPrefix(id) !== type) {
      return new SfError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        `${f.label}: id value of incorrect type: ${id}`,
        [f.name],
      );
    }
    const rec = this.tables[type].byId.get(id);
    if (!rec)
      return new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [
        f.name,
      ]);
    if (rec['IsDeleted'] === true)
      return new SfError(400, 'ENTITY_IS_DELETED', 'entity is deleted', [f.name]);
    return undefined;
  };

  /** The live record for a write, or the error Salesforce gives for it. */
  private target(type: SObjectType, id: string): Rec {
    const nid = normalizeId(id);
    if (!nid || typeForIdPrefix(nid) !== type) {
      throw new SfError(
        400,
        'MALFORMED_ID',
        `${SCHEMAS[type].label} ID: id value of incorrect type: ${id}`,
        ['Id'],
      );
    }
    const rec = this.tables[type].byId.get(nid);
    if (!rec) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (rec['IsDeleted'] === true) throw entityIsDeleted();
    return rec;
  }

  private derive(type: SObjectType, rec: Record<string, unknown>): void {
    if (type !== 'Account') {
      rec['Name'] =
        [rec['FirstName'], rec['LastName']]
          .filter((x) => typeof x === 'string' && x !== '')
          .join(' ') || null;
    }
  }

  // --- writes --------------------------------------------------------------------------------

  create(
    txn: Txn,
    ctx: WriteContext,
    type: SObjectType,
    input: Readonly<Record<string, unknown>>,
    version: string,
  ): Rec {
    const t = this.tables[type];
    const values = validateInput(t.schema, input, 'create', this.checkReference);
    this.checkFault(type, undefined);
    const now = sfDateTime(this.clock.now());
    const id = makeId(t.schema.keyPrefix, ++t.counter);
    const rec: Record<string, unknown> = {
      Id: id,
      IsDeleted: false,
      ...createDefaults(t.schema),
      OwnerId: USER_ID,
      ...stripNulls(values),
      CreatedDate: now,
      CreatedById: USER_ID,
      LastModifiedDate: now,
      LastModifiedById: USER_ID,
      SystemModstamp: now,
    };
    this.derive(type, rec);
    checkRequired(t.schema, rec);
    this.checkUnique(t, rec);
    this.checkDuplicates(t, rec, ctx, version);
    this.put(txn, t, rec, undefined);
    txn.changes.push({
      entity: type,
      recordId: id,
      changeType: 'CREATE',
      changedFields: [],
      values: cdcValues(rec),
    });
    return rec;
  }

  update(
    txn: Txn,
    ctx: WriteContext,
    type: SObjectType,
    id: string,
    input: Readonly<Record<string, unknown>>,
    version: string,
  ): Rec {
    const t = this.tables[type];
    const prev = this.target(type, id);
    const values = validateInput(t.schema, input, 'update', this.checkReference);
    this.checkFault(type, prev['Id'] as string);
    const now = sfDateTime(this.clock.now());
    const merged: Record<string, unknown> = {
      ...prev,
      ...values,
      LastModifiedDate: now,
      LastModifiedById: USER_ID,
      SystemModstamp: now,
    };
    // A field the update sets to null is not stored (an absent field reads as null).
    const next = Object.fromEntries(
      Object.entries(merged).filter(([k, v]) => v !== null || !Object.hasOwn(values, k)),
    );
    this.derive(type, next);
    checkRequired(t.schema, next);
    this.checkUnique(t, next);
    this.checkDuplicates(t, next, ctx, version);
    this.put(txn, t, next, prev);
    const changed = Object.keys(values).filter((k) => (prev[k] ?? null) !== (values[k] ?? null));
    const cdc: Record<string, unknown> = { LastModifiedDate: now };
    for (const k of changed) cdc[k] = values[k] ?? null;
    txn.changes.push({
      entity: type,
      recordId: next['Id'] as string,
      changeType: 'UPDATE',
      changedFields: [...changed, 'LastModifiedDate'],
      values: cdc,
    });
    return next;
  }

  delete(
    txn: Txn,
    _ctx: WriteContext,
    type: SObjectType,
    id: string,
    opts: { masterId?: string; cascadeOf?: string } = {},
  ): Rec {
    const t = this.tables[type];
    const prev = this.target(type, id);
    const rid = prev['Id'] as string;
    this.checkFault(type, rid);
    const nowMs = this.clock.now();
    const now = sfDateTime(nowMs);
    const next: Record<string, unknown> = {
      ...prev,
      IsDeleted: true,
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    if (opts.masterId) next['MasterRecordId'] = opts.masterId;
    this.put(txn, t, next, prev);
    const prevDeletedAt = t.deletedAt.get(rid);
    t.deletedAt.set(rid, nowMs);
    txn.undo.push(() =>
      prevDeletedAt === undefined ? t.deletedAt.delete(rid) : t.deletedAt.set(rid, prevDeletedAt),
    );
    if (opts.cascadeOf) this.cascadeOf.set(rid, opts.cascadeOf);
    txn.changes.push({
      entity: type,
      recordId: rid,
      changeType: 'DELETE',
      changedFields: [],
      values: {},
    });
    if (type === 'Account') {
      // Deleting an account deletes its contacts (they come back when the account is undeleted).
      for (const c of this.tables.Contact.byId.values()) {
        if (c['AccountId'] === rid && c['IsDeleted'] !== true)
          this.delete(txn, _ctx, 'Contact', c['Id'] as string, { cascadeOf: rid });
      }
    }
    return next;
  }

  private readonly cascadeOf = new Map<string, string>();

  /** A record of any type by Id, deleted or not (the type from the key prefix), or Salesforce's error. */
  private anyRecord(id: string): { nid: string; type: SObjectType; t: Table; rec: Rec } {
    const nid = normalizeId(id);
    const type = nid ? typeForIdPrefix(nid) : undefined;
    if (!nid || !type)
      throw new SfError(400, 'MALFORMED_ID', `id value of incorrect type: ${id}`, ['Id']);
    const t = this.tables[type];
    const rec = t.byId.get(nid);
    if (!rec) throw notFound();
    return { nid, type, t, rec };
  }

  undelete(txn: Txn, _ctx: WriteContext, id: string): Rec {
    const { nid, type, t, rec: prev } = this.anyRecord(id);
    if (prev['IsDeleted'] !== true)
      throw new SfError(400, 'UNDELETE_FAILED', 'Entity is not in the recycle bin', []);
    const now = sfDateTime(this.clock.now());
    const next: Record<string, unknown> = {
      ...prev,
      IsDeleted: false,
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    delete next['MasterRecordId'];
    this.checkUnique(t, next);
    this.put(txn, t, next, prev);
    t.deletedAt.delete(nid);
    txn.changes.push({
      entity: type,
      recordId: nid,
      changeType: 'UNDELETE',
      changedFields: [],
      values: cdcValues(next),
    });
    for (const [child, parent] of this.cascadeOf) {
      if (parent === nid) {
        this.cascadeOf.delete(child);
        this.undelete(txn, _ctx, child);
      }
    }
    return next;
  }

  /**
   * Empties the recycle bin of a record and of the contacts its delete took with it; a live
   * record is deleted first, as the Bulk API's hard delete does. A purged record is gone from
   * reads and from every query, queryAll too, but getDeleted still lists it: the deletion log
   * outlives the recycle bin. So polling never sees the delete, and only getDeleted can.
   */
  purge(txn: Txn, ctx: WriteContext, id: string): void {
    const { nid, type, t, rec } = this.anyRecord(id);
    if (rec['IsDeleted'] !== true) this.delete(txn, ctx, type, nid);
    const deleted = t.byId.get(nid);
    if (deleted === undefined) return;
    // Deleted records are in no index: dropping the record is all there is to it.
    t.byId.delete(nid);
    txn.undo.push(() => t.byId.set(nid, deleted));
    for (const [child, parent] of [...this.cascadeOf]) {
      if (parent !== nid) continue;
      this.cascadeOf.delete(child);
      txn.undo.push(() => this.cascadeOf.set(child, parent));
      this.purge(txn, ctx, child);
    }
  }

  /** Merge (as the SOAP merge call does): losers are deleted with MasterRecordId set; child contacts move to the master. */
  merge(
    txn: Txn,
    ctx: WriteContext,
    type: SObjectType,
    masterId: string,
    loserIds: readonly string[],
    version: string,
  ): Rec {
    const master = this.target(type, masterId);
    const mid = master['Id'] as string;
    if (loserIds.length < 1 || loserIds.length > 2)
      throw new SfError(
        400,
        'INVALID_OPERATION',
        'A merge request must include one or two records to merge into the master record',
        [],
      );
    const losers = loserIds.map((l) => this.target(type, l)['Id'] as string);
    if (losers.includes(mid))
      throw new SfError(
        400,
        'INVALID_ID_FIELD',
        'The master record id cannot be one of the merged record ids',
        [],
      );
    if (type === 'Account') {
      for (const c of [...this.tables.Contact.byId.values()]) {
        if (losers.includes(c['AccountId'] as string) && c['IsDeleted'] !== true)
          this.update(txn, ctx, 'Contact', c['Id'] as string, { AccountId: mid }, version);
      }
    }
    for (const l of losers) this.delete(txn, ctx, type, l, { masterId: mid });
    return this.update(txn, ctx, type, mid, {}, version);
  }

  /** Inserts a record as given (no validation, no change event): fixtures and anomalies such as duplicate external ids. */
  insertRaw(
    type: SObjectType,
    values: Readonly<Record<string, unknown>>,
    at: number = this.clock.now(),
  ): Rec {
    const t = this.tables[type];
    const now = sfDateTime(at);
    const rec: Record<string, unknown> = {
      Id: makeId(t.schema.keyPrefix, ++t.counter),
      IsDeleted: false,
      ...createDefaults(t.schema),
      OwnerId: USER_ID,
      CreatedDate: now,
      CreatedById: USER_ID,
      LastModifiedDate: now,
      LastModifiedById: USER_ID,
      SystemModstamp: now,
      ...stripNulls(values),
    };
    this.derive(type, rec);
    this.put(undefined, t, rec, undefined);
    return rec;
  }
}

function stripNulls(
  values: Record<string, unknown> | Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(values))
    if (values[k] !== null && values[k] !== undefined) out[k] = values[k];
  return out;
}

/** Field values a CREATE/UNDELETE event carries: everything set except Id, IsDeleted and SystemModstamp. */
function cdcValues(rec: Rec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(rec)) {
    if (k === 'Id' || k === 'IsDeleted' || k === 'SystemModstamp') continue;
    out[k] = rec[k];
  }
  return out;
}
