import { describe, expect, it } from '@jest/globals';
import { CreatedDates } from './created-dates.js';

describe('CreatedDate cache', () => {
  it('keeps the first value of each id and forgets the oldest beyond its size', () => {
    const cache = new CreatedDates(2);
    cache.remember('a', 1);
    cache.remember('a', 99);
    cache.remember('b', 2);
    cache.remember('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([
      undefined,
      2,
      3,
      2,
    ]);
  });
});
