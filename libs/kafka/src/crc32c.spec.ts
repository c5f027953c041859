import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { assertCrc32c, isFastCrc32c, kafkajsCrc32c, kafkajsStockCrc32c } from './crc32c.js';

/** Reference: CRC-32C bit by bit, straight from the definition (reflected 0x1EDC6F41). */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const stockCrc32c = kafkajsStockCrc32c();
const installed = kafkajsCrc32c();

describe('kafkajs record batch CRC-32C (as installed, with tools/patches)', () => {
  it('is the slice-by-8 one from tools/patches', () => {
    expect(isFastCrc32c(installed)).toBe(true);
    expect(isFastCrc32c(stockCrc32c)).toBe(false);
  });

  it('gives the known values (check value, RFC 3720 test patterns)', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    const cases: [Uint8Array, number][] = [
      [Buffer.from('123456789'), 0xe3069283],
      [Buffer.alloc(0), 0],
      [Buffer.alloc(32, 0x00), 0x8a9136aa],
      [Buffer.alloc(32, 0xff), 0x62a8ab43],
      [ascending, 0x46dd794e],
      [ascending.slice().reverse(), 0x113fdb5c],
    ];
    for (const [bytes, expected] of cases) {
      expect(installed(bytes)).toBe(expected);
      expect(referenceCrc32c(bytes)).toBe(expected);
    }
  });

  it('matches the bit-by-bit reference on random buffers of 0–100 KB, at any offset', () => {
    const lengths = [
      ...Array.from({ length: 64 }, (_, i) => i), // every tail length around the 8-byte stride
      ...Array.from({ length: 40 }, () => randomInt(64, 2_000)), // single records
      ...Array.from({ length: 24 }, () => randomInt(2_000, 100_001)), // batches
      100_000,
    ];
    for (const length of lengths) {
      const offset = randomInt(0, 8);
      const bytes = randomBytes(length + offset).subarray(offset);
      const expected = referenceCrc32c(bytes);
      expect({ length, offset, crc: installed(bytes) }).toEqual({ length, offset, crc: expected });
      expect(stockCrc32c(bytes)).toBe(expected);
    }
  });

  it('returns an unsigned 32-bit integer', () => {
    for (let n = 0; n < 200; n++) {
      const value = installed(randomBytes(randomInt(0, 300)));
      expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
    }
  });

  it('passes the boot check', () => {
    expect(() => {
      assertCrc32c();
    }).not.toThrow();
  });

  it('the boot check refuses another checksum (CRC-32 IEEE, as zlib has it)', () => {
    expect(() => {
      assertCrc32c((bytes) => crc32(bytes));
    }).toThrow(/CRC-32C/);
  });
});
