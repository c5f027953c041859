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

  it('paces: a burst of at most burstShare of the limit, then evenly, and still 95 % of the limit', async () => {
    const clock = new ManualClock(1_000_000);
    const l = limiter(clock, { pace: { burstShare: 0.1 } });
    const granted = request(l, clock, 2_000);
    for (let t = 0; t < 60_000; t += 7) await clock.advance(7);

    expect(maxInAnyWindow(granted, TEN_S)).toBeLessThanOrEqual(190);
    // 19 at once, then one every 10 s / 190 (~53 ms): never more than 19 + 19 in a second.
    expect(granted.filter((t) => t === 1_000_000)).toHaveLength(19);
    expect(maxInAnyWindow(granted, 1_000)).toBeLessThanOrEqual(38);
    expect(granted.length).toBeGreaterThanOrEqual(0.95 * 1_140);
  });

  describe('with arrivalSlackMs (our window = the CRM window + the slack)', () => {
    const SLACK = 250;
    const LATENCIES = [0, 60, 249, 251, 900, 2_000, 9_000, 25_000];
    /**
     * Calls one after another on `lanes` lanes; each arrives at its answer, `latency(i, at)` after
     * its grant at `at` (ms since the start).
     */
    async function drive(latency: (i: number, at: number) => number, lanes: number, runMs: number) {
      const clock = new ManualClock(1_000_000);
      const l = limiter(clock, {
        limits: [{ name: 'ten-secondly', limit: 190, windowMs: TEN_S + SLACK }],
        arrivalSlackMs: SLACK,
      });
      const arrivals: number[] = [];
      let i = 0;
      const lane = async (): Promise<void> => {
        while (clock.now() < 1_000_000 + runMs) {
          const done = await l.call();
          await clock.sleep(latency(i++, clock.now() - 1_000_000));
          arrivals.push(clock.now());
          done();
        }
      };
      for (let k = 0; k < lanes; k++) void lane();
      for (let t = 0; t < runMs + 60_000; t += 5) await clock.advance(5);
      arrivals.sort((a, b) => a - b);
      return arrivals.filter((t) => t < 1_000_000 + runMs);
    }

    it('counts a call answered within the slack from its grant: at least 95 % of the CRM limit is used', async () => {
      const arrivals = await drive(() => 60, 8, 60_000);
      expect(maxInAnyWindow(arrivals, TEN_S)).toBeLessThanOrEqual(190);
      expect(arrivals.length).toBeGreaterThanOrEqual(0.95 * 1_140);
    });

    it.each([
      ['a mix of latencies', (i: number) => LATENCIES[(i * 7) % LATENCIES.length] ?? 0],
      // The first window's calls arrive just before the next window's, which arrive at once.
      [
        'the first window late, the next at once',
        (_i: number, at: number) => (at < 1_000 ? 9_900 : 60),
      ],
      ['just past the slack', () => SLACK + 1],
    ])(
      'never exceeds the CRM limit when calls arrive as late as their answer: %s',
      async (_name, latency) => {
        const arrivals = await drive(latency, 400, 120_000);
        expect(arrivals.length).toBeGreaterThan(500);
        expect(maxInAnyWindow(arrivals, TEN_S)).toBeLessThanOrEqual(190);
      },
    );

    it('refuses a slack that is not shorter than the window', () => {
      expect(() => limiter(new ManualClock(0), { arrivalSlackMs: TEN_S })).toThrow(RangeError);
    });
  });

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
