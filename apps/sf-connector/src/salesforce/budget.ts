import {
  DAILY_LIMIT_NAME,
  Pace,
  RateLimiter,
  type BudgetSample,
  type Clock,
  type CrmDailyUsage,
  type LimitSnapshot,
  type Priority,
  type WindowLimit,
} from '@crm-sync/connector-kit';
import type { BudgetSettings } from '../config.js';
import type { OrgApiUsage } from './salesforce-api.port.js';

const DAY_MS = 86_400_000;

/** The names budget reports and `/metrics` give the limits. */
export const LIMIT_NAMES = { daily: DAILY_LIMIT_NAME, rate: 'rate' } as const;

/**
 * Calls in flight at once (Salesforce limits concurrent long requests per org). Live callers
 * are let in before backfill ones.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: { priority: Priority; grant: () => void }[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be ≥ 1, got ${max}`);
  }

  async enter(priority: Priority, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.max && this.waiting.length === 0) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry = { priority, grant: resolve };
      this.waiting.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            reject(signal.reason as Error);
          }
        },
        { once: true },
      );
    });
    return this.releaser();
  }

  get inFlight(): number {
    return this.active;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const i = this.waiting.findIndex((w) => w.priority === 'live');
      const next = this.waiting.splice(i >= 0 ? i : 0, 1)[0];
      if (next) next.grant();
      else this.active--;
    };
  }
}

/** The limits of one connection's budget kept by the RateLimiter: a share of the org's daily allocation. */
export function budgetLimits(settings: BudgetSettings, orgDailyMax: number): WindowLimit[] {
  return [
    {
      name: LIMIT_NAMES.daily,
      limit: Math.max(1, Math.floor(orgDailyMax * settings.dailyShare)),
      windowMs: DAY_MS,
    },
  ];
}

/**
 * At most `limit` calls in any window of `windowMs` as Salesforce sees them. A rate limiter that
 * counts a call from the moment it lets it go cannot promise that: calls reach Salesforce later,
 * each with its own delay (a busy event loop, a new connection), so two calls a full window
 * apart here can land closer there. This gate counts a call from when it is let go until a
 * window after Salesforce *answered* it (it has received it by then; the body of the answer may
 * still be on its way): at any moment, calls in flight plus calls answered within the last
 * window never exceed the limit, and so neither do the arrivals in any window. It costs the time
 * to the answer per window (~2 % at 100 ms per 5 s). Live callers go first.
 */
export class CallWindowGate {
  private inFlight = 0;
  /** Completion times, oldest first. */
  private readonly completed: number[] = [];
  private readonly waiting: { priority: Priority; grant: () => void }[] = [];
  private share = 1;
  private pumping = false;
  private wake: AbortController | undefined;
  private readonly pace: Pace;

  /**
   * `burstShare`: the share of the limit that may go at once; then one call every
   * `windowMs / limit` (default 1: no pacing, the window is the only bound).
   */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    burstShare = 1,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new RangeError('limit ≥ 1 and windowMs > 0');
    if (!(burstShare > 0 && burstShare <= 1)) throw new RangeError('burstShare in (0, 1]');
    this.pace = new Pace(windowMs, burstShare);
  }

  async enter(priority: Priority, signal?: AbortSignal): Promise<(completedAt?: number) => void> {
    if (signal?.aborted) throw signal.reason;
    const now = this.clock.now();
    if (
      this.waiting.length === 0 &&
      this.used() < this.effectiveLimit &&
      this.pace.at(now, 1, this.effectiveLimit) <= now
    ) {
      this.letGo(now);
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry = { priority, grant: resolve };
      this.waiting.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            reject(signal.reason as Error);
          }
        },
        { once: true },
      );
      this.kick();
    });
    return this.releaser();
  }

  /** Calls counted now (in flight, or completed within the last window). */
  used(): number {
    const since = this.clock.now() - this.windowMs;
    while (this.completed[0] !== undefined && this.completed[0] <= since) this.completed.shift();
    return this.inFlight + this.completed.length;
  }

  get effectiveLimit(): number {
    return Math.max(1, Math.floor(this.limit * this.share));
  }

  snapshot(): LimitSnapshot {
    const used = this.used();
    const limit = this.effectiveLimit;
    return {
      name: LIMIT_NAMES.rate,
      windowMs: this.windowMs,
      limit,
      used,
      remaining: Math.max(0, limit - used),
    };
  }

  setShare(share: number): void {
    this.share = share;
    this.kick();
  }

  /** Ends a call; `completedAt` (default now): when Salesforce answered it, if earlier. */
  private releaser(): (completedAt?: number) => void {
    let released = false;
    return (completedAt) => {
      if (released) return;
      released = true;
      this.inFlight--;
      const at = Math.min(completedAt ?? Number.POSITIVE_INFINITY, this.clock.now());
      let i = this.completed.length;
      while (i > 0 && (this.completed[i - 1] ?? 0) > at) i--;
      this.completed.splice(i, 0, at);
      this.kick();
    };
  }

  private kick(): void {
    this.wake?.abort();
    if (this.pumping || this.waiting.length === 0) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.waiting.length > 0 && this.used() < this.effectiveLimit) this.kick();
    });
  }

  private async pump(): Promise<void> {
    while (this.waiting.length > 0) {
      const now = this.clock.now();
      let wakeAt: number;
      if (this.used() < this.effectiveLimit) {
        wakeAt = this.pace.at(now, 1, this.effectiveLimit);
        if (wakeAt <= now) {
          const i = this.waiting.findIndex((w) => w.priority === 'live');
          const next = this.waiting.splice(i >= 0 ? i : 0, 1)[0];
          this.letGo(now);
          next?.grant();
          continue;
        }
      } else {
        const oldest = this.completed[0];
        // Everything counted is still in flight: a release will kick the pump again.
        if (oldest === undefined) return;
        wakeAt = oldest + this.windowMs;
      }
      this.wake = new AbortController();
      try {
        await this.clock.sleep(wakeAt - now, this.wake.signal);
      } catch {
        // woken early: a call completed or the share changed; look again
      }
    }
  }

  private letGo(now: number): void {
    this.inFlight++;
    this.pace.take(now, 1, this.effectiveLimit);
  }
}

/**
 * The rate's share that may go at once before the rest is paced evenly. A backlog let go in one
 * burst queues at Salesforce, and every call of it is answered later, which holds its place in the
 * window longer: unpaced, bench C reached 94–100 % of the configured rate, paced 98–100 %.
 */
export const RATE_BURST_SHARE = 0.2;

/** The rate gate of a budget's settings (none without `SF_RATE_LIMIT`). */
export function rateGateOf(settings: BudgetSettings, clock: Clock): CallWindowGate | undefined {
  return settings.rate === undefined
    ? undefined
    : new CallWindowGate(settings.rate.limit, settings.rate.windowMs, clock, RATE_BURST_SHARE);
}

/** Pause after the n-th REQUEST_LIMIT_EXCEEDED in a row: doubling, capped at 16× the first. */
export function limitPauseMs(firstPauseMs: number, consecutive: number): number {
  return firstPauseMs * 2 ** Math.min(4, Math.max(0, consecutive - 1));
}

/** One call's place in the budget (`SalesforceBudget.acquire`). */
export interface CallPermit {
  /**
   * Salesforce answered the call's request (status line and headers), so it has it: the rate
   * window counts the call until a window after the last answer, not after its body was read and
   * parsed. A call retried after an answer (an expired session) is answered again later.
   */
  readonly answered: () => void;
  /** The call is over, answered or failed (never answered: counted until a window after now). */
  readonly release: () => void;
}

/**
 * One connection's Salesforce API budget on this instance:
 * - a `RateLimiter` (connector-kit) holding the engine's share of the org's rolling 24-hour
 *   allocation, live work before backfill;
 * - the optional smoothing rate, as Salesforce sees it (`CallWindowGate`);
 * - a concurrency gate;
 * - the org's own word: `Sforce-Limit-Info` shows the org spent (by anyone) → stop spending; a
 *   REQUEST_LIMIT_EXCEEDED answer → pause, then probe again with a doubling pause.
 */
export class SalesforceBudget {
  readonly limiter: RateLimiter;
  private readonly gate: ConcurrencyGate;
  private readonly rate: CallWindowGate | undefined;
  private exceededInARow = 0;
  private orgUsage: OrgApiUsage | undefined;
  private orgDaily: CrmDailyUsage | undefined;
  private share = 1;

  /** `rate`: the connection's rate gate when it exists before the budget (see rateGateOf). */
  constructor(
    private readonly settings: BudgetSettings,
    orgDailyMax: number,
    private readonly clock: Clock,
    rate: CallWindowGate | undefined = rateGateOf(settings, clock),
  ) {
    this.limiter = new RateLimiter({
      limits: budgetLimits(settings, orgDailyMax),
      backfillShare: settings.backfillShare,
      clock,
    });
    this.gate = new ConcurrencyGate(settings.maxConcurrency);
    this.rate = rate;
  }

  /**
   * Waits for a free slot, a daily permit and room in the rate window. The rate comes last, right
   * before the call leaves.
   */
  async acquire(priority: Priority, signal?: AbortSignal): Promise<CallPermit> {
    const release = await this.gate.enter(priority, signal);
    try {
      await this.limiter.acquire(1, priority, signal ? { signal } : {});
      const done = await this.rate?.enter(priority, signal);
      let answeredAt: number | undefined;
      return {
        answered: () => {
          answeredAt = this.clock.now();
        },
        release: () => {
          done?.(answeredAt);
          release();
        },
      };
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * The org's daily usage: after a response from `Sforce-Limit-Info`, at start from `/limits`
   * (`via` says which, for budget reports).
   */
  observe(usage: OrgApiUsage | undefined, via = 'Sforce-Limit-Info'): void {
    if (usage === undefined) return;
    this.orgUsage = usage;
    this.orgDaily = { used: usage.used, limit: usage.max, via, observedAt: this.clock.now() };
    if (usage.used >= usage.max) this.limitExceeded();
  }

  /** The org refused a call with REQUEST_LIMIT_EXCEEDED: stop spending for a while. */
  limitExceeded(): void {
    this.exceededInARow++;
    this.limiter.pauseUntil(
      this.clock.now() + limitPauseMs(this.settings.limitPauseMs, this.exceededInARow),
    );
  }

  /** A call went through: the next limit hit starts with the short pause again. */
  succeeded(): void {
    this.exceededInARow = 0;
  }

  /** Permits of the daily window left on this instance (for the poll interval). */
  get dailyLimit(): number {
    return this.limiter.snapshot().find((s) => s.name === LIMIT_NAMES.daily)?.limit ?? 1;
  }

  get lastOrgUsage(): OrgApiUsage | undefined {
    return this.orgUsage;
  }

  /** N instances split the budget: each takes `share` of it. */
  setShare(share: number): void {
    this.share = share;
    this.limiter.setShare(share);
    this.rate?.setShare(share);
  }

  /**
   * For budget reports: this instance's daily window and rate window, and the org's day as
   * Salesforce last reported it (DailyApiRequests; every client of the org, not only us).
   */
  sample(): BudgetSample {
    const limits = this.limiter.snapshot();
    return {
      limits: this.rate === undefined ? limits : [...limits, this.rate.snapshot()],
      crmDaily: this.orgDaily,
      share: this.share,
    };
  }
}
