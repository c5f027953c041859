import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './clock.js';
import { BudgetExhaustedError, RateLimiter, type Priority } from './rate-limiter.js';

const TEN_S = 10_000;

function limiter(
  clock: ManualClock,
  extra: Partial<ConstructorParameters<typeof RateLimiter>[0]> = {},
) {
  return new RateLimiter({
    limits: [{ name: 'ten-secondly', limit: 190, windowMs: TEN_S }],
    clock,
    ...extra,
  });
}

/** Starts `n` acquisitions and records the virtual time each is granted. */
function request(l: RateLimiter, clock: ManualClock, n: number, priority: Priority = 'live') {
  const granted: number[] = [];
  for (let i = 0; i < n; i++) void l.acquire(1, priority).then(() => granted.push(clock.now()));
  return granted;
}

function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  let max = 0;
  let j = 0;
  times.forEach((t, i) => {
    while (t - (times[j] ?? t) >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  });
  return max;
}

describe('RateLimiter', () => {
  it('never grants more than the limit in any rolling window, and uses at least 95 % of it', async () => {
    const clock = new ManualClock(1_000_000);
    const l = limiter(clock);
    const granted = request(l, clock, 2_000);
    for (let t = 0; t < 60_000; t += 7) await clock.advance(7);

    expect(maxInAnyWindow(granted, TEN_S)).toBeLessThanOrEqual(190);
    // 60 s of a 190 / 10 s limit is 1,140 permits at most.
    expect(granted.length).toBeGreaterThanOrEqual(0.95 * 1_140);
    expect(granted.length).toBeLessThanOrEqual(1_140);
  });

  it.each([
    ['late (9 s after the grant, within the window)', 9_000],
    ['later than a whole window (25 s in flight)', 25_000],
  ])(
    'never exceeds the limit at the CRM when calls arrive %s: a call counts while in flight and a window after',
    async (_when, lateMs) => {
      const clock = new ManualClock(1_000_000);
      const l = limiter(clock, { limits: [{ name: 'ten-secondly', limit: 50, windowMs: TEN_S }] });
      // A CRM counts calls on arrival: the first window's calls arrive only as they are answered,
      // the next ones at once.
      const arrivals: number[] = [];
      for (let i = 0; i < 400; i++) {
        void l.call().then(async (done) => {
          await clock.sleep(i < 50 ? lateMs : 0);
          arrivals.push(clock.now());
          done();
        });
      }
      for (let t = 0; t < 200_000; t += 10) await clock.advance(10);
      arrivals.sort((a, b) => a - b);
      expect(arrivals).toHaveLength(400);
      expect(maxInAnyWindow(arrivals, TEN_S)).toBeLessThanOrEqual(50);
    },
  );

  it('serves waiting live work before waiting backfill', async () => {
    const clock = new ManualClock(0);
    const l = new RateLimiter({ limits: [{ name: 'w', limit: 2, windowMs: 1_000 }], clock });
    await l.acquire(2);
    const order: string[] = [];
    void l.acquire(1, 'backfill').then(() => order.push('backfill'));
    void l.acquire(1, 'live').then(() => order.push('live'));
    await clock.advance(3_000);
    expect(order).toEqual(['live', 'backfill']);
  });

  it('caps backfill at its share while live work flows, and lets it use all of a quiet budget', () => {
    const clock = new ManualClock(0);
    const quiet = new RateLimiter({
      limits: [{ name: 'w', limit: 10, windowMs: 1_000 }],
      clock,
      backfillShare: 0.5,
    });
    let quietGranted = 0;
    while (quiet.tryAcquire(1, 'backfill')) quietGranted++;
    expect(quietGranted).toBe(10);

    const busy = new RateLimiter({
      limits: [{ name: 'w', limit: 10, windowMs: 1_000 }],
      clock,
      backfillShare: 0.5,
    });
    expect(busy.tryAcquire(1, 'live')).toBe(true);
    let busyGranted = 0;
    while (busy.tryAcquire(1, 'backfill')) busyGranted++;
    expect(busyGranted).toBe(4); // 5 of 10 for backfill, 1 already taken by live
    expect(busy.tryAcquire(1, 'live')).toBe(true);
  });

  it('grants nothing while paused after a 429', async () => {
    const clock = new ManualClock(0);
    const l = limiter(clock);
    l.pauseUntil(5_000);
    const granted = request(l, clock, 3);
    await clock.advance(4_999);
    expect(granted).toEqual([]);
    await clock.advance(1);
    expect(granted).toEqual([5_000, 5_000, 5_000]);
  });

  it('rejects with BudgetExhaustedError when a daily limit is spent beyond maxWaitMs', async () => {
    const clock = new ManualClock(0);
    const l = limiter(clock);
    l.exhaust('daily', 3_600_000);
    const attempt = l.acquire(1, 'live', { maxWaitMs: 60_000 });
    await clock.advance(0);
    await expect(attempt).rejects.toBeInstanceOf(BudgetExhaustedError);
    await expect(attempt).rejects.toMatchObject({ limit: 'daily', availableAt: 3_600_000 });
  });

  it('splits a connection budget by share', () => {
    const clock = new ManualClock(0);
    const l = limiter(clock);
    l.setShare(0.5);
    let granted = 0;
    while (l.tryAcquire()) granted++;
    expect(granted).toBe(95);
    expect(l.snapshot()).toEqual([
      { name: 'ten-secondly', windowMs: TEN_S, limit: 95, used: 95, remaining: 0 },
    ]);
  });

  it('counts usage the CRM reports beyond its own', () => {
    const clock = new ManualClock(0);
    const l = new RateLimiter({
      limits: [{ name: 'daily', limit: 1_000, windowMs: 86_400_000 }],
      clock,
    });
    l.observeUsage('daily', 990);
    let granted = 0;
    while (l.tryAcquire()) granted++;
    expect(granted).toBe(10);
  });

  it('rejects an aborted wait and a cost above the limit', async () => {
    const clock = new ManualClock(0);
    const l = limiter(clock);
    await l.acquire(190);
    const controller = new AbortController();
    const waiting = l.acquire(1, 'live', { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    expect(l.queued).toBe(0);
    await expect(l.acquire(191)).rejects.toThrow(RangeError);
  });
});
