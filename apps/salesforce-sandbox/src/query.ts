import { randomBytes } from 'node:crypto';
import { SfError } from './errors.js';
import { idChecksum } from './ids.js';
import { compileSoql, type CompiledQuery, type Rec } from './soql/compile.js';
import type { Store } from './store.js';

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

interface Cursor {
  readonly compiled: CompiledQuery;
  /** Snapshot of the matching records: records are immutable, so later writes do not show. */
  readonly rows: readonly Rec[];
  readonly batchSize: number;
  readonly scanAll: boolean;
  lastUsed: number;
}

const CURSOR_TTL_MS = 15 * 60_000;
const MAX_CURSORS = 200;

/** Runs SOQL against the store and keeps query cursors (`nextRecordsUrl` locators). */
export class QueryEngine {
  private readonly cursors = new Map<string, Cursor>();

  constructor(private readonly store: Store) {}

  reset(): void {
    this.cursors.clear();
  }

  run(soql: string, scanAll: boolean, batchSize: number, version: string): QueryPage {
    const compiled = compileSoql(soql, (id) => this.store.find(id));
    let rows: Rec[] = [];
    for (const rec of this.store.all(compiled.type)) {
      if (!scanAll && rec['IsDeleted'] === true) continue;
      if (compiled.filter(rec)) rows.push(rec);
    }
    if (compiled.compare) rows.sort(compiled.compare);
    if (compiled.offset !== undefined) {
      if (compiled.offset > 2000)
        throw new SfError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
      rows = rows.slice(compiled.offset);
    }
    if (compiled.limit !== undefined) rows = rows.slice(0, compiled.limit);
    if (compiled.isCount) return { totalSize: rows.length, done: true, records: [] };
    const cursor: Cursor = { compiled, rows, batchSize, scanAll, lastUsed: Date.now() };
    return this.page(cursor, this.newLocator(), 0, version);
  }

  more(locator: string, version: string): QueryPage {
    const m = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(locator);
    const [, id, start] = m ?? [];
    const cursor = id === undefined ? undefined : this.cursors.get(id);
    if (id === undefined || !cursor) {
      throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = Date.now();
    return this.page(cursor, id, Number(start), version);
  }

  private page(cursor: Cursor, id: string, start: number, version: string): QueryPage {
    const end = Math.min(start + cursor.batchSize, cursor.rows.length);
    const records = cursor.rows
      .slice(start, end)
      .map((rec) => cursor.compiled.project(rec, version));
    const done = end >= cursor.rows.length;
    if (done) this.cursors.delete(id);
    else this.keep(id, cursor);
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}` }),
      records,
    };
  }

  private keep(id: string, cursor: Cursor): void {
    this.cursors.set(id, cursor);
    if (this.cursors.size > MAX_CURSORS) {
      const now = Date.now();
      for (const [k, c] of this.cursors)
        if (now - c.lastUsed > CURSOR_TTL_MS) this.cursors.delete(k);
      // Maps iterate in insertion order: the oldest cursors go first.
      for (const k of this.cursors.keys()) {
        if (this.cursors.size <= MAX_CURSORS) break;
        this.cursors.delete(k);
      }
    }
  }

  private newLocator(): string {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const bytes = randomBytes(12);
    let s = '01g';
    for (const b of bytes) s += alphabet.charAt(b % 62);
    return s + idChecksum(s);
  }
}
