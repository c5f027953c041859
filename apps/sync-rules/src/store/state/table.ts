import type { RowCodec } from './row-codecs.js';
import { MemoryStorage, type RowStore, type StateStorage, type StoredRow } from './row-store.js';

/**
 * One table of sync-rules' state: rows by id, kept as JSON text in a `RowStore` (on disk in a
 * service, see `DiskStorage`), with secondary indexes for the lookups the rules make (so every
 * lookup costs the same at 1,000 or 1,000,000 rows) and counters kept in memory.
 *
 * Each row carries a sequence number; `apply` ignores a version older than the one held, so the
 * changelog can deliver a row this instance already has (its own commit coming back) or rows out
 * of order across partitions without moving state backwards.
 */
export type Indexers<T> = Readonly<Record<string, (row: T) => readonly string[]>>;
/**
 * What `count` counts per connection, by name: the rows a predicate matches, or the distinct
 * values of one of the table's indexes that at least one row holds (`{ distinctIn: index }`:
 * "records with an error" over a table of errors, one row per record and code).
 */
export type Counter<T> = ((row: T) => boolean) | { readonly distinctIn: string };
export type Counters<T> = Readonly<Record<string, Counter<T>>>;

/** Separates the parts of row ids and index values (never part of an id or a connection id). */
export const SEP = '\u001f';

/** Row ids start with the connection id, so index values are per connection too. */
const connectionOf = (id: string) => id.slice(0, Math.max(0, id.indexOf(SEP)));

/** An index key: a connection id and one indexed value (index values are per connection). */
export const indexKey = (connectionId: string, value: string) => connectionId + SEP + value;

export class Table<T> {
  /** Rows in their stored form (see `RowCodec`), serialized, with their versions (from 1). */
  private readonly rows: RowStore;
  private rowCount = 0;
  /** `getShared`'s parsed rows, by id; `apply` drops a row's entry when it changes. */
  private readonly shared = new Map<string, T>();
  private readonly indexNames: readonly string[];
  /** Whether rows feed indexes or counters (`apply` then needs the held row, not just its version). */
  private readonly derived: boolean;
  /** `<counter><SEP><connectionId>` → rows of the connection that match the counter now. */
  private readonly counts = new Map<string, number>();
  /** The row counters as a list, made once: `apply` runs for every state row. */
  private readonly counterList: readonly (readonly [string, (row: T) => boolean])[];
  /** Index name → the counters of its distinct values. */
  private readonly distinctCounters = new Map<string, string[]>();

  constructor(
    readonly name: string,
    readonly indexers: Indexers<T> = {},
    readonly counters: Counters<T> = {},
    private readonly codec?: RowCodec<T>,
    storage: StateStorage = new MemoryStorage(),
  ) {
    this.rows = storage.table(name);
    this.indexNames = Object.keys(indexers);
    const rowCounters: (readonly [string, (row: T) => boolean])[] = [];
    for (const [counter, c] of Object.entries(counters)) {
      if (typeof c === 'function') {
        rowCounters.push([counter, c]);
        continue;
      }
      if (!(c.distinctIn in indexers)) {
        throw new Error(`counter ${counter} of table ${name}: no index ${c.distinctIn}`);
      }
      this.distinctCounters.set(c.distinctIn, [
        ...(this.distinctCounters.get(c.distinctIn) ?? []),
        counter,
      ]);
    }
    this.counterList = rowCounters;
    this.derived = this.counterList.length > 0 || this.indexNames.length > 0;
  }

  /** How many of the connection's rows match `counter` (kept as rows change: no scan). */
  count(counter: string, connectionId: string): number {
    return this.counts.get(counter + SEP + connectionId) ?? 0;
  }

  private countRow(id: string, row: T, delta: 1 | -1): void {
    for (const [counter, matches] of this.counterList) {
      if (matches(row)) this.bump(counter, connectionOf(id), delta);
    }
  }

  private bump(counter: string, connectionId: string, delta: 1 | -1): void {
    const key = counter + SEP + connectionId;
    this.counts.set(key, (this.counts.get(key) ?? 0) + delta);
  }

  /**
   * Counts an index value in (before its first row is added under it) or out (after its last
   * row left it), for the counters of that index's distinct values.
   */
  private countDistinct(index: string, key: string, id: string, delta: 1 | -1): void {
    const counters = this.distinctCounters.get(index);
    if (counters === undefined || this.rows.indexIds(index, key).length > 0) return;
    for (const counter of counters) this.bump(counter, connectionOf(id), delta);
  }

  get size(): number {
    return this.rowCount;
  }

  /** Every row id (for the connections table: the connection ids). */
  ids(): Iterable<string> {
    return this.rows.ids();
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
   * every event and rarely changed: a connection's settings and mappings. Served from memory
   * until the row changes, without asking the store.
   */
  getShared(id: string): Readonly<T> | undefined {
    const cached = this.shared.get(id);
    if (cached !== undefined) return cached;
    const row = this.rows.get(id);
    if (row === undefined) return undefined;
    const value = deepFreeze(this.parse(row.json));
    this.shared.set(id, value);
    return value;
  }

  /** The held row as stored: its version and serialized stored form. */
  stored(id: string): StoredRow | undefined {
    return this.rows.get(id);
  }

  seqOf(id: string): number {
    return this.rows.seqOf(id);
  }

  /** Ids of the connection's rows whose `index` values include `value`. */
  idsBy(index: string, connectionId: string, value: string): readonly string[] {
    return this.rows.indexIds(index, indexKey(connectionId, value));
  }

  /** Every row of one connection (a scan: for jobs, never on the per-event path). */
  *rowsOf(connectionId: string): Generator<T> {
    for (const json of this.rows.rowsStartingWith(connectionId + SEP)) yield this.parse(json);
  }

  /** Each index a row is found in, with the key it is found under there. */
  indexEntries(id: string, row: T): (readonly [index: string, key: string])[] {
    const c = connectionOf(id);
    const entries: (readonly [string, string])[] = [];
    for (const index of this.indexNames) {
      // Each value once: an index holds a row under a value at most once.
      for (const v of new Set(this.valuesOf(index, row))) entries.push([index, indexKey(c, v)]);
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
    // A derived table needs the held row itself (to unindex and uncount it), others its version.
    const held = this.derived ? this.rows.get(id) : undefined;
    const heldSeq = this.derived ? (held?.seq ?? 0) : this.rows.seqOf(id);
    if (heldSeq >= seq) return false;
    const old = held === undefined ? undefined : this.parse(held.json);
    const before = old === undefined ? [] : this.indexEntries(id, old);
    if (old !== undefined) this.countRow(id, old, -1);
    this.shared.delete(id);
    if (stored === undefined || stored === null) {
      this.unindex(id, before);
      if (heldSeq !== 0) {
        this.rows.delete(id);
        this.rowCount--;
      }
      return true;
    }
    this.rows.put(id, { seq, json: json ?? JSON.stringify(stored) });
    if (heldSeq === 0) this.rowCount++;
    if (!this.derived) return true;
    const row = this.fromStored(stored);
    this.countRow(id, row, 1);
    // Only the entries that changed: most writes (a command's result, an echo) keep every
    // indexed value, and each entry is a write to the store.
    const after = this.indexEntries(id, row);
    this.unindex(
      id,
      before.filter((entry) => !hasEntry(after, entry)),
    );
    for (const entry of after) {
      if (hasEntry(before, entry)) continue;
      const [index, key] = entry;
      this.countDistinct(index, key, id, 1);
      this.rows.indexAdd(index, key, id);
    }
    return true;
  }

  private unindex(id: string, entries: readonly (readonly [string, string])[]): void {
    for (const [index, key] of entries) {
      this.rows.indexDelete(index, key, id);
      this.countDistinct(index, key, id, -1);
    }
  }
}

/** Whether `entries` (a row's few index entries) hold `[index, key]`. */
function hasEntry(
  entries: readonly (readonly [string, string])[],
  [index, key]: readonly [string, string],
): boolean {
  return entries.some(([i, k]) => i === index && k === key);
}

function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
