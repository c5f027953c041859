/* global module, require, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- it runs inside kafkajs's CommonJS tree */
'use strict';

/**
 * Replaces kafkajs 2.2.4's `src/protocol/requests/produce/v3/request.js` (see ../apply.js; v4–v7
 * build on it): the bytes of a Produce request.
 *
 * The shipped one builds an Encoder per record (and per header), measures each key and value
 * twice in UTF-8 and writes them a third time, does 64-bit varint arithmetic on BigInt-backed
 * Longs, then copies every record into the batch body, the body into the batch, the batch into the
 * partition entry, that into the topic entry and that into the request, each copy into buffers
 * that grow by doubling: ~8 µs per 600-byte record (bench/src/kafka-encode.bench.ts), paid by every
 * service for every record it produces.
 *
 * Uncompressed requests (all of ours) are written here in one pass into one buffer sized ahead:
 * each string is measured once and written once, varints in plain integer arithmetic. The bytes
 * are exactly the shipped encoder's (libs/kafka/src/produce-request.spec.ts compares them on
 * generated requests). Compressed requests, and timestamps that are not safe integers, take the
 * shipped record and batch encoders.
 */
const Long = require('../../../../utils/long');
const Encoder = require('../../../encoder');
const { Produce: apiKey } = require('../../apiKeys');
const { Types } = require('../../../message/compression');
const Record = require('../../../recordBatch/record/v0');
const { RecordBatch } = require('../../../recordBatch/v0');
const crc32C = require('../../../recordBatch/crc32C');

const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
/** firstOffset(8) length(4) leaderEpoch(4) magic(1) crc(4) */
const BATCH_HEAD = 21;
/** attributes(2) lastOffsetDelta(4) firstTs(8) maxTs(8) producerId(8) epoch(2) firstSeq(4) count(4) */
const BATCH_BODY_HEAD = 40;

module.exports = ({
  acks,
  timeout,
  transactionalId = null,
  producerId = Long.fromInt(-1),
  producerEpoch = 0,
  compression = Types.None,
  topicData,
}) => ({
  apiKey,
  apiVersion: 3,
  apiName: 'Produce',
  expectResponse: () => acks !== 0,
  encode: async () => {
    const args = { acks, timeout, transactionalId, producerId, producerEpoch, topicData };
    if (compression === Types.None) {
      const plan = planRequest(args);
      if (plan !== null) return writeRequest(args, plan);
    }
    return encodeWithRecordEncoders({ ...args, compression });
  },
});

// ---- sizes ----------------------------------------------------------------------------------

const zigzag = (n) => (n >= 0 ? n * 2 : -n * 2 - 1);

/** Bytes of a zigzag varint of a safe integer (up to 2^53, as Long-based varlongs agree). */
function varintSize(n) {
  let v = zigzag(n);
  let bytes = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}

/** Bytes of a key, value or header value as the shipped encoder writes it: -1 for null. */
function lengthOf(value) {
  if (value === null || value === undefined) return -1;
  if (Buffer.isBuffer(value)) return value.length;
  return Buffer.byteLength(String(value), 'utf8');
}

/** Timestamps of a partition's batch exactly as the shipped encoder picks them. */
function batchTimes(messages, now) {
  const stamps = messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  const list = stamps.length === 0 ? [now] : stamps;
  return { first: list[0], max: list[list.length - 1] };
}

/** Per record in a partition's plan: timestamp delta, key, value and body lengths, headers. */
const DELTA = 0;
const KEY_LEN = 1;
const VALUE_LEN = 2;
const BODY_LEN = 3;
const HEADER_COUNT = 4;
const RECORD_FIELDS = 5;

/** A header's key and value lengths, appended to `lens`; its bytes in the record body. */
function planHeader(lens, keyLen, value) {
  const valueLen = lengthOf(value);
  lens.push(keyLen, valueLen);
  return varintSize(keyLen) + keyLen + varintSize(valueLen) + Math.max(0, valueLen);
}

/**
 * Measures the whole request, or null when a value needs the shipped encoders (a timestamp
 * delta that is not a safe integer). A partition's plan is numbers only (`sizes`, RECORD_FIELDS
 * per record, and its headers' lengths in order): a request carries a whole command batch, and
 * objects per record would outlive several young-generation collections while it is measured.
 */
function planRequest({ transactionalId, topicData }) {
  let size = (transactionalId == null ? 0 : Buffer.byteLength(transactionalId, 'utf8')) + 2;
  size += 2 + 4 + 4; // acks, timeout, topic count
  const topics = [];
  for (const data of topicData) {
    const name = data.topic;
    size += 2 + Buffer.byteLength(name, 'utf8') + 4;
    const partitions = [];
    for (const p of data.partitions) {
      const now = Date.now();
      const times = batchTimes(p.messages, now);
      const first = Number(times.first);
      const sizes = new Float64Array(p.messages.length * RECORD_FIELDS);
      const headerLens = [];
      let recordsSize = 0;
      for (let i = 0; i < p.messages.length; i++) {
        const m = p.messages[i];
        const delta = (m.timestamp || now) - first;
        if (!Number.isSafeInteger(delta)) return null;
        const keyLen = lengthOf(m.key);
        const valueLen = lengthOf(m.value);
        let body = 1 + varintSize(delta) + varintSize(i);
        body += varintSize(keyLen) + Math.max(0, keyLen);
        body += varintSize(valueLen) + Math.max(0, valueLen);
        let headerCount = 0;
        if (m.headers) {
          for (const key of Object.keys(m.headers)) {
            const keyLen = Buffer.byteLength(key, 'utf8');
            const v = m.headers[key];
            if (Array.isArray(v)) {
              for (const x of v) body += planHeader(headerLens, keyLen, x);
              headerCount += v.length;
            } else {
              body += planHeader(headerLens, keyLen, v);
              headerCount++;
            }
          }
        }
        body += varintSize(headerCount);
        const at = i * RECORD_FIELDS;
        sizes[at + DELTA] = delta;
        sizes[at + KEY_LEN] = keyLen;
        sizes[at + VALUE_LEN] = valueLen;
        sizes[at + BODY_LEN] = body;
        sizes[at + HEADER_COUNT] = headerCount;
        recordsSize += varintSize(body) + body;
      }
      const batchSize = BATCH_HEAD + BATCH_BODY_HEAD + recordsSize;
      partitions.push({ data: p, times, sizes, headerLens, batchSize });
      size += 4 + 4 + batchSize; // partition, record set size, record set
    }
    topics.push({ name, partitions });
  }
  return { size, topics };
}

// ---- writing --------------------------------------------------------------------------------

class Writer {
  constructor(size) {
    this.buf = Buffer.allocUnsafe(size);
    this.at = 0;
  }
  int8(v) {
    this.at = this.buf.writeInt8(v, this.at);
  }
  int16(v) {
    this.at = this.buf.writeInt16BE(v, this.at);
  }
  int32(v) {
    this.at = this.buf.writeInt32BE(v, this.at);
  }
  int64(value) {
    const long = Long.fromValue(value);
    this.at = this.buf.writeInt32BE(long.getHighBits(), this.at);
    this.at = this.buf.writeInt32BE(long.getLowBits(), this.at);
  }
  varint(n) {
    let v = zigzag(n);
    while (v >= 128) {
      this.buf[this.at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }
  /** A length-prefixed (varint) key, value or header value of `len` bytes (-1: null). */
  bytes(value, len) {
    this.varint(len);
    if (len <= 0) return;
    if (Buffer.isBuffer(value)) this.at += value.copy(this.buf, this.at);
    else this.at += this.buf.write(String(value), this.at, len, 'utf8');
  }
  /** A header: its key (`keyLen` bytes) and value. */
  header(key, keyLen, value, valueLen) {
    this.varint(keyLen);
    this.at += this.buf.write(key, this.at, keyLen, 'utf8');
    this.bytes(value, valueLen);
  }
  string16(text) {
    if (text == null) return this.int16(-1);
    const len = Buffer.byteLength(text, 'utf8');
    this.int16(len);
    this.at += this.buf.write(text, this.at, len, 'utf8');
  }
}

function writeRequest({ acks, timeout, transactionalId, producerId, producerEpoch }, plan) {
  const w = new Writer(plan.size);
  w.string16(transactionalId);
  w.int16(acks);
  w.int32(timeout);
  w.int32(plan.topics.length);
  for (const topic of plan.topics) {
    w.string16(topic.name);
    w.int32(topic.partitions.length);
    for (const p of topic.partitions) {
      w.int32(p.data.partition);
      w.int32(p.batchSize);
      w.int64(0); // first offset
      w.int32(p.batchSize - 12); // the rest of the batch
      w.int32(0); // partition leader epoch
      w.int8(MAGIC_BYTE);
      const crcAt = w.at;
      w.int32(0); // the CRC, written below
      const bodyAt = w.at;
      w.int16(transactionalId ? TRANSACTIONAL_MASK : 0);
      w.int32(p.data.messages.length - 1);
      w.int64(p.times.first);
      w.int64(p.times.max);
      w.int64(producerId);
      w.int16(producerEpoch);
      w.int32(p.data.firstSequence);
      w.int32(p.data.messages.length);
      const messages = p.data.messages;
      let h = 0;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        const at = i * RECORD_FIELDS;
        w.varint(p.sizes[at + BODY_LEN]);
        w.int8(0); // record attributes
        w.varint(p.sizes[at + DELTA]);
        w.varint(i);
        w.bytes(m.key, p.sizes[at + KEY_LEN]);
        w.bytes(m.value, p.sizes[at + VALUE_LEN]);
        w.varint(p.sizes[at + HEADER_COUNT]);
        if (m.headers) {
          for (const key of Object.keys(m.headers)) {
            const v = m.headers[key];
            if (Array.isArray(v)) {
              for (const x of v) {
                w.header(key, p.headerLens[h], x, p.headerLens[h + 1]);
                h += 2;
              }
            } else {
              w.header(key, p.headerLens[h], v, p.headerLens[h + 1]);
              h += 2;
            }
          }
        }
      }
      w.buf.writeUInt32BE(crc32C(w.buf.subarray(bodyAt, w.at)), crcAt);
    }
  }
  if (w.at !== plan.size) throw new Error(`produce request: wrote ${w.at} of ${plan.size} bytes`);
  const encoder = new Encoder(0);
  encoder.buf = w.buf;
  encoder.offset = w.at;
  return encoder;
}

// ---- compressed: the shipped record and batch encoders ----------------------------------------

async function encodeWithRecordEncoders(args) {
  const { acks, timeout, transactionalId, producerId, producerEpoch, compression } = args;
  const topics = [];
  for (const data of args.topicData) {
    const partitions = [];
    for (const p of data.partitions) {
      const now = Date.now();
      const times = batchTimes(p.messages, now);
      const records = p.messages.map((message, i) =>
        Record({
          ...message,
          offsetDelta: i,
          timestampDelta: (message.timestamp || now) - times.first,
        }),
      );
      const batch = await RecordBatch({
        compression,
        records,
        firstTimestamp: times.first,
        maxTimestamp: times.max,
        producerId,
        producerEpoch,
        firstSequence: p.firstSequence,
        transactional: !!transactionalId,
        lastOffsetDelta: records.length - 1,
      });
      partitions.push(
        new Encoder().writeInt32(p.partition).writeInt32(batch.size()).writeEncoder(batch),
      );
    }
    topics.push(new Encoder().writeString(data.topic).writeArray(partitions));
  }
  return new Encoder()
    .writeString(transactionalId)
    .writeInt16(acks)
    .writeInt32(timeout)
    .writeArray(topics);
}
