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
 * Our windows are this much longer than HubSpot's. We count a request from when we send it,
 * HubSpot from when it arrives: a request answered within the margin (250 ms of 10 s) arrived
 * within it, so it counts from its send; a slower one counts from its answer less the margin
 * (`RateLimiter.call`). Either way HubSpot's window of its arrival is inside ours, and 97.5 % of
 * the limit stays usable.
 */
export const WINDOW_MARGIN = 0.025;

export function createBudget(limits: HubSpotLimits, clock: Clock): ConnectionBudget {
  const limiter = (
    name: string,
    limit: number | null,
    hubspotWindowMs: number,
    margin: number,
    pace?: { burstShare: number },
  ) =>
    limit === null
      ? undefined
      : new RateLimiter({
          limits: [{ name, limit, windowMs: Math.ceil(hubspotWindowMs * (1 + margin)) }],
          arrivalSlackMs: Math.floor(hubspotWindowMs * margin),
          backfillShare: limits.backfillShare,
          ...(pace === undefined ? {} : { pace }),
          clock,
        });
  return {
    // Paced to HubSpot's secondly share (a tenth of the ten-second limit at once, then evenly):
    // a backlog does not spend the window in one burst that HubSpot answers slowest.
    burst: limiter(LIMIT_NAMES.burst, limits.tenSecondly, TEN_SECONDS_MS, WINDOW_MARGIN, {
      burstShare: 0.2,
    }),
    search: limiter(LIMIT_NAMES.search, limits.searchPerSecond, 1_000, WINDOW_MARGIN),
    // HubSpot's daily limit resets at midnight; a rolling day is never looser than that.
    daily: limiter(LIMIT_NAMES.daily, limits.daily, DAY_MS, 0),
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
