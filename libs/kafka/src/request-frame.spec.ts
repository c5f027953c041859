import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import type { KafkajsEncoder } from './produce-request.js';
import { seededRandom } from './seeded-random.fixture.js';

interface FrameArgs {
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly request: {
    readonly apiKey: number;
    readonly apiVersion: number;
    encode(): Promise<KafkajsEncoder>;
  };
}

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder;
/** kafkajs's request framing as installed (with tools/patches). */
const installed = require('kafkajs/src/protocol/request.js') as (
  args: FrameArgs,
) => Promise<KafkajsEncoder>;

/** The framing as kafkajs 2.2.4 shipped it: header and body in one Encoder, that behind the size. */
async function shipped({ correlationId, clientId, request }: FrameArgs): Promise<KafkajsEncoder> {
  const payload = await request.encode();
  const requestPayload = new Encoder()
    .writeInt16(request.apiKey)
    .writeInt16(request.apiVersion)
    .writeInt32(correlationId)
    .writeString(clientId)
    .writeEncoder(payload);
  return new Encoder().writeInt32(requestPayload.size()).writeEncoder(requestPayload);
}

describe('kafkajs request framing (as installed, with tools/patches)', () => {
  it('frames requests exactly as kafkajs 2.2.4 did', async () => {
    const random = seededRandom(7);
    const int = (n: number) => Math.floor(random() * n);
    for (let n = 0; n < 300; n++) {
      const body = Buffer.from(
        Array.from({ length: int(3) === 0 ? int(5_000) : int(300) }, () => int(256)),
      );
      const clientId = [null, '', `crm-sync-${String(int(1e6))}`, 'clïent ✓ 𝄞'][int(4)] ?? null;
      const args: FrameArgs = {
        correlationId: int(2 ** 31),
        clientId,
        request: {
          apiKey: int(70),
          apiVersion: int(13),
          encode: () => Promise.resolve(new Encoder().writeBuffer(body)),
        },
      };
      const got = await installed(args);
      const want = await shipped(args);
      expect(got.buffer.equals(want.buffer)).toBe(true);
      expect(got.size()).toBe(want.size());
    }
  });
});
