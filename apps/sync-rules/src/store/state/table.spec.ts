import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DiskStorage, MemoryStorage, type StateStorage } from './row-store.js';
import { SEP, Table } from './table.js';

interface Row {
  readonly deleted: boolean;
}

interface Tagged {
  readonly tags: readonly string[];
}

const id = (connection: string, n: number) => `${connection}${SEP}${String(n)}`;

const dir = mkdtempSync(join(tmpdir(), 'table-spec-'));
const opened: StateStorage[] = [];
afterAll(() => {
  for (const s of opened) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const storages: [string, () => StateStorage][] = [
  ['memory', () => new MemoryStorage()],
  ['disk', () => new DiskStorage({ dir, cacheMiB: 1, recentRows: 2 })],
];

function open(make: () => StateStorage): StateStorage {
  const s = make();
  opened.push(s);
  return s;
}

describe.each(storages)('Table on %s storage', (_kind, make) => {
  it('counts matching rows per connection as rows are added, changed, removed and replayed', () => {
    const t = new Table<Row>('accounts', {}, { live: (r) => !r.deleted }, undefined, open(make));
    t.apply(id('a', 1), 1, { deleted: false });
    t.apply(id('a', 2), 1, { deleted: false });
    t.apply(id('b', 1), 1, { deleted: false });
    expect([t.count('live', 'a'), t.count('live', 'b')]).toEqual([2, 1]);

    t.apply(id('a', 2), 2, { deleted: true }); // deleted: kept as a row, no longer counted
    t.apply(id('a', 2), 1, { deleted: false }); // an older version: ignored
    t.apply(id('a', 2), 2, { deleted: false }); // the same version again: ignored
    expect(t.count('live', 'a')).toBe(1);

    t.apply(id('a', 1), 3, undefined); // removed
    t.apply(id('b', 1), 2, { deleted: false }); // changed, still counted once
    expect([t.count('live', 'a'), t.count('live', 'b'), t.count('live', 'c')]).toEqual([0, 1, 0]);
    expect(t.size).toBe(2);
  });

  it('counts the distinct values of an index that rows hold, per connection', () => {
    // Errors: one row per record and code; a record fails while it has any.
    interface Err {
      readonly record: string;
      readonly code: string;
    }
    const t = new Table<Err>(
      'sync_errors',
      { record: (e) => [e.record] },
      { failing: { distinctIn: 'record' }, timeouts: (e) => e.code === 'TIMEOUT' },
      undefined,
      open(make),
    );
    const failing = (c: string) => t.count('failing', c);
    t.apply(`a${SEP}r1${SEP}X`, 1, { record: 'r1', code: 'X' });
    t.apply(`a${SEP}r1${SEP}TIMEOUT`, 1, { record: 'r1', code: 'TIMEOUT' });
    t.apply(`a${SEP}r2${SEP}X`, 1, { record: 'r2', code: 'X' });
    t.apply(`b${SEP}r1${SEP}X`, 1, { record: 'r1', code: 'X' });
    expect([failing('a'), failing('b'), t.count('timeouts', 'a')]).toEqual([2, 1, 1]);

    t.apply(`a${SEP}r1${SEP}X`, 2, { record: 'r1', code: 'X' }); // rewritten: still one record
    t.apply(`a${SEP}r1${SEP}X`, 3, undefined); // r1 keeps its TIMEOUT
    expect(failing('a')).toBe(2);
    t.apply(`a${SEP}r1${SEP}TIMEOUT`, 2, undefined); // r1's last error gone
    t.apply(`a${SEP}r1${SEP}TIMEOUT`, 2, undefined); // again: nothing left to count out
    expect([failing('a'), t.count('timeouts', 'a')]).toEqual([1, 0]);
    t.apply(`a${SEP}r2${SEP}X`, 2, { record: 'r3', code: 'X' }); // the row moves to r3
    expect([failing('a'), failing('b')]).toEqual([1, 1]);
  });

  it('refuses a distinct counter over an index it does not have', () => {
    expect(
      () => new Table<Row>('t', {}, { n: { distinctIn: 'missing' } }, undefined, open(make)),
    ).toThrow('counter n of table t: no index missing');
  });

  it('keeps rows, versions and the row count; removing an absent row changes nothing', () => {
    const t = new Table<{ n: number }>('jobs', {}, {}, undefined, open(make));
    expect([t.get(id('a', 1)), t.seqOf(id('a', 1)), t.size]).toEqual([undefined, 0, 0]);
    expect(t.apply(id('a', 1), 5, { n: 1 })).toBe(true);
    expect(t.apply(id('a', 1), 4, { n: 2 })).toBe(false);
    expect(t.apply(id('a', 1), 6, { n: 3 }, '{"n":3}')).toBe(true);
    expect([t.get(id('a', 1)), t.seqOf(id('a', 1)), t.size]).toEqual([{ n: 3 }, 6, 1]);
    expect(t.stored(id('a', 1))).toEqual({ seq: 6, json: '{"n":3}' });
    expect(t.apply(id('a', 2), 1, undefined)).toBe(true);
    expect(t.size).toBe(1);
    expect(t.apply(id('a', 1), 7, undefined)).toBe(true);
    expect([t.get(id('a', 1)), t.seqOf(id('a', 1)), t.size]).toEqual([undefined, 0, 0]);
  });

  it('finds rows by index per connection, and follows a row whose values change', () => {
    const t = new Table<Tagged>('links', { tag: (r) => r.tags }, {}, undefined, open(make));
    t.apply(id('a', 1), 1, { tags: ['x', 'y'] });
    t.apply(id('a', 2), 1, { tags: ['y'] });
    t.apply(id('b', 1), 1, { tags: ['x'] });
    expect([...t.idsBy('tag', 'a', 'y')].sort()).toEqual([id('a', 1), id('a', 2)]);
    expect(t.idsBy('tag', 'a', 'x')).toEqual([id('a', 1)]);
    expect(t.idsBy('tag', 'b', 'x')).toEqual([id('b', 1)]);

    t.apply(id('a', 1), 2, { tags: ['z'] });
    t.apply(id('a', 2), 2, undefined);
    expect([t.idsBy('tag', 'a', 'x'), t.idsBy('tag', 'a', 'y')]).toEqual([[], []]);
    expect(t.idsBy('tag', 'a', 'z')).toEqual([id('a', 1)]);
    expect(t.idsBy('nope', 'a', 'z')).toEqual([]);

    t.apply(id('a', 1), 3, { tags: ['z', 'x'] }); // keeps z, gains x
    t.apply(id('b', 1), 2, { tags: ['x'] }); // unchanged values, new version
    expect([t.idsBy('tag', 'a', 'z'), t.idsBy('tag', 'a', 'x')]).toEqual([
      [id('a', 1)],
      [id('a', 1)],
    ]);
    expect(t.idsBy('tag', 'b', 'x')).toEqual([id('b', 1)]);
  });

  it("scans one connection's rows across pages, not another's that shares its prefix", () => {
    const t = new Table<{ n: number }>('companies', {}, {}, undefined, open(make));
    const n = 600; // more than two pages of the disk store
    for (let i = 0; i < n; i++) t.apply(id('a', i), 1, { n: i });
    t.apply(id('ab', 1), 1, { n: -1 });
    t.apply('a', 1, { n: -2 }); // not a row of connection `a`: no separator
    const seen = [...t.rowsOf('a')].map((r) => r.n).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect([...t.rowsOf('ab')]).toEqual([{ n: -1 }]);
    expect([...t.rowsOf('c')]).toEqual([]);
  });

  it('scans on while rows are written between its steps, seeing every row it started with', () => {
    const t = new Table<{ n: number }>('companies', {}, {}, undefined, open(make));
    for (let i = 0; i < 300; i++) t.apply(id('a', i), 1, { n: i });
    const seen = new Set<number>();
    let written = 0;
    for (const row of t.rowsOf('a')) {
      seen.add(row.n);
      t.apply(id('a', row.n), 2, { n: row.n }); // rewritten in place
      if (written < 50) t.apply(id('b', written++), 1, { n: -1 }); // another connection
    }
    expect(seen.size).toBe(300);
    expect(t.seqOf(id('a', 299))).toBe(2);
  });

  it('lists every id (the connections table)', () => {
    const t = new Table<{ n: number }>('connections', {}, {}, undefined, open(make));
    t.apply('c1', 1, { n: 1 });
    t.apply('c2', 1, { n: 2 });
    t.apply('c1', 2, undefined);
    expect([...t.ids()]).toEqual(['c2']);
  });

  it('keeps what a batch applied before it threw', () => {
    const storage = open(make);
    const t = new Table<{ n: number }>('jobs', {}, {}, undefined, storage);
    expect(() =>
      storage.batch(() => {
        t.apply(id('a', 1), 1, { n: 1 });
        throw new Error('bad record');
      }),
    ).toThrow('bad record');
    expect([t.get(id('a', 1)), t.size]).toEqual([{ n: 1 }, 1]);
    expect(storage.batch(() => storage.batch(() => t.apply(id('a', 2), 1, { n: 2 })))).toBe(true);
    expect(t.get(id('a', 2))).toEqual({ n: 2 });
  });
});

describe('DiskStorage', () => {
  it('leaves no file behind, even while open', () => {
    const own = mkdtempSync(join(tmpdir(), 'disk-storage-'));
    const storage = new DiskStorage({ dir: own });
    const t = new Table<{ n: number }>('jobs', {}, {}, undefined, storage);
    t.apply(id('a', 1), 1, { n: 1 });
    expect(readdirSync(own)).toEqual([]);
    expect(t.get(id('a', 1))).toEqual({ n: 1 });
    storage.close();
    storage.close(); // twice is harmless
    rmSync(own, { recursive: true });
  });

  it('names the directory it cannot open the store in', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => new DiskStorage({ dir: join(file, 'sub') })).toThrow(
      `cannot open the state store in ${join(file, 'sub')} (SYNC_RULES_STATE_DIR)`,
    );
  });

  it('refuses a table name that is not ours', () => {
    const storage = open(() => new DiskStorage({ dir }));
    expect(() => storage.table('x; DROP TABLE y')).toThrow('not a table name');
  });
});

describe('Table.getShared', () => {
  it('parses a row once per version, frozen, and sees the next version', () => {
    const t = new Table<{ settings: { on: boolean } }>('connections');
    t.apply('c1', 1, { settings: { on: false } });
    const first = t.getShared('c1');
    expect(first).toEqual({ settings: { on: false } });
    expect(t.getShared('c1')).toBe(first);
    expect(() => {
      (first as { settings: { on: boolean } }).settings.on = true;
    }).toThrow(TypeError);

    t.apply('c1', 2, { settings: { on: true } });
    expect(t.getShared('c1')).toEqual({ settings: { on: true } });
    t.apply('c1', 3, undefined);
    expect(t.getShared('c1')).toBeUndefined();
  });
});
