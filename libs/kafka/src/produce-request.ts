import { createRequire } from 'node:module';

/** What kafkajs's produce request builder takes (the fields a benchmark sets). */
export interface ProduceRequestArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string;
  readonly topicData: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly firstSequence: number;
      readonly messages: readonly {
        readonly key: string;
        readonly value: string;
        readonly headers?: Readonly<Record<string, string>>;
      }[];
    }[];
  }[];
}

/**
 * kafkajs's Produce v3 request builder as installed (with `tools/patches`): encodes the bytes the
 * producer writes to the socket, for benchmarks of the encoding cost.
 */
export function kafkajsProduceRequest(): (args: ProduceRequestArgs) => {
  encode(): Promise<{ buffer: Buffer }>;
} {
  return createRequire(import.meta.url)(
    'kafkajs/src/protocol/requests/produce/v3/request.js',
  ) as ReturnType<typeof kafkajsProduceRequest>;
}
