import { describe, expect, it } from '@jest/globals';
import { WrittenVersions } from './written-versions.js';

const hit = (id: string, modifiedAt: number) => ({ id, modifiedAt });

describe('WrittenVersions', () => {
  it('takes only the exact versions recorded, per connection, and forgets them', () => {
    const w = new WrittenVersions(10);
    w.record('c1', [
      ['1', 100],
      ['2', 200],
    ]);
    w.record('c2', [['1', 100]]);
    expect(w.takeOurs('c1', [hit('1', 100), hit('2', 201), hit('3', 100)])).toEqual([
      hit('1', 100),
    ]);
    expect(w.takeOurs('c1', [hit('1', 100)])).toEqual([]);
    expect(w.takeOurs('c3', [hit('1', 100)])).toEqual([]);
    expect(w.size).toBe(2); // c1's 2@200 and c2's 1@100
    expect(w.takeOurs('c2', [hit('1', 100)])).toEqual([hit('1', 100)]);
  });

  it('keeps a company once, at its latest recorded version', () => {
    const w = new WrittenVersions(10);
    w.record('c1', [['1', 100]]);
    w.record('c1', [['1', 150]]);
    expect(w.size).toBe(1);
    expect(w.takeOurs('c1', [hit('1', 100)])).toEqual([]);
    expect(w.takeOurs('c1', [hit('1', 150)])).toEqual([hit('1', 150)]);
  });

  it('holds at most `max`, dropping the oldest of the connection recorded into first', () => {
    const w = new WrittenVersions(3);
    w.record('c1', [
      ['1', 1],
      ['2', 2],
    ]);
    w.record('c2', [['9', 9]]);
    w.record('c1', [
      ['1', 10], // re-recorded: now the newest of c1
      ['3', 3],
      ['4', 4],
    ]);
    // c1 held 2, 1, 3, 4 (oldest first): two go, c2's older 9 stays.
    expect(w.size).toBe(3);
    expect(w.takeOurs('c1', [hit('1', 10), hit('2', 2), hit('3', 3), hit('4', 4)])).toEqual([
      hit('3', 3),
      hit('4', 4),
    ]);
    expect(w.takeOurs('c2', [hit('9', 9)])).toEqual([hit('9', 9)]);
  });

  it('records nothing with a max of 0', () => {
    const w = new WrittenVersions(0);
    w.record('c1', [['1', 1]]);
    expect(w.size).toBe(0);
    expect(w.takeOurs('c1', [hit('1', 1)])).toEqual([]);
  });
});
