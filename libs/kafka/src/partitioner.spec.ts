import { describe, expect, it } from '@jest/globals';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { murmur2, murmur2Partitioner, murmur2String, partitionForKey } from './partitioner.js';
import { seededRandom as prng } from './seeded-random.fixture.js';

const int = (rnd: () => number, below: number) => Math.floor(rnd() * below);

/** A code unit or point from ranges that stress UTF-8 encoding: 1 to 4 bytes, lone surrogates. */
function unicodeChar(rnd: () => number): string {
  switch (int(rnd, 6)) {
    case 0:
      return String.fromCharCode(int(rnd, 0x80));
    case 1:
      return String.fromCharCode(0x80 + int(rnd, 0x780)); // 2 UTF-8 bytes
    case 2:
      return String.fromCharCode(0x800 + int(rnd, 0xd000)); // 3 bytes (CJK, symbols)
    case 3:
      return String.fromCodePoint(0x10000 + int(rnd, 0x100000)); // surrogate pair, 4 bytes
    case 4:
      return String.fromCharCode(0xd800 + int(rnd, 0x800)); // lone surrogate (encoded as U+FFFD)
    default:
      return ['é', 'ß', '€', '😀', '中', '\u0000', '\u00ff'][int(rnd, 7)] ?? '';
  }
}

/** ASCII 3/8, other Unicode 2/8, raw bytes 2/8, empty 1/8; lengths 0–200. */
function randomKey(rnd: () => number): Buffer | string {
  const length = int(rnd, 201);
  const kind = int(rnd, 8);
  if (kind < 3) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(0x20 + int(rnd, 0x5f));
    return s;
  }
  if (kind < 5) {
    let s = '';
    while (s.length < length) s += unicodeChar(rnd);
    return s;
  }
  if (kind < 7) {
    const b = Buffer.alloc(length);
    for (let i = 0; i < length; i++) b[i] = int(rnd, 256);
    return b;
  }
  return int(rnd, 2) === 0 ? '' : Buffer.alloc(0);
}

const metadata = (partitions: number, leaderless: readonly number[] = []): PartitionMetadata[] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));

describe('murmur2 partitioner', () => {
  it("gives the Java client's murmur2 for its own test vectors", () => {
    // Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) {
      expect(murmur2(Buffer.from(key))).toBe(hash);
      expect(murmur2String(key)).toBe(hash);
    }
  });

  it("places 100,000 random keys exactly where kafkajs's DefaultPartitioner does (1–64 partitions)", () => {
    const seed = 0x5eed;
    const rnd = prng(seed);
    const ours = murmur2Partitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const topologies = Array.from({ length: 64 }, (_, i) => metadata(i + 1));
    const mismatches: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      const key = randomKey(rnd);
      const partitionMetadata = topologies[n % 64] ?? [];
      const args = { topic: 't', partitionMetadata, message: { key, value: null } };
      const expected = theirs(args);
      const actual = ours(args);
      if (actual !== expected || actual !== partitionForKey(key, partitionMetadata.length)) {
        mismatches.push(`#${n} (seed ${seed}) ${JSON.stringify(key)}: ${actual} ≠ ${expected}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // kafkajs's BigInt murmur2 takes 100-200 µs per key under Jest: most of the test's time.
  }, 300_000);

  it('takes the UTF-8 bytes of a string key, so a string and its Buffer land together', () => {
    const rnd = prng(7);
    for (let n = 0; n < 2_000; n++) {
      let s = '';
      const length = int(rnd, 60);
      while (s.length < length) s += unicodeChar(rnd);
      expect(murmur2String(s)).toBe(murmur2(Buffer.from(s, 'utf8')));
    }
  });

  it('hashes the string form of a key that is neither a string nor a Buffer, as kafkajs does', () => {
    const ours = murmur2Partitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(12);
    for (const key of [0, 42, -7, 3.5, true]) {
      const message = { key, value: null } as unknown as Message;
      const args = { topic: 't', partitionMetadata, message };
      expect(ours(args)).toBe(theirs(args));
    }
  });

  it("lets a message's explicit partition win over its key", () => {
    const partition = murmur2Partitioner();
    const partitionMetadata = metadata(8);
    for (let p = 0; p < 8; p++) {
      expect(
        partition({
          topic: 't',
          partitionMetadata,
          message: { key: 'k', value: null, partition: p },
        }),
      ).toBe(p);
    }
  });

  it('sends unkeyed messages round robin over the partitions with a leader, like kafkajs', () => {
    const leaderless = [1, 4, 5];
    const partitionMetadata = metadata(8, leaderless);
    const available = [0, 2, 3, 6, 7];
    for (const create of [murmur2Partitioner, Partitioners.DefaultPartitioner]) {
      const partition = create();
      const chosen = Array.from({ length: 15 }, () =>
        partition({ topic: 't', partitionMetadata, message: { key: null, value: null } }),
      );
      const start = available.indexOf(chosen[0] ?? -1);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(chosen).toEqual(chosen.map((_, i) => available[(start + i) % available.length]));
    }
  });

  it('keeps a round-robin position per topic', () => {
    const partition = murmur2Partitioner();
    const partitionMetadata = metadata(4);
    const next = (topic: string) =>
      partition({ topic, partitionMetadata, message: { key: null, value: null } });
    const a0 = next('a');
    const b0 = next('b');
    expect([next('a'), next('a')]).toEqual([(a0 + 1) % 4, (a0 + 2) % 4]);
    expect(next('b')).toBe((b0 + 1) % 4);
  });

  it('falls back to all partitions when none has a leader, like kafkajs', () => {
    const partitionMetadata = metadata(3, [0, 1, 2]);
    for (const create of [murmur2Partitioner, Partitioners.DefaultPartitioner]) {
      const partition = create();
      const chosen = Array.from({ length: 6 }, () =>
        partition({ topic: 't', partitionMetadata, message: { key: null, value: null } }),
      );
      const start = chosen[0] ?? -1;
      expect(chosen).toEqual(chosen.map((_, i) => (start + i) % 3));
    }
  });
});
