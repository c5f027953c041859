import { describe, expect, it } from '@jest/globals';
import { SEP, Table } from './table.js';

interface Row {
  readonly deleted: boolean;
}

const id = (connection: string, n: number) => `${connection}${SEP}${String(n)}`;

describe('Table counters', () => {
  it('count matching rows per connection as rows are added, changed, removed and replayed', () => {
    const t = new Table<Row>('accounts', {}, { live: (r) => !r.deleted });
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
