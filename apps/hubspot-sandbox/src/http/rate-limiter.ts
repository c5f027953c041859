import type { Clock } from '../clock.port.js';

/** Limits per token; `null` switches a policy off (and drops its headers). */
export interface RateLimits {
  tenSecondly: number | null;
  daily: number | null;
  searchPerSecond: number | null;
}

export type Policy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

export type RateDecision =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly policy: Policy; readonly headers: Record<string, string> };

interface Usage {
  /** Request instants in the rolling window (non-search) or the last second (search). */
  window: number[];
  search: number[];
  day: number;
  dailyCount: number;
}

const TEN_SECONDS = 10_000;
const DAY = 86_400_000;

/**
 * HubSpot's per-token limits: a rolling 10-second window for the API, a separate per-second window
 * for the search endpoints, and a daily count that resets at midnight (UTC here).
 */
export class RateLimiter {
  private readonly usage = new Map<string, Usage>();

  constructor(
    private readonly clock: Clock,
    public limits: RateLimits,
  ) {}

  reset(): void {
    this.usage.clear();
  }

  check(token: string, search: boolean): RateDecision {
    const now = this.clock.now();
    const u = this.usageOf(token, now);
    const { tenSecondly, daily, searchPerSecond } = this.limits;
    if (search) {
      if (searchPerSecond !== null) {
        prune(u.search, now - 1000);
        if (u.search.length >= searchPerSecond)
          return { ok: false, policy: 'SECONDLY', headers: {} };
      }
    } else if (tenSecondly !== null) {
      prune(u.window, now - TEN_SECONDS);
      if (u.window.length >= tenSecondly)
        return { ok: false, policy: 'TEN_SECONDLY_ROLLING', headers: this.headers(u, now) };
    }
    if (daily !== null && u.dailyCount >= daily)
      return { ok: false, policy: 'DAILY', headers: search ? {} : this.headers(u, now) };
    if (search) {
      if (searchPerSecond !== null) u.search.push(now);
    } else if (tenSecondly !== null) u.window.push(now);
    u.dailyCount++;
    // HubSpot's search endpoints do not send the X-HubSpot-RateLimit-* headers.
    return { ok: true, headers: search ? {} : this.headers(u, now) };
  }

  private usageOf(token: string, now: number): Usage {
    const day = Math.floor(now / DAY);
    let u = this.usage.get(token);
    if (u === undefined) {
      u = { window: [], search: [], day, dailyCount: 0 };
      this.usage.set(token, u);
    }
    if (u.day !== day) {
      u.day = day;
      u.dailyCount = 0;
    }
    return u;
  }

  private headers(u: Usage, now: number): Record<string, string> {
    const h: Record<string, string> = {};
    const { tenSecondly, daily } = this.limits;
    if (daily !== null) {
      h['X-HubSpot-RateLimit-Daily'] = String(daily);
      h['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, daily - u.dailyCount));
    }
    if (tenSecondly !== null) {
      prune(u.window, now - TEN_SECONDS);
      const secondly = Math.max(1, Math.floor(tenSecondly / 10));
      const lastSecond = u.window.filter((t) => t > now - 1000).length;
      h['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(TEN_SECONDS);
      h['X-HubSpot-RateLimit-Max'] = String(tenSecondly);
      h['X-HubSpot-RateLimit-Remaining'] = String(Math.max(0, tenSecondly - u.window.length));
      h['X-HubSpot-RateLimit-Secondly'] = String(secondly);
      h['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, secondly - lastSecond));
    }
    return h;
  }
}

/** Drops instants at or before `cutoff` (the array is in time order). */
function prune(times: number[], cutoff: number): void {
  let i = 0;
  while (i < times.length && (times[i] ?? 0) <= cutoff) i++;
  if (i > 0) times.splice(0, i);
}

export const RATE_LIMIT_MESSAGES: Readonly<Record<Policy, string>> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  SECONDLY: 'You have reached your secondly limit.',
  DAILY: 'You have reached your daily limit.',
};
