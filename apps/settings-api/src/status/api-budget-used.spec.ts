import { describe, expect, it } from '@jest/globals';
import type { ApiBudgetReport } from '@crm-sync/domain';
import { apiBudgetUsed } from './api-budget-used.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const salesforce = (instance: string, over: Partial<ApiBudgetReport> = {}): ApiBudgetReport => ({
  _id: `c1:salesforce:${instance}`,
  connectionId: 'c1',
  crm: 'salesforce',
  instance,
  limits: [{ name: 'daily', windowMs: 86_400_000, limit: 25_000, used: 500, remaining: 24_500 }],
  daily: {
    used: 3_000,
    limit: 100_000,
    remaining: 97_000,
    source: 'crm',
    via: 'Sforce-Limit-Info',
    observedAt: ago(2_000),
  },
  share: 0.5,
  intervalMs: 5_000,
  startedAt: ago(3_600_000),
  updatedAt: ago(1_000),
  stoppedAt: null,
  ...over,
});

describe('apiBudgetUsed', () => {
  it('shows each limit summed over the instances with its fraction, and the org’s day', () => {
    const used = apiBudgetUsed([salesforce('a'), salesforce('b', { updatedAt: ago(3_000) })], NOW);
    expect(used.salesforce).toEqual({
      state: 'reported',
      reason: null,
      limits: [
        {
          name: 'daily',
          windowMs: 86_400_000,
          used: 1_000,
          limit: 50_000,
          remaining: 49_000,
          fraction: 0.02,
          asOf: ago(3_000),
        },
      ],
      daily: {
        used: 3_000,
        limit: 100_000,
        remaining: 97_000,
        fraction: 0.03,
        asOf: ago(2_000),
        source: 'crm',
        via: 'Sforce-Limit-Info',
      },
      instances: 2,
      ignoredReports: 0,
      lastReportAt: ago(1_000),
    });
  });

  it('is null with a reason for a CRM nobody reported, a stale report or a stopped connector', () => {
    const none = apiBudgetUsed([], NOW);
    expect(none.hubspot).toMatchObject({ state: 'not_reported', limits: null, daily: null });
    expect(none.hubspot.reason).toContain('No hs-connector has reported');

    const stale = apiBudgetUsed([salesforce('a', { updatedAt: ago(60_000) })], NOW).salesforce;
    expect(stale).toMatchObject({
      state: 'stale',
      limits: null,
      ignoredReports: 1,
      lastReportAt: ago(60_000),
    });
    expect(stale.reason).toContain('older than 3 report intervals');

    const stopped = apiBudgetUsed(
      [salesforce('a', { updatedAt: ago(500), stoppedAt: ago(500) })],
      NOW,
    ).salesforce;
    expect(stopped).toMatchObject({ state: 'stopped', limits: null, daily: null });
    expect(stopped.reason).toContain('sf-connector stopped');
  });

  it('gives no fraction for a zero limit', () => {
    const used = apiBudgetUsed(
      [
        salesforce('a', {
          limits: [{ name: 'rate', windowMs: 10_000, limit: 0, used: 0, remaining: 0 }],
        }),
      ],
      NOW,
    );
    expect(used.salesforce.limits?.[0]?.fraction).toBeNull();
  });
});
