import { describe, expect, it } from '@jest/globals';
import { isStaleRequest, ownedConnections } from './control-consumer.js';

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
