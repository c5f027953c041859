/* global module, require */
/* eslint-disable @typescript-eslint/no-require-imports -- it runs inside kafkajs's CommonJS tree */
'use strict';

/**
 * Replaces kafkajs 2.2.4's `src/protocol/recordBatch/record/v0/decoder.js` (see ../apply.js): one
 * record of a fetched record batch.
 *
 * The shipped one reads each record's timestamp delta as a varlong on BigInt-backed Longs (an
 * object per byte), adds it and the offset delta to the batch's first timestamp and offset as
 * Longs, and folds the headers with an object spread per header: every service pays it for every
 * record it consumes. Here a delta of up to 49 bits (every timestamp delta inside one batch that
 * a clock can make) is read as a plain number, and a first offset or timestamp below 2^53 is added
 * to as a number; anything larger takes the Long arithmetic. Same output, field for field
 * (libs/kafka/src/record-decoder.spec.ts).
 */
const Long = require('../../../../utils/long');
const HeaderDecoder = require('../../header/v0/decoder');
const TimestampTypes = require('../../../timestampTypes');

/** Decimal strings shorter than this are integers below 10^15 < 2^53: exact as numbers. */
const SAFE_DIGITS = 16;

/**
 * A zigzag varlong of at most 7 bytes (49 bits) as a number; anything longer is read by the
 * decoder's own Long-based reader (from the same position) and returned as a Long.
 */
function readVarLong(decoder) {
  const buffer = decoder.buffer;
  const start = decoder.offset;
  let at = start;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const byte = buffer[at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      decoder.offset = at;
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  decoder.offset = start;
  return decoder.readVarLong();
}

/** `base` (a decimal string) plus `delta` (a number or Long) as a decimal string. */
function plus(base, delta) {
  if (typeof delta === 'number' && typeof base === 'string' && base.length < SAFE_DIGITS) {
    return String(Number(base) + delta);
  }
  return Long.fromValue(base).add(delta).toString();
}

/**
 * Headers as kafkajs gives them: a key seen twice holds an array of its values. (The shipped fold
 * looked keys up through the prototype, so a header named `constructor` became an array.)
 */
function foldHeaders(list) {
  const headers = {};
  for (const { key, value } of list) {
    const before = Object.prototype.hasOwnProperty.call(headers, key) ? headers[key] : undefined;
    const next =
      before === undefined
        ? value
        : Array.isArray(before)
          ? before.concat([value])
          : [before, value];
    Object.defineProperty(headers, key, {
      value: next,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return headers;
}

module.exports = (decoder, batchContext = {}) => {
  const {
    firstOffset,
    firstTimestamp,
    magicByte,
    isControlBatch = false,
    timestampType,
    maxTimestamp,
  } = batchContext;
  const attributes = decoder.readInt8();

  const timestampDelta = readVarLong(decoder);
  const timestamp =
    timestampType === TimestampTypes.LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : plus(firstTimestamp, timestampDelta);

  const offsetDelta = decoder.readVarInt();
  const offset = plus(firstOffset, offsetDelta);

  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers = foldHeaders(decoder.readVarIntArray(HeaderDecoder));

  return {
    magicByte,
    attributes, // record attributes are unused
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
};
