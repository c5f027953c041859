import { describe, expect, it } from '@jest/globals';
import { ownedConnections, partitionOf } from './partitioning.js';

describe('partitionOf', () => {
  // Expected values computed with kafkajs' DefaultPartitioner (the Java client's murmur2).
  it.each([
    ['default', 3, 1],
    ['default', 12, 7],
    ['conn-42', 3, 1],
    ['conn-42', 12, 7],
    ['c1', 3, 2],
    ['c1', 12, 11],
    ['tenant-ü', 3, 0],
    ['tenant-ü', 12, 3],
    ['abcde', 12, 1],
  ])('puts key %s on the partition Kafka does (%i partitions → %i)', (key, n, expected) => {
    expect(partitionOf(key, n)).toBe(expected);
  });

  it('refuses a topic without partitions', () => {
    expect(() => partitionOf('x', 0)).toThrow(RangeError);
  });

  it('gives each connection to exactly one of the members that split the partitions', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `conn-${i}`);
    const a = ownedConnections(ids, new Set([0]), 3);
    const b = ownedConnections(ids, new Set([1, 2]), 3);
    expect(a.size + b.size).toBe(50);
    expect([...a].filter((x) => b.has(x))).toEqual([]);
  });
});
