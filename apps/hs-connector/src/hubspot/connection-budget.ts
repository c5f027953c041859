import {
  DAILY_LIMIT_NAME,
  RateLimiter,
  type BudgetSource,
  type Clock,
  type CrmDailyUsage,
} from '@crm-sync/connector-kit';
import type { HubSpotLimits } from '../config.js';

export const TEN_SECONDS_MS = 10_000;
export const DAY_MS = 86_400_000;

/** Limit names, as `/metrics` labels them and as `BudgetExhaustedError.limit` reports them. */
export const LIMIT_NAMES = {
  burst: 'ten-secondly',
  search: 'search-secondly',
  daily: DAILY_LIMIT_NAME,
} as const;

/** The response headers HubSpot reports the portal's day in (when it does: not to every app). */
export const DAILY_HEADERS = {
  limit: 'x-hubspot-ratelimit-daily',
  remaining: 'x-hubspot-ratelimit-daily-remaining',
} as const;

/**
 * HubSpot's own word on the portal's day (every app's requests, not only ours), from the latest
 * response that carried the daily headers. Kept for budget reports.
 */
export class PortalDailyUsage {
  private last: CrmDailyUsage | undefined;

  observe(used: number, limit: number, at: number): void {
    this.last = { used, limit, via: 'X-HubSpot-RateLimit-Daily', observedAt: at };
  }

  get latest(): CrmDailyUsage | undefined {
    return this.last;
  }
}

/**
 * One connection's HubSpot budget: HubSpot counts ordinary requests in a rolling 10 s window,
 * search requests in their own per-second window, and both against the daily limit. Three
 * limiters, so a search never spends a ten-second permit and vice versa; `undefined` = off.
 */
export interface ConnectionBudget {
  readonly burst: RateLimiter | undefined;
  readonly search: RateLimiter | undefined;
  readonly daily: RateLimiter | undefined;
  readonly portalDay: PortalDailyUsage;
}

/**
 * Our windows are this much longer than HubSpot's. We count a request when we send it, HubSpot
 * when it arrives; a request delayed on the way more than the one before it would otherwise
 * make HubSpot count one too many in its window. 2.5 % (250 ms of 10 s) absorbs such jitter and
 * still leaves 97.5 % of the limit usable.
 */
export const WINDOW_MARGIN = 0.025;

export function createBudget(limits: HubSpotLimits, clock: Clock): ConnectionBudget {
  const limiter = (name: string, limit: number | null, windowMs: number) =>
    limit === null
      ? undefined
      : new RateLimiter({
          limits: [{ name, limit, windowMs }],
          backfillShare: limits.backfillShare,
          clock,
        });
  const rolling = (hubspotWindowMs: number) => Math.ceil(hubspotWindowMs * (1 + WINDOW_MARGIN));
  return {
    burst: limiter(LIMIT_NAMES.burst, limits.tenSecondly, rolling(TEN_SECONDS_MS)),
    search: limiter(LIMIT_NAMES.search, limits.searchPerSecond, rolling(1_000)),
    // HubSpot's daily limit resets at midnight; a rolling day is never looser than that.
    daily: limiter(LIMIT_NAMES.daily, limits.daily, DAY_MS),
    portalDay: new PortalDailyUsage(),
  };
}

export function limitersOf(budget: ConnectionBudget): RateLimiter[] {
  return [budget.burst, budget.search, budget.daily].filter(
    (l): l is RateLimiter => l !== undefined,
  );
}

/**
 * The budget as budget reports see it: every limiter's window on this instance, and the portal's
 * day as HubSpot last reported it (else the reporter falls back on the daily limiter's count).
 */
export function budgetSource(connectionId: string, budget: ConnectionBudget): BudgetSource {
  return {
    connectionId,
    crm: 'hubspot',
    sample: () => {
      const limiters = limitersOf(budget);
      return {
        limits: limiters.flatMap((l) => l.snapshot()),
        crmDaily: budget.portalDay.latest,
        share: limiters[0]?.currentShare ?? 1,
      };
    },
  };
}
