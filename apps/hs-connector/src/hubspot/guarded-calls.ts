import {
  BudgetExhaustedError,
  withRetries,
  type Clock,
  type ConnectorMetrics,
  type Priority,
} from '@crm-sync/connector-kit';
import type { Logger } from '@crm-sync/runtime';
import { DAILY_HEADERS, LIMIT_NAMES, type ConnectionBudget } from './connection-budget.js';
import type { InFlightSlots } from './in-flight.js';
import {
  HubSpotRequestError,
  RequestTimeoutError,
  rateLimitAction,
  retryVerdict,
  toFailure,
} from './failures.js';

/** What the generated client's `...WithHttpInfo` methods resolve to. */
export interface HttpAnswer<T> {
  readonly httpStatusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: T;
}

export interface Operation {
  /** Metrics and logs name it, e.g. `companies.batch.upsert`. */
  readonly name: string;
  readonly search: boolean;
  readonly priority: Priority;
}

export interface GuardedCallsOptions {
  readonly connectionId: string;
  readonly budget: ConnectionBudget;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** Requests of the connection in flight at once (this instance). */
  readonly slots: InFlightSlots;
  readonly rateLimitPauseMs: number;
  /** Renews the access token (OAuth); resolves false when there is no way to. */
  readonly refreshToken: () => Promise<boolean>;
  /** Aborted at shutdown: waits for budget and backoff end at once. */
  readonly signal: AbortSignal;
  readonly random?: () => number;
}

/**
 * Every HubSpot request of a connection goes through here: it waits for the budget (live before
 * backfill), applies HubSpot's answer to the budget (429 by `policyName`, the
 * `X-HubSpot-RateLimit-*` headers so other clients of the portal are counted too), times out,
 * renews an expired token once, and retries transient faults with full-jitter backoff. What
 * survives is a `HubSpotRequestError` (or `BudgetExhaustedError` when the daily limit is spent).
 */
export class GuardedCalls {
  constructor(private readonly options: GuardedCallsOptions) {}

  run<T>(op: Operation, call: () => Promise<HttpAnswer<T>>): Promise<T> {
    const o = this.options;
    let refreshed = false;
    return withRetries(
      async () => {
        let done: (() => void) | undefined;
        let slot = false;
        try {
          // The permit before the slot: a request waits for its permit as long as the budget
          // says (backfill, for as long as live work keeps the window full), and one that held
          // a slot meanwhile would stall every live request behind it.
          // Budget refusals (daily limit spent) and shutdown aborts pass through as they are.
          done = await this.acquire(op);
          await o.slots.acquire(op.priority);
          slot = true;
          return await this.send(op, call);
        } catch (e) {
          const expired = e instanceof HubSpotRequestError && e.failure.status === 401;
          if (expired && !refreshed && (await o.refreshToken())) {
            refreshed = true;
            throw new TokenRefreshed(e);
          }
          throw e;
        } finally {
          // HubSpot counted the call on arrival, before this answer: it counts until a window
          // after the answer, so a late arrival cannot crowd a later window.
          done?.();
          if (slot) o.slots.release();
        }
      },
      {
        clock: o.clock,
        signal: o.signal,
        ...(o.random === undefined ? {} : { random: o.random }),
        policy: { baseMs: 250, maxMs: 15_000, maxAttempts: o.maxAttempts },
        classify: (error) => {
          if (error instanceof TokenRefreshed) return { retry: true, afterMs: 0, reason: 'token' };
          if (error instanceof HubSpotRequestError)
            return retryVerdict(error.failure, o.rateLimitPauseMs);
          return { retry: false };
        },
        onRetry: ({ attempt, delayMs, reason }) => {
          o.logger.warn('hubspot request retried', {
            connectionId: o.connectionId,
            operation: op.name,
            attempt,
            delayMs,
            reason,
          });
        },
      },
    ).catch((e: unknown) => {
      throw e instanceof TokenRefreshed ? e.original : e;
    });
  }

  /** One request: its answer, or a `HubSpotRequestError` after applying it to the budget. */
  private async send<T>(op: Operation, call: () => Promise<HttpAnswer<T>>): Promise<T> {
    const o = this.options;
    let answer: HttpAnswer<T>;
    try {
      answer = await withTimeout(call(), o.timeoutMs);
    } catch (cause) {
      const failure = toFailure(cause);
      const error = new HubSpotRequestError(failure, op.name, { cause });
      this.count(op, failure.status === undefined ? failure.kind : String(failure.status));
      o.metrics.errors.inc({ connection: o.connectionId, category: error.syncError.category });
      if (failure.status === 429) this.onRateLimited(failure.policyName, op);
      throw error;
    }
    this.count(op, String(answer.httpStatusCode));
    this.observe(answer.headers);
    return answer.data;
  }

  /**
   * Ten-second (or search) permit first, then the daily one; the daily wait is never long: a
   * spent daily limit fails at once (`BudgetExhaustedError`) and the caller stops spending.
   * Returns what to call at the answer (see `RateLimiter.call`).
   */
  private async acquire(op: Operation): Promise<(() => void) | undefined> {
    const { budget, signal } = this.options;
    const window = op.search ? budget.search : budget.burst;
    const done = await window?.call(op.priority, { signal });
    try {
      await budget.daily?.acquire(1, op.priority, { signal, maxWaitMs: 1_000 });
    } catch (e) {
      done?.();
      throw e;
    }
    return done;
  }

  private onRateLimited(policy: Parameters<typeof rateLimitAction>[0], op: Operation): void {
    const { budget, clock, rateLimitPauseMs, logger, connectionId } = this.options;
    const action = rateLimitAction(policy, op.search, clock.now(), rateLimitPauseMs);
    logger.warn('hubspot rate limit hit', { connectionId, operation: op.name, policy, action });
    if (action.kind === 'exhaust') {
      budget.daily?.exhaust(LIMIT_NAMES.daily, action.untilMs);
      if (!budget.daily) throw new BudgetExhaustedError(LIMIT_NAMES.daily, action.untilMs);
      return;
    }
    (action.scope === 'search' ? budget.search : budget.burst)?.pauseUntil(action.untilMs);
  }

  /**
   * Counts requests other clients of the portal made, as HubSpot reports them, and keeps the
   * portal's day for budget reports.
   */
  private observe(headers: Readonly<Record<string, string>>): void {
    const { budget, clock } = this.options;
    const used = (max: string | undefined, remaining: string | undefined) => {
      const m = Number(max);
      const r = Number(remaining);
      return max === undefined || remaining === undefined || !(m >= r) ? undefined : m - r;
    };
    const burst = used(
      headers['x-hubspot-ratelimit-max'],
      headers['x-hubspot-ratelimit-remaining'],
    );
    if (burst !== undefined) budget.burst?.observeUsage(LIMIT_NAMES.burst, burst);
    const daily = used(headers[DAILY_HEADERS.limit], headers[DAILY_HEADERS.remaining]);
    if (daily !== undefined) {
      budget.daily?.observeUsage(LIMIT_NAMES.daily, daily);
      budget.portalDay.observe(daily, Number(headers[DAILY_HEADERS.limit]), clock.now());
    }
  }

  private count(op: Operation, status: string): void {
    this.options.metrics.apiCalls.inc({
      connection: this.options.connectionId,
      crm: 'hubspot',
      operation: op.name,
      status,
    });
  }
}

/** Internal: the token was renewed, try again at once. */
class TokenRefreshed extends Error {
  constructor(readonly original: HubSpotRequestError) {
    super('access token renewed');
  }
}

/** Rejects with `RequestTimeoutError` after `ms` (the generated client has no timeout). */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new RequestTimeoutError(ms));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
