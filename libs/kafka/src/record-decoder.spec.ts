import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

const require = createRequire(import.meta.url);

interface Encoded {
  readonly buffer: Buffer;
}
/** kafkajs's record encoder (as shipped; tools/patches does not touch it). */
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number | bigint;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | string[]>;
}) => Encoded;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => {
  readVarIntBytes(): Buffer;
};
/** The record decoder as installed (with tools/patches). */
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  d: unknown,
  context: object,
) => {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  isControlRecord: boolean;
  magicByte: number;
  attributes: number;
};

/** Encodes a record as a batch holds it (length-prefixed) and decodes it the way a fetch does. */
function roundTrip(record: Parameters<typeof encodeRecord>[0], context: object) {
  // A batch decoder reads the record's length-prefixed bytes, then decodes them.
  const body = new Decoder(encodeRecord(record).buffer).readVarIntBytes();
  return decodeRecord(new Decoder(body), context);
}

const context = (firstOffset: string, firstTimestamp: string) => ({
  firstOffset,
  firstTimestamp,
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
  maxTimestamp: '0',
});

describe('kafkajs record decoder (as installed, with tools/patches)', () => {
  it('gives each record its batch offset and timestamp plus its deltas, exactly', () => {
    const cases: readonly [string, string, number, number | bigint][] = [
      ['0', '1750000000000', 0, 0],
      ['41', '1750000000000', 7, 1],
      ['123456789', '1750000000000', 499, -1],
      ['5', '1750000000000', 3, 2 ** 40 + 17],
      ['5', '1750000000000', 3, -(2 ** 48) + 3],
      // Past 49 bits and past 2^53: the Long arithmetic, digit for digit.
      ['9007199254740993', '1750000000000', 1, 2n ** 60n + 11n],
      ['9223372036854775000', '9007199254740993', 100, 5],
      ['0', '-1', 0, 0],
    ];
    for (const [firstOffset, firstTimestamp, offsetDelta, timestampDelta] of cases) {
      const r = roundTrip(
        { offsetDelta, timestampDelta, key: 'k', value: 'v' },
        context(firstOffset, firstTimestamp),
      );
      expect(r.offset).toBe(String(BigInt(firstOffset) + BigInt(offsetDelta)));
      expect(r.timestamp).toBe(String(BigInt(firstTimestamp) + BigInt(timestampDelta)));
    }
  });

  it('keeps keys, values and headers (a repeated header key as an array, in order)', () => {
    const r = roundTrip(
      {
        offsetDelta: 2,
        timestampDelta: 9,
        key: Buffer.from('key ✓'),
        value: 'välue',
        headers: { a: '1', b: ['x', 'y'], constructor: 'c' },
      },
      context('10', '1750000000000'),
    );
    expect(r.key?.toString()).toBe('key ✓');
    expect(r.value?.toString()).toBe('välue');
    expect(Object.keys(r.headers)).toEqual(['a', 'b', 'constructor']);
    expect(r.headers['a']?.toString()).toBe('1');
    expect((r.headers['b'] as Buffer[]).map(String)).toEqual(['x', 'y']);
    expect(r.headers['constructor']?.toString()).toBe('c');
    expect(r).toMatchObject({ magicByte: 2, attributes: 0, isControlRecord: false });
  });

  it('reads null keys and values as null', () => {
    const r = roundTrip(
      { offsetDelta: 0, timestampDelta: 0, key: null, value: null },
      context('0', '0'),
    );
    expect(r.key).toBeNull();
    expect(r.value).toBeNull();
    expect(r.headers).toEqual({});
  });

  it('takes the batch maximum as the time of a log-append-time batch', () => {
    const r = roundTrip(
      { offsetDelta: 0, timestampDelta: 5, key: 'k', value: 'v' },
      { ...context('0', '1000'), timestampType: 1, maxTimestamp: '2000' },
    );
    expect(r.timestamp).toBe('2000');
  });
});
