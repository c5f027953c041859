import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './clock.js';
import { backoffDelay, withRetries } from './retry.js';

describe('backoffDelay', () => {
  it.each([
    [1, 0.999, 199],
    [2, 0.999, 399],
    [3, 0.5, 400],
    [20, 0.999, 29_970],
    [1, 0, 0],
  ])('retry %i with random %f waits %i ms', (retry, random, expected) => {
    expect(backoffDelay(retry, { baseMs: 200, maxMs: 30_000 }, () => random)).toBe(expected);
  });
});

describe('withRetries', () => {
  const policy = { baseMs: 100, maxMs: 1_000, maxAttempts: 4 };

  it('retries transient failures until success, waiting at least what the CRM asked', async () => {
    const clock = new ManualClock(0);
    const delays: number[] = [];
    let calls = 0;
    const result = withRetries(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(new Error('429')) : Promise.resolve('done');
      },
      {
        policy,
        clock,
        random: () => 0,
        classify: () => ({ retry: true, afterMs: 2_000 }),
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    );
    await clock.advance(10_000);
    await expect(result).resolves.toBe('done');
    expect(calls).toBe(3);
    expect(delays).toEqual([2_000, 2_000]);
  });

  it('gives up at once on a permanent failure, and after maxAttempts on transient ones', async () => {
    const clock = new ManualClock(0);
    let permanentCalls = 0;
    await expect(
      withRetries(
        () => {
          permanentCalls++;
          return Promise.reject(new Error('FIELD_CUSTOM_VALIDATION_EXCEPTION'));
        },
        { policy, clock, classify: () => ({ retry: false }) },
      ),
    ).rejects.toThrow('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect(permanentCalls).toBe(1);

    let transientCalls = 0;
    const exhausted = withRetries(
      () => {
        transientCalls++;
        return Promise.reject(new Error('UNABLE_TO_LOCK_ROW'));
      },
      { policy, clock, random: () => 0.5, classify: () => ({ retry: true }) },
    );
    const settled = exhausted.catch((e: unknown) => e);
    await clock.advance(10_000);
    expect(await settled).toEqual(new Error('UNABLE_TO_LOCK_ROW'));
    expect(transientCalls).toBe(4);
  });
});
