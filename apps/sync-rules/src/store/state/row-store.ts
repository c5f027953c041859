import { mkdirSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** A row as a table keeps it: its version and its stored form serialized. */
export interface StoredRow {
  readonly seq: number;
  readonly json: string;
}

/**
 * Where one `Table` keeps its rows and its index entries (`<index key>` → row ids). The table
 * owns everything derived (counters, parsed shared rows, the row count); a store only keeps
 * what it is given and answers exact lookups.
 */
export interface RowStore {
  get(id: string): StoredRow | undefined;
  /** The held row's version, 0 when there is none. */
  seqOf(id: string): number;
  put(id: string, row: StoredRow): void;
  delete(id: string): void;
  /** Every row id (small tables only: the connections). */
  ids(): Iterable<string>;
  /** The rows whose id starts with `prefix`, in pages: safe to interleave with writes. */
  rowsStartingWith(prefix: string): Iterable<string>;
  indexAdd(index: string, key: string, id: string): void;
  indexDelete(index: string, key: string, id: string): void;
  indexIds(index: string, key: string): readonly string[];
}

/** The stores of one `SyncState`. */
export interface StateStorage {
  /** `name` is a fixed table name of ours (letters and `_`), never user input. */
  table(name: string): RowStore;
  /**
   * Runs `fn`, whose writes may be applied together (one disk transaction). What `fn` wrote
   * before throwing is kept, not rolled back: the tables' in-memory counters already count it.
   */
  batch<R>(fn: () => R): R;
  close(): void;
}

// -- in memory -----------------------------------------------------------------------------------

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

class MemoryRowStore implements RowStore {
  private readonly rows = new Map<string, StoredRow>();
  private readonly indexes = new Map<string, RowIndex>();

  get(id: string): StoredRow | undefined {
    return this.rows.get(id);
  }
  seqOf(id: string): number {
    return this.rows.get(id)?.seq ?? 0;
  }
  put(id: string, row: StoredRow): void {
    this.rows.set(id, row);
  }
  delete(id: string): void {
    this.rows.delete(id);
  }
  ids(): Iterable<string> {
    return [...this.rows.keys()];
  }
  *rowsStartingWith(prefix: string): Iterable<string> {
    for (const [id, row] of this.rows) if (id.startsWith(prefix)) yield row.json;
  }
  private index(name: string): RowIndex {
    let index = this.indexes.get(name);
    if (index === undefined) this.indexes.set(name, (index = new RowIndex()));
    return index;
  }
  indexAdd(index: string, key: string, id: string): void {
    this.index(index).add(key, id);
  }
  indexDelete(index: string, key: string, id: string): void {
    this.indexes.get(index)?.delete(key, id);
  }
  indexIds(index: string, key: string): readonly string[] {
    const ids = this.indexes.get(index)?.ids(key);
    return ids === undefined ? [] : [...ids];
  }
}

/** Everything in the JS heap: for tests and small deployments (`SYNC_RULES_STATE_STORE=memory`). */
export class MemoryStorage implements StateStorage {
  table(): RowStore {
    return new MemoryRowStore();
  }
  batch<R>(fn: () => R): R {
    return fn();
  }
  close(): void {
    // nothing to release
  }
}

// -- on disk ---------------------------------------------------------------------------------------

/** Rows read per query by `rowsStartingWith`. */
const PAGE = 256;

/**
 * The smallest string greater than every string that starts with `prefix` (its last character
 * plus one), so `id >= prefix AND id < upper` is a prefix match on an index.
 */
function upperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/**
 * A disk table's recently used rows, in memory: a record is read and written several times
 * within moments (its change, the batch's write-back, the command's result, the echo), so most
 * reads never reach SQLite. Two generations instead of an exact LRU order: rows go into `young`;
 * when it holds half the capacity it becomes `old` (the previous `old` is dropped), and a row
 * read from `old` moves back into `young`. A hit in `young`, the common case, is one lookup;
 * an exact LRU moved the row on every hit (3.5 % of sync-rules' CPU in the import). At most
 * `capacity` rows are held.
 */
class RecentRows {
  private young = new Map<string, StoredRow>();
  private old = new Map<string, StoredRow>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.floor(capacity / 2);
  }

  get(id: string): StoredRow | undefined {
    const row = this.young.get(id);
    if (row !== undefined) return row;
    const aged = this.old.get(id);
    if (aged !== undefined) this.set(id, aged);
    return aged;
  }

  set(id: string, row: StoredRow): void {
    if (this.half === 0) return;
    this.young.set(id, row);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  delete(id: string): void {
    this.young.delete(id);
    this.old.delete(id);
  }
}

class SqliteRowStore implements RowStore {
  private readonly recent: RecentRows;
  private readonly getRow: StatementSync;
  private readonly getSeq: StatementSync;
  private readonly putRow: StatementSync;
  private readonly deleteRow: StatementSync;
  private readonly allIds: StatementSync;
  private readonly page: StatementSync;
  private readonly addEntry: StatementSync;
  private readonly deleteEntry: StatementSync;
  private readonly entryIds: StatementSync;

  constructor(db: DatabaseSync, name: string, recentRows: number) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not a table name: ${name}`);
    this.recent = new RecentRows(recentRows);
    const rows = `rows_${name}`;
    const index = `index_${name}`;
    db.exec(
      `CREATE TABLE ${rows} (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, json TEXT NOT NULL);
       CREATE TABLE ${index} (name TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
         PRIMARY KEY (name, key, id)) WITHOUT ROWID;`,
    );
    this.getRow = db.prepare(`SELECT seq, json FROM ${rows} WHERE id = ?`);
    this.getSeq = db.prepare(`SELECT seq FROM ${rows} WHERE id = ?`);
    this.putRow = db.prepare(
      `INSERT INTO ${rows} (id, seq, json) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, json = excluded.json`,
    );
    this.deleteRow = db.prepare(`DELETE FROM ${rows} WHERE id = ?`);
    this.allIds = db.prepare(`SELECT id FROM ${rows}`);
    this.page = db.prepare(
      `SELECT id, json FROM ${rows} WHERE id > ? AND id < ? ORDER BY id LIMIT ${String(PAGE)}`,
    );
    this.addEntry = db.prepare(`INSERT OR IGNORE INTO ${index} (name, key, id) VALUES (?, ?, ?)`);
    this.deleteEntry = db.prepare(`DELETE FROM ${index} WHERE name = ? AND key = ? AND id = ?`);
    this.entryIds = db.prepare(`SELECT id FROM ${index} WHERE name = ? AND key = ?`);
    for (const s of [this.getSeq, this.allIds, this.entryIds]) s.setReturnArrays(true);
  }

  get(id: string): StoredRow | undefined {
    const recent = this.recent.get(id);
    if (recent !== undefined) return recent;
    const row = this.getRow.get(id) as { seq: number; json: string } | undefined;
    if (row === undefined) return undefined;
    const stored = { seq: row.seq, json: row.json };
    this.recent.set(id, stored);
    return stored;
  }
  seqOf(id: string): number {
    const recent = this.recent.get(id);
    if (recent !== undefined) return recent.seq;
    const row = this.getSeq.get(id) as unknown as [number] | undefined;
    return row === undefined ? 0 : row[0];
  }
  put(id: string, row: StoredRow): void {
    this.putRow.run(id, row.seq, row.json);
    this.recent.set(id, row);
  }
  delete(id: string): void {
    this.deleteRow.run(id);
    this.recent.delete(id);
  }
  ids(): Iterable<string> {
    return (this.allIds.all() as unknown as [string][]).map(([id]) => id);
  }
  *rowsStartingWith(prefix: string): Iterable<string> {
    // `id > after`: the prefix itself is never a row id (ids continue after it).
    const upper = upperBound(prefix);
    let after = prefix;
    for (;;) {
      const page = this.page.all(after, upper) as unknown as { id: string; json: string }[];
      for (const row of page) yield row.json;
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return;
      after = last.id;
    }
  }
  indexAdd(index: string, key: string, id: string): void {
    this.addEntry.run(index, key, id);
  }
  indexDelete(index: string, key: string, id: string): void {
    this.deleteEntry.run(index, key, id);
  }
  indexIds(index: string, key: string): readonly string[] {
    return (this.entryIds.all(index, key) as unknown as [string][]).map(([id]) => id);
  }
}

export interface DiskStorageOptions {
  /** Directory of the database file (created if missing). */
  readonly dir: string;
  /** SQLite's page cache, in MiB. */
  readonly cacheMiB?: number;
  /** Rows per table kept in memory as well, the most recently used (see `RecentRows`). */
  readonly recentRows?: number;
}

/**
 * The state in a SQLite file (Node's built-in `node:sqlite`), outside the JS heap: resident
 * memory stays flat however many records a connection has, as Kafka Streams' RocksDB stores do.
 * The file is not the durable copy (the changelog topic is): it is created empty at start, unlinked
 * at once (so it goes with the process, even one killed with SIGKILL), and filled by the
 * restore. Hence no fsync and no write-ahead log; the rollback journal stays in memory.
 */
export class DiskStorage implements StateStorage {
  private readonly db: DatabaseSync;
  private readonly recentRows: number;
  private depth = 0;

  constructor(options: DiskStorageOptions) {
    this.recentRows = options.recentRows ?? 4096;
    const file = join(options.dir, `sync-state-${String(process.pid)}-${randomUUID()}.sqlite`);
    try {
      mkdirSync(options.dir, { recursive: true });
      this.db = new DatabaseSync(file);
    } catch (error) {
      throw new Error(
        `cannot open the state store in ${options.dir} (SYNC_RULES_STATE_DIR): ${String(error)}`,
        { cause: error },
      );
    }
    try {
      this.db.exec(
        `PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA journal_mode = MEMORY;
         PRAGMA synchronous = OFF;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -${String((options.cacheMiB ?? 16) * 1024)};
         BEGIN EXCLUSIVE; COMMIT;`,
      );
    } finally {
      // The exclusive lock is held from here on, so nothing needs the name again.
      unlinkSync(file);
    }
  }

  table(name: string): RowStore {
    return new SqliteRowStore(this.db, name, this.recentRows);
  }

  batch<R>(fn: () => R): R {
    if (this.depth > 0) return fn();
    this.db.exec('BEGIN');
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      this.db.exec('COMMIT');
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
