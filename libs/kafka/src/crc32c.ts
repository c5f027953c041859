import { createRequire } from 'node:module';

/** CRC-32C of bytes as an unsigned 32-bit integer. */
export type Crc32c = (bytes: Uint8Array) => number;

/** The CRC-32C kafkajs puts in every record batch it produces (as installed). */
export function kafkajsCrc32c(): Crc32c {
  return createRequire(import.meta.url)(
    'kafkajs/src/protocol/recordBatch/crc32C/index.js',
  ) as Crc32c;
}

/**
 * kafkajs's shipped byte-at-a-time CRC-32C with its unsigned wrapper, as its record batches
 * used it before `tools/patches` (the file stays in place, unused): the baseline that the spec
 * and `bench/src/kafka-encode.bench.ts` compare with.
 */
export function kafkajsStockCrc32c(): Crc32c {
  const loop = createRequire(import.meta.url)(
    'kafkajs/src/protocol/recordBatch/crc32C/crc32C.js',
  ) as Crc32c;
  return (bytes) => Uint32Array.from([loop(bytes)])[0] ?? 0;
}

/** Whether the installed one is `tools/patches/kafkajs/crc32C.cjs` (by its function's name). */
export function isFastCrc32c(crc: Crc32c = kafkajsCrc32c()): boolean {
  return crc.name === 'crc32cSliceBy8';
}

/** Known CRC-32C values: the standard check value, and lengths around the 8-byte stride. */
const VECTORS: readonly (readonly [string, number])[] = [
  ['', 0x00000000],
  ['a', 0xc1d04330],
  ['123456789', 0xe3069283],
  ['The quick brown fox jumps over the lazy dog', 0x22620404],
];

/**
 * Throws unless kafkajs's record batch checksum gives known CRC-32C values (also from a view
 * that does not start its buffer). A wrong checksum makes the broker refuse every batch
 * (CORRUPT_MESSAGE); `tools/patches` replaces kafkajs's implementation, so a client is refused
 * at boot rather than failing on its first send.
 */
export function assertCrc32c(crc: Crc32c = kafkajsCrc32c()): void {
  for (const [text, expected] of VECTORS) {
    const bytes = Buffer.from(`_${text}`).subarray(1);
    const actual = crc(bytes);
    if (actual !== expected) {
      throw new Error(
        `kafkajs's CRC-32C of ${JSON.stringify(text)} is ${String(actual)}, not ${String(expected)}: ` +
          'check tools/patches/kafkajs/crc32C.cjs and run `node tools/patches/apply.js`',
      );
    }
  }
}
