/**
 * Kafka's default partitioner for keyed messages (Java client and kafkajs' DefaultPartitioner):
 * murmur2 of the key's UTF-8 bytes, made positive, modulo the partition count. We need it to
 * know which partition of the control topic a connection's key lands on (poll ownership).
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return (murmur2(new TextEncoder().encode(key)) & 0x7fffffff) % partitions;
}

/** MurmurHash2, 32 bit, seed 0x9747b28c, as Kafka computes it (signed 32-bit result). */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const byte = (i: number) => data[i] ?? 0;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= byte(tail + 2) << 16;
  if (rest >= 2) h ^= byte(tail + 1) << 8;
  if (rest >= 1) h = Math.imul(h ^ byte(tail), m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The connections whose control-topic partition is among `assigned`. */
export function ownedConnections(
  connectionIds: Iterable<string>,
  assigned: ReadonlySet<number>,
  partitions: number,
): Set<string> {
  const owned = new Set<string>();
  for (const id of connectionIds) if (assigned.has(partitionOf(id, partitions))) owned.add(id);
  return owned;
}
