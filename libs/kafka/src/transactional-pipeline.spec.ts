import { describe, expect, it } from '@jest/globals';
import { chunksOf } from './transactional-pipeline.js';

const message = (i: number, size: number) => ({
  topic: 't',
  key: `k${i}`,
  value: 'x'.repeat(size),
});

describe('chunksOf', () => {
  it('cuts outputs into runs under the byte bound, in order, losing none', () => {
    const messages = Array.from({ length: 100 }, (_, i) => message(i, 98 + (i % 5)));
    const chunks = chunksOf(messages, 1_000);
    expect(chunks.flat()).toEqual(messages);
    for (const c of chunks) {
      expect(c.reduce((n, m) => n + m.key.length + m.value.length, 0)).toBeLessThanOrEqual(1_000);
    }
    expect(chunks.length).toBeGreaterThan(10);
  });

  it('sends a message larger than the bound alone, and nothing for no output', () => {
    const big = message(0, 5_000);
    expect(chunksOf([message(1, 10), big, message(2, 10)], 1_000)).toEqual([
      [message(1, 10)],
      [big],
      [message(2, 10)],
    ]);
    expect(chunksOf([], 1_000)).toEqual([]);
  });
});
