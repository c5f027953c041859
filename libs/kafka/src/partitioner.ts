import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which places keyed records) in 32-bit
 * arithmetic. kafkajs 2.2.4 computes the same hash with a BigInt-backed `Long` per 4 bytes,
 * which made partition choice ~8 % of the sync-rules service's CPU.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** murmur2 of bytes, as the Java client's signed 32-bit result. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const end = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < end; i += 4) {
    h = mixWord(
      h,
      (data[i] ?? 0) |
        ((data[i + 1] ?? 0) << 8) |
        ((data[i + 2] ?? 0) << 16) |
        ((data[i + 3] ?? 0) << 24),
    );
  }
  const rest = length & 3;
  if (rest === 0) return finish(h);
  if (rest === 3) h ^= (data[end + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[end + 1] ?? 0) << 8;
  return finish(Math.imul(h ^ (data[end] ?? 0), M));
}

/**
 * murmur2 of a string's UTF-8 bytes. An ASCII string is hashed from its char codes (they are
 * its UTF-8 bytes), with no Buffer made per message; any other string is encoded first.
 */
export function murmur2String(key: string): number {
  const length = key.length;
  const end = length & ~3;
  let h = SEED ^ length;
  let seen = 0;
  for (let i = 0; i < end; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    seen |= c0 | c1 | c2 | c3;
    // Meaningless when a code is above 0x7f; then the string is hashed again from its bytes.
    h = mixWord(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  const rest = length & 3;
  for (let i = end; i < length; i++) seen |= key.charCodeAt(i);
  if (seen > 0x7f) return murmur2(Buffer.from(key, 'utf8'));
  if (rest === 0) return finish(h);
  if (rest === 3) h ^= key.charCodeAt(end + 2) << 16;
  if (rest >= 2) h ^= key.charCodeAt(end + 1) << 8;
  return finish(Math.imul(h ^ key.charCodeAt(end), M));
}

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, M);
  k ^= k >>> 24;
  k = Math.imul(k, M);
  return Math.imul(h, M) ^ k;
}

function finish(hash: number): number {
  let h = hash ^ (hash >>> 13);
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

/** The Java client's `toPositive`: drops the sign bit (not the absolute value). */
const toPositive = (x: number): number => x & 0x7fffffff;

/**
 * The partition of a keyed record among `partitions`, as the Java client and kafkajs choose it.
 * Like kafkajs, a key that is not a Buffer is hashed as `String(key)`: kafkajs's type says
 * string, but JavaScript callers pass numbers too.
 */
export function partitionForKey(key: Buffer | string | number, partitions: number): number {
  const hash = Buffer.isBuffer(key) ? murmur2(key) : murmur2String(String(key));
  return toPositive(hash) % partitions;
}

/**
 * kafkajs's DefaultPartitioner (its "Java compatible" one) with the hash above; the placement is
 * the same record for record (`partitioner.spec.ts` compares them):
 *  - a message's explicit `partition` wins;
 *  - a keyed message goes to toPositive(murmur2(key)) % the topic's partition count;
 *  - an unkeyed message goes round robin, per topic from a random start, over the partitions
 *    that have a leader (over all of them when none has).
 * Passing it as `createPartitioner` also keeps kafkajs from warning that its default changed.
 */
export const murmur2Partitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    // `!= null`: kafkajs also takes a null partition for "none" (its type says number only).
    if (message.partition != null) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      return partitionForKey(message.key, partitionMetadata.length);
    }
    const counter = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const chosen = available[toPositive(counter) % available.length];
    return chosen ? chosen.partitionId : toPositive(counter) % partitionMetadata.length;
  };
};
