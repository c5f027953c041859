import { describe, expect, it } from '@jest/globals';
import { isStaleRequest, ownedConnections } from './control-consumer.js';
import { murmur2, partitionForKey } from './partitioner.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur2 (Kafka default partitioner)', () => {
  // Kafka's own test vectors (clients/src/test/.../UtilsTest#testMurmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j to %i', (key, hash) => {
    expect(murmur2(utf8(key))).toBe(hash);
  });

  it('maps keys to a partition within range, stably', () => {
    for (const key of ['default', 'conn-1', 'c', 'Ünïcødé', '']) {
      const p = partitionForKey(key, 3);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(3);
      expect(partitionForKey(key, 3)).toBe(p);
    }
    expect(() => partitionForKey('x', 0)).toThrow(RangeError);
  });
});

describe('ownership by assignment', () => {
  it('owns exactly the connections whose control partition is assigned here', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `conn-${i}`);
    const byPartition = [0, 1, 2].map((p) => ownedConnections(ids, [p], 3));
    // Each connection is owned by exactly one of three instances holding one partition each.
    expect(byPartition.flat().sort()).toEqual([...ids].sort());
    expect(ownedConnections(ids, [0, 1, 2], 3)).toEqual(ids);
    expect(ownedConnections(ids, [], 3)).toEqual([]);
  });
});

describe('requests from history', () => {
  it('are stale after a day', () => {
    const now = Date.parse('2026-11-28T12:00:00.000Z');
    expect(isStaleRequest('2026-11-28T11:00:00.000Z', now)).toBe(false);
    expect(isStaleRequest('2026-11-27T11:59:59.000Z', now)).toBe(true);
  });
});
