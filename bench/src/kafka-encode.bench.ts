// Micro-benchmark: the CPU kafkajs spends per produced message on choosing its partition and on
// the record batch CRC-32C, before (kafkajs 2.2.4 as shipped) and after (libs/kafka's murmur2
// partitioner, tools/patches' slice-by-8 CRC), and on encoding a whole produce request (kafkajs's
// record encoders → tools/patches' one-pass request writer). No broker needed.
//
//   ./dev bench kafka-encode            (BENCH_ROUNDS=15 for steadier medians)
import { randomBytes } from 'node:crypto';
import {
  Partitioners,
  kafkajsCrc32c,
  kafkajsStockCrc32c,
  murmur2Partitioner,
  isFastCrc32c,
  kafkajsProduceRequest,
  kafkajsRecordEncoderProduceRequest,
} from '@crm-sync/kafka';
import { report } from './lib/measure.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
/** Each round runs an implementation for about this long; the median round is reported. */
const ROUND_MS = 100;

let sink = 0;

/** Times `calls` calls of `op` over `inputs` (cycled): ns per call. */
function time<T>(inputs: readonly T[], op: (input: T) => number, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink ^= op(inputs[i % inputs.length] as T);
  return Number(process.hrtime.bigint() - t0) / calls;
}

/** Calls of `op` that take about ROUND_MS (the calibration also warms the JIT up). */
function callsPerRound<T>(inputs: readonly T[], op: (input: T) => number): number {
  let calls = 64;
  while (time(inputs, op, calls) * calls < ROUND_MS * 1e5) calls *= 2;
  return Math.max(1, Math.round((ROUND_MS * 1e6) / time(inputs, op, calls)));
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Median ns per call of each implementation, with their rounds interleaved (before, after,
 * before, …) so that a neighbour's load on this shared machine falls on both alike.
 */
function compare<T>(
  figures: Record<string, string | number>,
  label: string,
  inputs: readonly T[],
  before: (input: T) => number,
  after: (input: T) => number,
) {
  const beforeCalls = callsPerRound(inputs, before);
  const afterCalls = callsPerRound(inputs, after);
  const b: number[] = [];
  const a: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    b.push(time(inputs, before, beforeCalls));
    a.push(time(inputs, after, afterCalls));
  }
  const [mb, ma] = [median(b), median(a)];
  figures[label] = `${mb.toFixed(0)} → ${ma.toFixed(0)} ns/op  (×${(mb / ma).toFixed(1)})`;
}

// Record keys as the services write them (`<connection>:<system>:<type>:<id>`), some non-ASCII.
const stringKeys = Array.from({ length: 4_096 }, (_, i) =>
  i % 50 === 0
    ? `c${i % 7}:hubspot:Company:Zürich-${i}`
    : `c${i % 7}:salesforce:Account:001${String(i).padStart(12, '0')}AAA`,
);
const bufferKeys = stringKeys.map((k) => Buffer.from(k));
const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
}));

function partitionChoice(figures: Record<string, string | number>) {
  for (const [label, keys] of [
    ['string keys', stringKeys],
    ['Buffer keys', bufferKeys],
  ] as const) {
    const messages = keys.map((key) => ({
      topic: 't',
      partitionMetadata,
      message: { key, value: null },
    }));
    compare(
      figures,
      `partition, ${label} (~40 B, 12 partitions)`,
      messages,
      Partitioners.DefaultPartitioner(),
      murmur2Partitioner(),
    );
  }
}

function checksum(figures: Record<string, string | number>) {
  const stock = kafkajsStockCrc32c();
  const installed = kafkajsCrc32c();
  if (!isFastCrc32c(installed)) throw new Error('run `node tools/patches/apply.js` first');
  // A record batch of one message, and batches of many (what sendBatch of a batch writes).
  for (const [label, size] of [
    ['1 record of 300 B', 300],
    ['1 record of 800 B', 800],
    ['1 record of 1,500 B', 1_500],
    ['batch of 100 × ~900 B', 90_000],
  ] as const) {
    const batches = Array.from({ length: 32 }, () => randomBytes(size + 61).subarray(61));
    compare(figures, `CRC-32C, ${label}`, batches, stock, installed);
  }
}

/**
 * A whole produce request as the services send one (4 topics × 500 records of ~600 B with a
 * header): ns per record, kafkajs's record and batch encoders as shipped (with tools/patches'
 * allocUnsafe Encoder and CRC) → the installed request builder (tools/patches' one-pass writer).
 */
async function produceRequest(figures: Record<string, string | number>) {
  const value = JSON.stringify({ id: randomBytes(20).toString('hex'), padding: 'y'.repeat(500) });
  const messages = Array.from({ length: 500 }, (_, i) => ({
    key: `bench\u001f001${String(i)}`,
    value,
    headers: { 'crm-sync-trace': `t${String(i)}` },
  }));
  const topicData = Array.from({ length: 4 }, (_, t) => ({
    topic: `topic-${String(t)}`,
    partitions: [{ partition: 0, firstSequence: 0, messages }],
  }));
  const perRecord = async (request: ReturnType<typeof kafkajsProduceRequest>) => {
    const encodeOnce = async () => {
      const r = request({ acks: -1, timeout: 30_000, transactionalId: 'tx', topicData });
      return (await r.encode()).buffer.length;
    };
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS + 2; round++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) sink ^= await encodeOnce();
      rounds.push(Number(process.hrtime.bigint() - t0) / (10 * 4 * messages.length));
    }
    return median(rounds.slice(2));
  };
  const before = await perRecord(kafkajsRecordEncoderProduceRequest());
  const after = await perRecord(kafkajsProduceRequest());
  figures['produce request, per record (~600 B)'] =
    `${before.toFixed(0)} → ${after.toFixed(0)} ns  (×${(before / after).toFixed(1)})`;
}

const figures: Record<string, string | number> = {};
partitionChoice(figures);
checksum(figures);
await produceRequest(figures);
report(
  `kafkajs per-message CPU: kafkajs 2.2.4 → ours (median of ${String(ROUNDS)} rounds)`,
  figures,
);
if (sink === 0.5) process.stdout.write('\n'); // keeps the results observably used
