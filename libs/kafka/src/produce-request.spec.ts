import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  kafkajsLong,
  kafkajsProduceRequest,
  kafkajsRecordEncoderProduceRequest,
  type ProduceRequestArgs,
} from './produce-request.js';
import { seededRandom } from './seeded-random.fixture.js';

type Message = ProduceRequestArgs['topicData'][number]['partitions'][number]['messages'][number];

function generatedRequest(seed: number): ProduceRequestArgs {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const text = () =>
    pick([
      '',
      'a',
      `k${String(int(1e9))}`,
      'ünïcödé ✓ 𝄞 '.repeat(1 + int(20)),
      JSON.stringify({ id: int(1e6), pad: 'x'.repeat(int(3_000)) }),
    ]);
  const bytes = (): string | Buffer | null =>
    pick<() => string | Buffer | null>([text, () => Buffer.from(text()), () => null])();
  const base = 1_700_000_000_000 + int(1e9);
  const message = (): Message => {
    const headers = pick<Message['headers']>([
      undefined,
      {},
      { 'crm-sync-seq': String(int(1e6)) },
      { a: Buffer.from(text()), b: [text(), text()] },
    ]);
    const timestamp = pick([undefined, String(base + int(120_000))]);
    return {
      key: bytes(),
      value: bytes(),
      ...(headers === undefined ? {} : { headers }),
      ...(timestamp === undefined ? {} : { timestamp }),
    };
  };
  return {
    acks: pick([-1, 0, 1]),
    timeout: int(60_000),
    transactionalId: pick([null, `tx-${String(int(100))}`, 'tränsäctiön']),
    producerId: kafkajsLong(pick([-1, int(1e6), 2 ** 40 + int(1e6)])),
    producerEpoch: int(100),
    topicData: Array.from({ length: 1 + int(3) }, (_, t) => ({
      topic: `topic-${String(t)}-${String(int(1e3))}`,
      partitions: Array.from({ length: 1 + int(4) }, (_, p) => ({
        partition: p * 3 + int(3),
        firstSequence: int(1e6),
        messages: Array.from({ length: 1 + int(200) }, message),
      })),
    })),
  };
}

describe('kafkajs Produce request (as installed, with tools/patches)', () => {
  const installed = kafkajsProduceRequest();
  const reference = kafkajsRecordEncoderProduceRequest();

  beforeEach(() => {
    // Both builders stamp records without a timestamp with Date.now(): the same instant.
    jest.spyOn(Date, 'now').mockReturnValue(1_750_000_000_000);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes the very bytes of kafkajs’s record and batch encoders, for generated requests', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const args = generatedRequest(seed);
      const expected = (await reference(args).encode()).buffer;
      const actual = (await installed(args).encode()).buffer;
      if (!actual.equals(expected)) {
        throw new Error(
          `seed ${String(seed)}: ${String(actual.length)} bytes differ from ${String(expected.length)}`,
        );
      }
    }
  });

  it('checksums each record batch (the broker refuses a batch whose CRC is wrong)', async () => {
    const args = generatedRequest(7);
    const a = (await installed(args).encode()).buffer;
    const changed = {
      ...args,
      topicData: args.topicData.map((t, i) =>
        i > 0
          ? t
          : {
              ...t,
              partitions: t.partitions.map((p, j) =>
                j > 0
                  ? p
                  : { ...p, messages: [{ key: 'k', value: 'changed' }, ...p.messages.slice(1)] },
              ),
            },
      ),
    };
    const b = (await installed(changed).encode()).buffer;
    const expected = (await reference(changed).encode()).buffer;
    expect(b.equals(a)).toBe(false);
    expect(b.equals(expected)).toBe(true);
  });

  it('takes kafkajs’s encoders for a timestamp delta that is not a safe integer', async () => {
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 1_000,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              firstSequence: 0,
              messages: [
                { key: 'a', value: 'x', timestamp: '1' },
                { key: 'b', value: 'y', timestamp: String(2 ** 60) },
              ],
            },
          ],
        },
      ],
    };
    const actual = (await installed(args).encode()).buffer;
    const expected = (await reference(args).encode()).buffer;
    expect(actual.equals(expected)).toBe(true);
  });
});
