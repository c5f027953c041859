import { createRequire } from 'node:module';

/** What kafkajs's produce request builder takes (the fields a benchmark sets). */
export interface ProduceRequestArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  /** A kafkajs Long (`kafkajsLong`); -1 when not idempotent. */
  readonly producerId?: unknown;
  readonly producerEpoch?: number;
  readonly topicData: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly firstSequence: number;
      readonly messages: readonly {
        readonly key: string | Buffer | null;
        readonly value: string | Buffer | null;
        readonly headers?: Readonly<Record<string, string | Buffer | readonly string[]>>;
        readonly timestamp?: string;
      }[];
    }[];
  }[];
}

type ProduceRequestBuilder = (args: ProduceRequestArgs) => {
  encode(): Promise<{ buffer: Buffer }>;
};

/**
 * kafkajs's Produce v3 request builder as installed (with `tools/patches`): encodes the bytes the
 * producer writes to the socket, for benchmarks of the encoding cost.
 */
export function kafkajsProduceRequest(): ProduceRequestBuilder {
  return createRequire(import.meta.url)(
    'kafkajs/src/protocol/requests/produce/v3/request.js',
  ) as ProduceRequestBuilder;
}

/** The part of kafkajs's protocol Encoder that the references here and in the specs use. */
export interface KafkajsEncoder {
  readonly buffer: Buffer;
  size(): number;
  writeInt16(v: number): KafkajsEncoder;
  writeInt32(v: number): KafkajsEncoder;
  writeString(v: string | null): KafkajsEncoder;
  writeEncoder(e: KafkajsEncoder): KafkajsEncoder;
  writeBuffer(b: Buffer): KafkajsEncoder;
  writeArray(a: readonly KafkajsEncoder[]): KafkajsEncoder;
}

/**
 * The Produce request as kafkajs 2.2.4 shipped it: one record encoder per message, then its record
 * batch encoder, composed the way its `produce/v3/request.js` did before `tools/patches` replaced
 * that file (the record and batch encoders are still the shipped ones). The reference that the
 * spec compares the installed builder's bytes with, and the bench's baseline.
 */
export function kafkajsRecordEncoderProduceRequest(): ProduceRequestBuilder {
  const require = createRequire(import.meta.url);
  const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder;
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
    r: object,
  ) => KafkajsEncoder;
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (b: object) => Promise<KafkajsEncoder>;
  };
  const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown };
  return ({
    acks,
    timeout,
    transactionalId = null,
    producerId = Long.fromInt(-1),
    producerEpoch = 0,
    topicData,
  }) => ({
    encode: async () => {
      const topics: KafkajsEncoder[] = [];
      for (const data of topicData) {
        const partitions: KafkajsEncoder[] = [];
        for (const p of data.partitions) {
          const now = Date.now();
          const stamps = p.messages
            .map((m) => m.timestamp)
            .filter((t) => t != null)
            .sort();
          const first = stamps[0] ?? now;
          const max = stamps.at(-1) ?? now;
          const records = p.messages.map((m, i) =>
            Record({
              ...m,
              offsetDelta: i,
              timestampDelta: Number(m.timestamp || now) - Number(first),
            }),
          );
          const batch = await RecordBatch({
            records,
            firstTimestamp: first,
            maxTimestamp: max,
            producerId,
            producerEpoch,
            firstSequence: p.firstSequence,
            transactional: transactionalId !== null,
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
    },
  });
}

/** kafkajs's 64-bit integer (what a producer id is in its requests). */
export function kafkajsLong(value: bigint | number): unknown {
  const Long = createRequire(import.meta.url)('kafkajs/src/utils/long.js') as {
    fromValue(v: bigint | number): unknown;
  };
  return Long.fromValue(value);
}
