import { describe, expect, it } from '@jest/globals';
import { combineApiBudgetReports, type ApiBudgetReport } from '@crm-sync/domain';
import { createLogger } from '@crm-sync/runtime';
import { ManualClock } from '../clock.js';
import { RateLimiter } from '../rate-limiter.js';
import { BudgetReporter, type BudgetSource, type CrmDailyUsage } from './budget-reporter.js';
import { InMemoryBudgetReportStore } from './in-memory.budget-report-store.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const logger = createLogger('test', { level: 'error' });

function setup(intervalMs = 5_000) {
  const clock = new ManualClock(T0);
  const store = new InMemoryBudgetReportStore();
  const reporter = new BudgetReporter({ store, intervalMs, clock, logger, instance: 'i1' });
  const limiter = new RateLimiter({
    limits: [
      { name: 'ten-secondly', limit: 100, windowMs: 10_000 },
      { name: 'daily', limit: 1_000, windowMs: 86_400_000 },
    ],
    clock,
  });
  let crmDaily: CrmDailyUsage | undefined;
  const source: BudgetSource = {
    connectionId: 'c1',
    crm: 'hubspot',
    sample: () => ({ limits: limiter.snapshot(), crmDaily, share: 1 }),
  };
  reporter.watch(source);
  return {
    clock,
    store,
    reporter,
    limiter,
    setCrmDaily: (d: CrmDailyUsage) => (crmDaily = d),
    doc: () => store.reports.get('c1:hubspot:i1'),
  };
}

describe('BudgetReporter', () => {
  it('writes one document per connection and CRM every interval, not per call', async () => {
    const { clock, store, reporter, limiter, doc } = setup();
    reporter.start();
    await clock.advance(0);
    expect(store.saves).toHaveLength(1);

    for (let i = 0; i < 30; i++) await limiter.acquire();
    expect(store.saves).toHaveLength(1);
    await clock.advance(5_000);
    expect(store.saves).toHaveLength(2);
    expect(doc()).toEqual({
      _id: 'c1:hubspot:i1',
      connectionId: 'c1',
      crm: 'hubspot',
      instance: 'i1',
      limits: [
        { name: 'ten-secondly', windowMs: 10_000, limit: 100, used: 30, remaining: 70 },
        { name: 'daily', windowMs: 86_400_000, limit: 1_000, used: 30, remaining: 970 },
      ],
      // No word from the CRM: the daily limiter's own count.
      daily: {
        used: 30,
        limit: 1_000,
        remaining: 970,
        source: 'counted',
        via: 'daily limiter',
        observedAt: '2026-03-01T12:00:05.000Z',
      },
      share: 1,
      intervalMs: 5_000,
      startedAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:05.000Z',
      stoppedAt: null,
    });
    await reporter.stop();
  });

  it('reports the day as the CRM last reported it', async () => {
    const { clock, reporter, setCrmDaily, doc } = setup();
    setCrmDaily({ used: 4_200, limit: 250_000, via: 'X-HubSpot-RateLimit-Daily', observedAt: T0 });
    reporter.start();
    await clock.advance(0);
    expect(doc()?.daily).toEqual({
      used: 4_200,
      limit: 250_000,
      remaining: 245_800,
      source: 'crm',
      via: 'X-HubSpot-RateLimit-Daily',
      observedAt: '2026-03-01T12:00:00.000Z',
    });
    await reporter.stop();
  });

  it('writes a last report marked stopped, and nothing after it', async () => {
    const { clock, store, reporter, doc } = setup();
    reporter.start();
    await clock.advance(7_000);
    await reporter.stop();
    expect(doc()?.stoppedAt).toBe('2026-03-01T12:00:07.000Z');
    const saved = store.saves.length;
    await clock.advance(60_000);
    expect(store.saves).toHaveLength(saved);
    expect(combineApiBudgetReports([...store.reports.values()], clock.now()).state).toBe('stopped');
  });

  it('keeps running when the database refuses a write, and catches up', async () => {
    const { clock, store, reporter, doc } = setup();
    store.failing = new Error('connection refused');
    reporter.start();
    await clock.advance(10_000);
    expect(doc()).toBeUndefined();
    store.failing = undefined;
    await clock.advance(5_000);
    expect(doc()?.updatedAt).toBe('2026-03-01T12:00:15.000Z');
    await reporter.stop();
  });

  it('writes nothing for a budget that does not exist yet', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryBudgetReportStore();
    const reporter = new BudgetReporter({ store, intervalMs: 1_000, clock, logger });
    reporter.watch({ connectionId: 'c1', crm: 'salesforce', sample: () => undefined });
    reporter.start();
    await clock.advance(3_000);
    await reporter.stop();
    expect(store.saves).toHaveLength(0);
  });

  it('deletes reports of its connections left by instances gone for a day, at start', async () => {
    const { clock, store, reporter } = setup();
    const old: ApiBudgetReport = {
      _id: 'c1:hubspot:dead',
      connectionId: 'c1',
      crm: 'hubspot',
      instance: 'dead',
      limits: [],
      daily: null,
      share: 1,
      intervalMs: 5_000,
      startedAt: '2026-02-27T00:00:00.000Z',
      updatedAt: '2026-02-28T11:59:59.000Z',
      stoppedAt: null,
    };
    await store.save(old);
    await store.save({ ...old, _id: 'c2:hubspot:dead', connectionId: 'c2' });
    await store.save({ ...old, _id: 'c1:hubspot:recent', updatedAt: '2026-03-01T11:00:00.000Z' });
    reporter.start();
    await clock.advance(0);
    expect([...store.reports.keys()].sort()).toEqual([
      'c1:hubspot:i1',
      'c1:hubspot:recent',
      'c2:hubspot:dead',
    ]);
    await reporter.stop();
  });
});
