import type { RowCodec } from './row-codecs.js';

/**
 * One table of sync-rules' in-memory state: rows by id, kept as JSON text (a fraction of the
 * memory of live objects: 200,000 accounts fit in ~100 MB), with secondary indexes for the
 * lookups the rules make (so every lookup costs the same at 1,000 or 1,000,000 rows).
 *
 * Each row carries a sequence number; `apply` ignores a version older than the one held, so the
 * changelog can deliver a row this instance already has (its own commit coming back) or rows out
 * of order across partitions without moving state backwards.
 */
export type Indexers<T> = Readonly<Record<string, (row: T) => readonly string[]>>;
/** Named predicates whose matching rows are counted per connection (see `count`). */
export type Counters<T> = Readonly<Record<string, (row: T) => boolean>>;

/** Separates the parts of row ids and index values (never part of an id or a connection id). */
export const SEP = '\u001f';

/** Row ids start with the connection id, so index values are per connection too. */
const connectionOf = (id: string) => id.slice(0, Math.max(0, id.indexOf(SEP)));

/** An index key: a connection id and one indexed value (index values are per connection). */
export const indexKey = (connectionId: string, value: string) => connectionId + SEP + value;

/** Row ids by key; a key without ids is dropped. */
export class RowIndex {
  private readonly byKey = new Map<string, Set<string>>();

  add(key: string, id: string): void {
    const ids = this.byKey.get(key);
    if (ids === undefined) this.byKey.set(key, new Set([id]));
    else ids.add(id);
  }

  delete(key: string, id: string): void {
    const ids = this.byKey.get(key);
    ids?.delete(id);
    if (ids?.size === 0) this.byKey.delete(key);
  }

  ids(key: string): ReadonlySet<string> | undefined {
    return this.byKey.get(key);
  }
}

interface Row {
  readonly seq: number;
  /** The row in its stored form (see `RowCodec`). */
  readonly json: string;
}

export class Table<T> {
  private readonly rows = new Map<string, Row>();
  /** `getShared`'s parsed rows, by id, with the version they were parsed from. */
  private readonly shared = new Map<string, { readonly seq: number; readonly value: T }>();
  private readonly indexes = new Map<string, RowIndex>();
  /** `<counter><SEP><connectionId>` → rows of the connection that match the counter now. */
  private readonly counts = new Map<string, number>();
  /** The counters as a list, made once: `apply` runs for every state row. */
  private readonly counterList: readonly (readonly [string, (row: T) => boolean])[];

  constructor(
    readonly name: string,
    readonly indexers: Indexers<T> = {},
    readonly counters: Counters<T> = {},
    private readonly codec?: RowCodec<T>,
  ) {
    for (const index of Object.keys(indexers)) this.indexes.set(index, new RowIndex());
    this.counterList = Object.entries(counters);
  }

  /** How many of the connection's rows match `counter` (kept as rows change: no scan). */
  count(counter: string, connectionId: string): number {
    return this.counts.get(counter + SEP + connectionId) ?? 0;
  }

  private countRow(id: string, row: T, delta: 1 | -1): void {
    for (const [counter, matches] of this.counterList) {
      if (!matches(row)) continue;
      const key = counter + SEP + connectionOf(id);
      this.counts.set(key, (this.counts.get(key) ?? 0) + delta);
    }
  }

  get size(): number {
    return this.rows.size;
  }

  /** Every row id (for the connections table: the connection ids). */
  ids(): IterableIterator<string> {
    return this.rows.keys();
  }

  get(id: string): T | undefined {
    const row = this.rows.get(id);
    return row === undefined ? undefined : this.parse(row.json);
  }

  /** A row in the form it is stored in (and carried by the changelog). */
  toStored(row: T): unknown {
    return this.codec ? this.codec.toStored(row) : row;
  }

  /** A stored row (as the changelog carries it) in the form the rules use. */
  fromStored(stored: unknown): T {
    return this.codec ? this.codec.fromStored(stored) : (stored as T);
  }

  private parse(json: string): T {
    return this.fromStored(JSON.parse(json));
  }

  /**
   * The row parsed once per version and deeply frozen (a write to it throws), for rows read on
   * every event and rarely changed: a connection's settings and mappings.
   */
  getShared(id: string): Readonly<T> | undefined {
    const row = this.rows.get(id);
    if (row === undefined) return undefined;
    const cached = this.shared.get(id);
    if (cached?.seq === row.seq) return cached.value;
    const value = deepFreeze(this.parse(row.json));
    this.shared.set(id, { seq: row.seq, value });
    return value;
  }

  /** Whether the table holds exactly the stored row serialized as `json` (`undefined`: none). */
  holds(id: string, json: string | undefined): boolean {
    return this.rows.get(id)?.json === json;
  }

  seqOf(id: string): number {
    return this.rows.get(id)?.seq ?? 0;
  }

  /** Ids of the connection's rows whose `index` values include `value`. */
  idsBy(index: string, connectionId: string, value: string): readonly string[] {
    const ids = this.indexes.get(index)?.ids(indexKey(connectionId, value));
    return ids === undefined ? [] : [...ids];
  }

  /** Every row of one connection (a scan: for jobs, never on the per-event path). */
  *rowsOf(connectionId: string): Generator<T> {
    const prefix = connectionId + SEP;
    for (const [id, row] of this.rows) if (id.startsWith(prefix)) yield this.parse(row.json);
  }

  /** Each index a row is found in, with the key it is found under there. */
  indexEntries(id: string, row: T): (readonly [index: string, key: string])[] {
    const c = connectionOf(id);
    const entries: (readonly [string, string])[] = [];
    for (const index of this.indexes.keys()) {
      for (const v of this.valuesOf(index, row)) entries.push([index, indexKey(c, v)]);
    }
    return entries;
  }

  /** Indexed values of a row (for an overlay that must tell whether a changed row still matches). */
  valuesOf(index: string, row: T): readonly string[] {
    return this.indexers[index]?.(row) ?? [];
  }

  /**
   * Stores (or with `undefined` removes) a row, given in its stored form as the changelog carries
   * it, if `seq` is not older than the held one; `json` is the stored row serialized, when the
   * caller has it already.
   */
  apply(id: string, seq: number, stored: unknown, json?: string): boolean {
    const held = this.rows.get(id);
    if (held !== undefined && held.seq >= seq) return false;
    const derived = this.counterList.length > 0 || this.indexes.size > 0;
    if (held !== undefined && derived) {
      const old = this.parse(held.json);
      this.unindex(id, old);
      this.countRow(id, old, -1);
    }
    this.shared.delete(id);
    if (stored === undefined || stored === null) {
      this.rows.delete(id);
      return true;
    }
    this.rows.set(id, { seq, json: json ?? JSON.stringify(stored) });
    if (!derived) return true;
    const row = this.fromStored(stored);
    this.countRow(id, row, 1);
    for (const [index, key] of this.indexEntries(id, row)) this.indexes.get(index)?.add(key, id);
    return true;
  }

  private unindex(id: string, row: T): void {
    for (const [index, key] of this.indexEntries(id, row)) this.indexes.get(index)?.delete(key, id);
  }
}

function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
