import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@crm-sync/connector-kit';
import { SteppingClock } from '../../test/stepping-clock.js';
import {
  budgetLimits,
  CallWindowGate,
  ConcurrencyGate,
  limitPauseMs,
  SalesforceBudget,
} from './budget.js';

const SETTINGS = {
  dailyShare: 0.5,
  dailyLimitFallback: 1_000,
  rate: undefined,
  maxConcurrency: 2,
  backfillShare: 0.5,
  limitPauseMs: 1_000,
};

describe('budget limits', () => {
  it('take the engine share of the daily allocation', () => {
    expect(budgetLimits(SETTINGS, 100_000)).toEqual([
      { name: 'daily', limit: 50_000, windowMs: 86_400_000 },
    ]);
    expect(budgetLimits(SETTINGS, 1)).toEqual([{ name: 'daily', limit: 1, windowMs: 86_400_000 }]);
  });

  it('pauses longer after each limit hit in a row, up to 16 times the first pause', () => {
    expect([1, 2, 3, 5, 9].map((n) => limitPauseMs(1_000, n))).toEqual([
      1_000, 2_000, 4_000, 16_000, 16_000,
    ]);
  });
});

describe('concurrency gate', () => {
  it('admits up to max at once and lets live callers in before backfill', async () => {
    const gate = new ConcurrencyGate(1);
    const first = await gate.enter('backfill');
    const order: string[] = [];
    const backfill = gate.enter('backfill').then((release) => {
      order.push('backfill');
      return release;
    });
    const live = gate.enter('live').then((release) => {
      order.push('live');
      return release;
    });
    expect(gate.inFlight).toBe(1);
    first();
    (await live)();
    (await backfill)();
    expect(order).toEqual(['live', 'backfill']);
    expect(gate.inFlight).toBe(0);
  });
});

describe('call window gate', () => {
  it('counts a call from its start until a window after it completed', async () => {
    const clock = new SteppingClock(0);
    const gate = new CallWindowGate(2, 1_000, clock);
    const a = await gate.enter('live');
    const b = await gate.enter('live');
    expect(gate.used()).toBe(2);
    // Both in flight: a third waits, even past a window, until one completes and its window ends.
    const third = gate.enter('live').then((release) => {
      startedAt = clock.now();
      return release;
    });
    let startedAt = -1;
    await clock.sleep(5_000);
    expect(startedAt).toBe(-1);
    const completedAt = clock.now();
    a();
    (await third)();
    expect(startedAt).toBeGreaterThanOrEqual(completedAt + 1_000);
    b();
  });

  it('never lets more than the limit start within any window, and serves live first', async () => {
    const clock = new SteppingClock(0);
    const gate = new CallWindowGate(3, 1_000, clock);
    const starts: { at: number; priority: string }[] = [];
    const call = async (priority: 'live' | 'backfill') => {
      const release = await gate.enter(priority);
      starts.push({ at: clock.now(), priority });
      await clock.sleep(100);
      release();
    };
    await Promise.all([
      ...Array.from({ length: 6 }, () => call('backfill')),
      ...Array.from({ length: 3 }, () => call('live')),
    ]);
    const times = starts.map((s) => s.at);
    for (const t of times)
      expect(times.filter((x) => x >= t && x < t + 1_000).length).toBeLessThanOrEqual(3);
    // The first three went at once (backfill, nobody else waiting); then live before backfill.
    expect(starts.slice(3, 6).map((s) => s.priority)).toEqual(['live', 'live', 'live']);
  });
});

describe('call window gate with pacing', () => {
  it('lets its burst share go at once, then one call per interval, never over the limit', async () => {
    const clock = new ManualClock(0);
    const gate = new CallWindowGate(10, 1_000, clock, 0.2);
    const starts: number[] = [];
    const calls = Promise.all(
      Array.from({ length: 25 }, async () => {
        const release = await gate.enter('backfill');
        starts.push(clock.now());
        release(); // answered at once
      }),
    );
    for (let t = 0; t < 5_000; t += 10) await clock.advance(10);
    await calls;
    expect(starts.slice(0, 3)).toEqual([0, 0, 100]);
    // At most the burst (2) within any interval of the pace, at most the limit in any window.
    for (const t of starts) {
      expect(starts.filter((x) => x >= t && x < t + 100).length).toBeLessThanOrEqual(2);
    }
    for (const t of starts) {
      expect(starts.filter((x) => x >= t && x < t + 1_000).length).toBeLessThanOrEqual(10);
    }
    // Paced at the limit's rate: 25 calls in about 2.5 windows, not in three bursts.
    expect(starts.at(-1)).toBeLessThanOrEqual(2_500);
  });
});

describe('Salesforce budget', () => {
  it('stops spending when the org reports its allocation spent, until the pause is over', async () => {
    const clock = new SteppingClock();
    const budget = new SalesforceBudget(SETTINGS, 100_000, clock);
    budget.observe({ used: 100_000, max: 100_000 });
    const before = clock.now();
    (await budget.acquire('live')).release();
    expect(clock.now() - before).toBeGreaterThanOrEqual(1_000);
    budget.limitExceeded();
    const second = clock.now();
    (await budget.acquire('live')).release();
    expect(clock.now() - second).toBeGreaterThanOrEqual(2_000);
    budget.succeeded();
    budget.limitExceeded();
    const third = clock.now();
    (await budget.acquire('live')).release();
    expect(clock.now() - third).toBeLessThan(2_000);
  });
});

describe('Salesforce budget rate window', () => {
  // One call per second. A call leaves at 0, is answered at `answers` (status line and headers)
  // and ends at `end`; the next call may leave a window after its last answer, or after its end
  // when it was never answered.
  it.each([
    { call: 'answered, with a long body read and parsed', answers: [100], end: 900, next: 1_100 },
    {
      call: 'retried after an answer (an expired session)',
      answers: [100, 500],
      end: 900,
      next: 1_500,
    },
    {
      call: 'never answered (a refused connection, a timeout)',
      answers: [],
      end: 300,
      next: 1_300,
    },
  ])(
    'frees the place of a call $call a window after its last answer, or its end',
    async ({ answers, end, next }) => {
      const clock = new SteppingClock(0);
      const budget = new SalesforceBudget(
        { ...SETTINGS, rate: { limit: 1, windowMs: 1_000 } },
        100_000,
        clock,
      );
      const call = await budget.acquire('live');
      for (const at of answers) {
        await clock.sleep(at - clock.now());
        call.answered();
      }
      await clock.sleep(end - clock.now());
      call.release();
      (await budget.acquire('live')).release();
      expect(clock.now()).toBe(next);
    },
  );
});

describe('Salesforce budget reports', () => {
  it('show this instance’s windows and the org’s day as Salesforce last reported it', async () => {
    const clock = new SteppingClock();
    const budget = new SalesforceBudget(
      { ...SETTINGS, rate: { limit: 10, windowMs: 5_000 } },
      100_000,
      clock,
    );
    expect(budget.sample().crmDaily).toBeUndefined();
    budget.observe({ used: 700, max: 100_000 }, '/limits DailyApiRequests');
    budget.setShare(0.5);
    for (let i = 0; i < 3; i++) (await budget.acquire('live')).release();
    budget.observe({ used: 703, max: 100_000 });
    expect(budget.sample()).toEqual({
      limits: [
        { name: 'daily', windowMs: 86_400_000, limit: 25_000, used: 3, remaining: 24_997 },
        { name: 'rate', windowMs: 5_000, limit: 5, used: 3, remaining: 2 },
      ],
      crmDaily: { used: 703, limit: 100_000, via: 'Sforce-Limit-Info', observedAt: clock.now() },
      share: 0.5,
    });
  });
});
