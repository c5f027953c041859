import { describe, expect, it } from '@jest/globals';
import {
  ApiBudgetReport,
  apiBudgetReportId,
  combineApiBudgetReports,
  type ApiBudgetDailyUse,
} from './api-budget.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();

function report(instance: string, over: Partial<ApiBudgetReport> = {}): ApiBudgetReport {
  return ApiBudgetReport.parse({
    _id: apiBudgetReportId('c1', 'hubspot', instance),
    connectionId: 'c1',
    crm: 'hubspot',
    instance,
    limits: [
      { name: 'ten-secondly', windowMs: 10_250, limit: 95, used: 10, remaining: 85 },
      { name: 'daily', windowMs: 86_400_000, limit: 125_000, used: 400, remaining: 124_600 },
    ],
    daily: null,
    share: 0.5,
    intervalMs: 5_000,
    startedAt: at(3_600_000),
    updatedAt: at(1_000),
    stoppedAt: null,
    ...over,
  });
}

const counted = (used: number, msAgo: number): ApiBudgetDailyUse => ({
  used,
  limit: 125_000,
  remaining: 125_000 - used,
  source: 'counted',
  via: 'daily limiter',
  observedAt: at(msAgo),
});

describe('combineApiBudgetReports', () => {
  it('sums the limits of the running instances, as of the older report', () => {
    const combined = combineApiBudgetReports(
      [report('a'), report('b', { updatedAt: at(4_000) })],
      NOW,
    );
    expect(combined).toMatchObject({ state: 'reported', instances: 2, ignored: 0 });
    expect(combined.lastReportAt).toBe(at(1_000));
    expect(combined.limits).toEqual([
      {
        name: 'ten-secondly',
        windowMs: 10_250,
        limit: 190,
        used: 20,
        remaining: 170,
        asOf: at(4_000),
      },
      {
        name: 'daily',
        windowMs: 86_400_000,
        limit: 250_000,
        used: 800,
        remaining: 249_200,
        asOf: at(4_000),
      },
    ]);
  });

  it('leaves out a report older than three intervals and one of a stopped instance', () => {
    const combined = combineApiBudgetReports(
      [
        report('a'),
        report('gone', { updatedAt: at(15_001) }),
        report('stopped', { updatedAt: at(500), stoppedAt: at(500) }),
      ],
      NOW,
    );
    expect(combined).toMatchObject({ state: 'reported', instances: 1, ignored: 2 });
    expect(combined.limits[0]).toMatchObject({ limit: 95, used: 10 });
    // Exactly three intervals old still counts.
    expect(combineApiBudgetReports([report('a', { updatedAt: at(15_000) })], NOW).state).toBe(
      'reported',
    );
  });

  it('says whether nothing reported, the reports went stale, or the connector stopped', () => {
    expect(combineApiBudgetReports([], NOW)).toEqual({
      state: 'not_reported',
      limits: [],
      daily: null,
      instances: 0,
      ignored: 0,
      lastReportAt: null,
    });
    expect(combineApiBudgetReports([report('a', { updatedAt: at(60_000) })], NOW)).toMatchObject({
      state: 'stale',
      limits: [],
      ignored: 1,
      lastReportAt: at(60_000),
    });
    const stopped = combineApiBudgetReports(
      [
        report('old', { updatedAt: at(90_000) }),
        report('a', { updatedAt: at(30_000), stoppedAt: at(30_000) }),
      ],
      NOW,
    );
    expect(stopped).toMatchObject({ state: 'stopped', lastReportAt: at(30_000) });
  });

  it('takes the CRM’s newest word on the day, else sums the instances’ own counts', () => {
    const crm = (used: number, msAgo: number): ApiBudgetDailyUse => ({
      used,
      limit: 500_000,
      remaining: 500_000 - used,
      source: 'crm',
      via: 'X-HubSpot-RateLimit-Daily',
      observedAt: at(msAgo),
    });
    expect(
      combineApiBudgetReports(
        [
          report('a', { daily: crm(9_000, 2_000) }),
          report('b', { daily: crm(9_100, 1_000) }),
          report('c', { daily: counted(10, 1_000) }),
        ],
        NOW,
      ).daily,
    ).toEqual(crm(9_100, 1_000));
    expect(
      combineApiBudgetReports(
        [report('a', { daily: counted(300, 1_000) }), report('b', { daily: counted(200, 3_000) })],
        NOW,
      ).daily,
    ).toEqual({ ...counted(500, 3_000), limit: 250_000, remaining: 249_500 });
    expect(combineApiBudgetReports([report('a')], NOW).daily).toBeNull();
  });
});
