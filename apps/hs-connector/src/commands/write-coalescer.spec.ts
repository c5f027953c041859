import { describe, expect, it } from '@jest/globals';
import {
  inputsOf,
  type BatchWriteResponse,
  type WriteInput,
  type WriteInputs,
} from '../hubspot/hubspot-api.port.js';
import { PooledRequestFailed, WriteCoalescer } from './write-coalescer.js';

const inputs = (prefix: string, n: number): WriteInput[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i)}`, properties: { name: 'x' } }));

/**
 * A HubSpot whose requests wait until `open()` (as they wait for the budget), then take their
 * inputs and answer each with a result, or as `answer` says.
 */
function gatedHubSpot(answer?: (ids: readonly string[]) => BatchWriteResponse | Error) {
  const sent: string[][] = [];
  const gates: (() => void)[] = [];
  const send = async (given: WriteInputs): Promise<BatchWriteResponse> => {
    await new Promise<void>((resolve) => gates.push(resolve));
    const ids = inputsOf(given).map((i) => i.id);
    sent.push(ids);
    const a = answer?.(ids);
    if (a instanceof Error) throw a;
    return (
      a ?? {
        results: ids.map((id) => ({
          inputId: id,
          companyId: `c-${id}`,
          created: true,
          properties: {},
          updatedAt: '2026-11-29T00:00:00.000Z',
        })),
        errors: [],
      }
    );
  };
  const open = async () => {
    while (gates.length > 0) {
      for (const g of gates.splice(0)) g();
      // Let the answers settle and any further request be sent for.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { send, sent, open, waiting: () => gates.length };
}

describe('WriteCoalescer', () => {
  it('fills each request, when it goes out, with what every caller has pending', async () => {
    const hs = gatedHubSpot();
    const pool = new WriteCoalescer(hs.send, 100);
    const a = pool.write(inputs('a', 30));
    const b = pool.write(inputs('b', 50));
    const c = pool.write(inputs('c', 40));
    // 120 inputs pending: two requests sent for, neither formed yet.
    expect(hs.waiting()).toBe(2);
    await hs.open();
    expect(hs.sent.map((r) => r.length)).toEqual([100, 20]);
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    // Each caller gets the results of its own inputs only, the split caller from both requests.
    expect(ra.results.map((r) => r.inputId)).toEqual(inputs('a', 30).map((i) => i.id));
    expect(rb.results).toHaveLength(50);
    expect(rc.results.map((r) => r.inputId).sort()).toEqual(
      inputs('c', 40)
        .map((i) => i.id)
        .sort(),
    );
  });

  it('sends a lone caller’s request at once, and never one of duplicate ids', async () => {
    const hs = gatedHubSpot();
    const pool = new WriteCoalescer(hs.send, 100);
    const first = pool.write([{ id: 'same', properties: { name: 'one' } }]);
    const second = pool.write([{ id: 'same', properties: { name: 'two' } }]);
    expect(hs.waiting()).toBe(1);
    await hs.open();
    expect(hs.sent).toEqual([['same'], ['same']]);
    expect((await first).results).toHaveLength(1);
    expect((await second).results).toHaveLength(1);
  });

  it('gives errors naming inputs to their caller, and a whole request’s to every caller in it', async () => {
    const hs = gatedHubSpot(() => ({
      results: [],
      errors: [
        { status: 400, category: 'VALIDATION_ERROR', message: 'bad a0', ids: ['a0'] },
        { status: 400, category: 'VALIDATION_ERROR', message: 'whole', ids: [] },
      ],
    }));
    const pool = new WriteCoalescer(hs.send, 100);
    const a = pool.write(inputs('a', 2));
    const b = pool.write(inputs('b', 2));
    await hs.open();
    expect((await a).errors.map((e) => e.message)).toEqual(['bad a0', 'whole']);
    expect((await b).errors.map((e) => e.message)).toEqual(['whole']);
  });

  it('fails every caller of a failed request: pooled ones with PooledRequestFailed', async () => {
    const refused = new Error('refused for one value');
    const hs = gatedHubSpot(() => refused);
    const pool = new WriteCoalescer(hs.send, 100);
    const pooled = Promise.allSettled([pool.write(inputs('a', 2)), pool.write(inputs('b', 2))]);
    await hs.open();
    for (const outcome of await pooled) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { cause: refused } });
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(PooledRequestFailed);
    }

    const alone = Promise.allSettled([pool.write(inputs('c', 3))]);
    await hs.open();
    expect(await alone).toEqual([{ status: 'rejected', reason: refused }]);
  });

  it('fails the inputs a request would have taken when it fails before going out', async () => {
    const spent = new Error('daily limit spent');
    const pool = new WriteCoalescer(() => Promise.reject(spent), 2);
    const a = pool.write(inputs('a', 2));
    const b = pool.write(inputs('b', 1));
    await expect(a).rejects.toBe(spent);
    await expect(b).rejects.toBe(spent);
  });
});
