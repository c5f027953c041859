import { describe, expect, it } from '@jest/globals';
import { BudgetExhaustedError, ConnectorMetrics } from '@crm-sync/connector-kit';
import { createLogger } from '@crm-sync/runtime';
import { SteppingClock } from '../../test/support.js';
import { budgetSource, createBudget } from './connection-budget.js';
import { HubSpotRequestError } from './failures.js';
import { GuardedCalls, type HttpAnswer } from './guarded-calls.js';
import { InFlightSlots } from './in-flight.js';

const T = Date.parse('2026-03-01T12:00:00Z');
const ok = <T>(data: T, headers: Record<string, string> = {}): HttpAnswer<T> => ({
  httpStatusCode: 200,
  headers,
  data,
});
const fail = (code: number, body: unknown = {}) =>
  Object.assign(new Error('HTTP-Code'), { code, body, headers: {} });

function setup(
  limits = { tenSecondly: 10, daily: 1_000, searchPerSecond: 2 },
  refresh = false,
  slots = 4,
) {
  const clock = new SteppingClock(T);
  const metrics = new ConnectorMetrics('test');
  const budget = createBudget({ ...limits, backfillShare: 0.5 }, clock);
  let refreshed = 0;
  const calls = new GuardedCalls({
    connectionId: 'c1',
    budget,
    clock,
    metrics,
    logger: createLogger('test', { level: 'error' }),
    maxAttempts: 5,
    timeoutMs: 1_000,
    slots: new InFlightSlots(slots),
    rateLimitPauseMs: 1_000,
    refreshToken: () => {
      refreshed++;
      return Promise.resolve(refresh);
    },
    signal: new AbortController().signal,
    random: () => 0.5,
  });
  return { clock, metrics, budget, calls, refreshed: () => refreshed };
}

const op = { name: 'companies.batch.read', search: false, priority: 'live' as const };

describe('GuardedCalls', () => {
  it('waits out a TEN_SECONDLY_ROLLING 429 storm and then answers', async () => {
    const { calls, clock, metrics } = setup();
    const answers = [
      fail(429, { policyName: 'TEN_SECONDLY_ROLLING' }),
      fail(429, { policyName: 'TEN_SECONDLY_ROLLING' }),
      fail(429, { policyName: 'TEN_SECONDLY_ROLLING' }),
    ];
    let tries = 0;
    const result = await calls.run(op, () => {
      tries++;
      const next = answers.shift();
      return next === undefined ? Promise.resolve(ok('done')) : Promise.reject(next);
    });
    expect(result).toBe('done');
    expect(tries).toBe(4);
    expect(clock.t - T).toBeGreaterThanOrEqual(3 * 1_000);
    const text = (await metrics.render()).body;
    expect(text).toMatch(/crm_sync_api_calls_total\{[^}]*status="429"[^}]*\} 3/);
    expect(text).toMatch(/crm_sync_errors_total\{[^}]*category="rate_limit"[^}]*\} 3/);
  });

  it('never lets more requests through than the ten-second limit allows', async () => {
    const { calls, clock } = setup({ tenSecondly: 10, daily: 1_000, searchPerSecond: 2 });
    const sentAt: number[] = [];
    for (let i = 0; i < 35; i++) {
      await calls.run(op, () => {
        sentAt.push(clock.t);
        return Promise.resolve(ok(i));
      });
    }
    for (const t of sentAt)
      expect(sentAt.filter((s) => s > t - 10_000 && s <= t).length).toBeLessThanOrEqual(10);
    expect(clock.t - T).toBeGreaterThanOrEqual(30_000);
  });

  it('holds no slot while a request waits for its permit: live work passes waiting backfill', async () => {
    const { calls } = setup(undefined, false, 1);
    // Live work has spent half the window: backfill may not take more while live work flows.
    for (let i = 0; i < 5; i++) await calls.run(op, () => Promise.resolve(ok(i)));
    const order: string[] = [];
    const send = (what: string) => () => {
      order.push(what);
      return Promise.resolve(ok(what));
    };
    const backfill = calls.run({ ...op, priority: 'backfill' }, send('backfill'));
    const live = calls.run(op, send('live'));
    await Promise.all([backfill, live]);
    // Had the backfill request taken the only slot before its permit, the live one would have
    // waited for the window to clear of live work (10 s) behind it.
    expect(order).toEqual(['live', 'backfill']);
  });

  it('stops at once on the daily limit and keeps refusing until the reset', async () => {
    const { calls, clock } = setup();
    const daily = calls.run(op, () => Promise.reject(fail(429, { policyName: 'DAILY' })));
    await expect(daily).rejects.toBeInstanceOf(HubSpotRequestError);
    let called = false;
    await expect(
      calls.run(op, () => {
        called = true;
        return Promise.resolve(ok(1));
      }),
    ).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(called).toBe(false);
    clock.t = Date.parse('2026-03-02T00:00:01Z');
    expect(await calls.run(op, () => Promise.resolve(ok(2)))).toBe(2);
  });

  it('retries 5xx up to the attempt limit, does not retry a 400', async () => {
    const { calls } = setup();
    let tries = 0;
    await expect(
      calls.run(op, () => {
        tries++;
        return Promise.reject(fail(503));
      }),
    ).rejects.toMatchObject({ syncError: { category: 'transient' } });
    expect(tries).toBe(5);
    tries = 0;
    await expect(
      calls.run(op, () => {
        tries++;
        return Promise.reject(fail(400, { category: 'VALIDATION_ERROR', message: 'bad' }));
      }),
    ).rejects.toMatchObject({ syncError: { category: 'validation', retriable: false } });
    expect(tries).toBe(1);
  });

  it('renews an expired token once and tries again', async () => {
    const { calls, refreshed } = setup(undefined, true);
    const answers = [fail(401, { category: 'EXPIRED_AUTHENTICATION' })];
    const r = await calls.run(op, () => {
      const next = answers.shift();
      return next === undefined ? Promise.resolve(ok('fresh')) : Promise.reject(next);
    });
    expect(r).toBe('fresh');
    expect(refreshed()).toBe(1);
  });

  it('counts requests other clients made, from the X-HubSpot-RateLimit headers', async () => {
    const { calls, budget } = setup({ tenSecondly: 10, daily: 1_000, searchPerSecond: 2 });
    await calls.run(op, () =>
      Promise.resolve(
        ok(1, { 'x-hubspot-ratelimit-max': '10', 'x-hubspot-ratelimit-remaining': '2' }),
      ),
    );
    expect(budget.burst?.snapshot()[0]?.used).toBe(8);
  });

  it('keeps the portal’s day from the daily headers for budget reports', async () => {
    const { calls, budget, clock } = setup({ tenSecondly: 10, daily: 1_000, searchPerSecond: 2 });
    const source = budgetSource('c1', budget);
    await calls.run(op, () => Promise.resolve(ok(1)));
    // No daily headers (not every app gets them): the reporter falls back on our own count.
    expect(source.sample()?.crmDaily).toBeUndefined();
    await calls.run(op, () =>
      Promise.resolve(
        ok(2, {
          'x-hubspot-ratelimit-daily': '500000',
          'x-hubspot-ratelimit-daily-remaining': '488000',
        }),
      ),
    );
    expect(source.sample()).toEqual({
      limits: [
        { name: 'ten-secondly', windowMs: 10_250, limit: 10, used: 2, remaining: 8 },
        { name: 'search-secondly', windowMs: 1_025, limit: 2, used: 0, remaining: 2 },
        // HubSpot's count of the portal's day raises ours (other apps spend it too).
        { name: 'daily', windowMs: 86_400_000, limit: 1_000, used: 12_000, remaining: 0 },
      ],
      crmDaily: {
        used: 12_000,
        limit: 500_000,
        via: 'X-HubSpot-RateLimit-Daily',
        observedAt: clock.t,
      },
      share: 1,
    });
  });
});
