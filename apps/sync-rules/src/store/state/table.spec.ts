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
