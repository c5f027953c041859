import { systemClock, type Clock } from './clock.js';
import { Pace } from './pace.js';

/** Live changes go before backfill (imports, replays, reconciliation polling, mass syncs). */
export type Priority = 'live' | 'backfill';

/** At most `limit` permits in any rolling window of `windowMs` (e.g. 190 per 10 s, or per day). */
export interface WindowLimit {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiterOptions {
  readonly limits: readonly WindowLimit[];
  /**
   * Share of each limit backfill may use while live work is flowing (a live permit was taken in
   * the window). With no live traffic in the window, backfill may use the whole limit, so an
   * import on a quiet connection is not slowed for nothing. Default 0.5.
   */
  readonly backfillShare?: number;
  /** This instance's share of the connection's limits (see `setShare`). Default 1. */
  readonly share?: number;
  /**
   * How much longer our windows are than the CRM's (ms). A call answered within this time of its
   * grant reached the CRM within it too, so it counts from its grant (see `RateLimiter.call`).
   * Default 0: every call counts from its answer.
   */
  readonly arrivalSlackMs?: number;
  /**
   * Spread the permits over each window instead of granting a whole window at once: at most
   * `burstShare` of the limit at once, then one every `windowMs / limit`. A CRM answers a steady
   * stream faster than a burst, and live work never finds the window spent by a burst of
   * backfill. Default: no pacing (the window's limit is the only bound).
   */
  readonly pace?: { readonly burstShare: number };
  readonly clock?: Clock;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Reject with `BudgetExhaustedError` instead of waiting longer than this. */
  readonly maxWaitMs?: number;
}

/** The budget cannot grant the permit in time (daily limit spent, or `maxWaitMs` too short). */
export class BudgetExhaustedError extends Error {
  override readonly name = 'BudgetExhaustedError';
  constructor(
    readonly limit: string,
    /** Epoch ms when the permit could be granted. */
    readonly availableAt: number,
  ) {
    super(`API budget "${limit}" exhausted until ${new Date(availableAt).toISOString()}`);
  }
}

export interface LimitSnapshot {
  readonly name: string;
  readonly windowMs: number;
  /** The limit after this instance's share. */
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
}

interface Waiter {
  readonly cost: number;
  readonly priority: Priority;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Permits taken in a rolling window, counted in small time buckets. A permit is booked at the END
 * of its bucket, so it stays counted at least `windowMs` after it was taken: the count of any real
 * window is never under-estimated, hence the limit is never exceeded.
 */
class RollingWindow {
  private readonly bucketMs: number;
  private readonly buckets: { end: number; permits: number }[] = [];
  private liveUntil = Number.NEGATIVE_INFINITY;

  /** Pacing within the window, when the limiter paces (`RateLimiterOptions.pace`). */
  readonly pace: Pace | undefined;

  constructor(
    readonly spec: WindowLimit,
    paceBurstShare: number | undefined,
  ) {
    this.bucketMs = Math.max(1, Math.floor(spec.windowMs / 1_000));
    this.pace = paceBurstShare === undefined ? undefined : new Pace(spec.windowMs, paceBurstShare);
  }

  /** Calls let go and not answered yet: they count whatever their age (see `RateLimiter.call`). */
  inFlight = 0;

  used(now: number): number {
    this.expire(now);
    let total = this.inFlight;
    for (const b of this.buckets) total += b.permits;
    return total;
  }

  liveRecently(now: number): boolean {
    return now < this.liveUntil;
  }

  /** Takes back permits booked at `at` (they count as in flight instead). */
  unbook(at: number, permits: number): void {
    const end = (Math.floor(at / this.bucketMs) + 1) * this.bucketMs;
    const bucket = this.buckets.find((b) => b.end === end);
    if (bucket) bucket.permits -= Math.min(permits, bucket.permits);
  }

  book(at: number, permits: number, priority: Priority): void {
    const end = (Math.floor(at / this.bucketMs) + 1) * this.bucketMs;
    // Buckets stay in time order; a booking in the past (a call counted from its grant) goes
    // before the later ones.
    let i = this.buckets.length;
    while (i > 0 && (this.buckets[i - 1]?.end ?? 0) > end) i--;
    const bucket = this.buckets[i - 1];
    if (bucket?.end === end) bucket.permits += permits;
    else this.buckets.splice(i, 0, { end, permits });
    if (priority === 'live') this.liveUntil = Math.max(this.liveUntil, end + this.spec.windowMs);
  }

  /**
   * Earliest time at which at least `needed` permits will have left the window; infinity when
   * only answers of calls in flight can free them (an answer wakes the waiters).
   */
  freedAt(now: number, needed: number): number {
    this.expire(now);
    let freed = 0;
    for (const b of this.buckets) {
      freed += b.permits;
      if (freed >= needed) return b.end + this.spec.windowMs;
    }
    return this.inFlight > 0 ? Number.POSITIVE_INFINITY : now;
  }

  private expire(now: number): void {
    let first = this.buckets[0];
    while (first !== undefined && first.end + this.spec.windowMs <= now) {
      this.buckets.shift();
      first = this.buckets[0];
    }
  }
}

/**
 * One API budget (per connection and CRM): several rolling-window limits at once, with live work
 * served before backfill, a pause after a 429, and a share so that N instances of a connector
 * split one connection's limits (each sets its share from the partitions it owns).
 *
 * In-process state is an optimisation here, not a correctness condition: the CRM's own limit and
 * its 429 remain the authority, and the connectors handle a 429 by pausing (`pauseUntil`).
 */
export class RateLimiter {
  private readonly windows: RollingWindow[];
  private readonly clock: Clock;
  private readonly backfillShare: number;
  private share: number;
  private readonly arrivalSlackMs: number;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private readonly exhausted = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private wake: AbortController | undefined;

  constructor(options: RateLimiterOptions) {
    if (options.limits.length === 0) throw new RangeError('a RateLimiter needs at least one limit');
    for (const l of options.limits) {
      if (!(l.limit > 0) || !(l.windowMs > 0)) {
        throw new RangeError(`limit "${l.name}" must have a positive limit and window`);
      }
    }
    const paceBurstShare =
      options.pace === undefined ? undefined : checkShare(options.pace.burstShare, 'burstShare');
    this.windows = options.limits.map((l) => new RollingWindow(l, paceBurstShare));
    this.clock = options.clock ?? systemClock;
    this.backfillShare = checkShare(options.backfillShare ?? 0.5, 'backfillShare');
    this.share = checkShare(options.share ?? 1, 'share');
    this.arrivalSlackMs = options.arrivalSlackMs ?? 0;
    const tooShort = options.limits.find((l) => l.windowMs <= this.arrivalSlackMs);
    if (!(this.arrivalSlackMs >= 0) || tooShort) {
      throw new RangeError('arrivalSlackMs must be at least 0 and shorter than every window');
    }
  }

  /** Waits until `cost` permits fit every limit, then takes them. */
  acquire(cost = 1, priority: Priority = 'live', options: AcquireOptions = {}): Promise<void> {
    if (!(cost > 0)) return Promise.reject(new RangeError('cost must be positive'));
    const tooBig = this.windows.find((w) => cost > this.limitOf(w, 'live'));
    if (tooBig) {
      return Promise.reject(
        new RangeError(
          `cost ${cost} exceeds limit "${tooBig.spec.name}" (${this.limitOf(tooBig, 'live')})`,
        ),
      );
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    const now = this.clock.now();
    const ahead = this.waiters.some((w) => w.priority === 'live' || priority === 'backfill');
    if (!ahead && this.availableAt(cost, priority, now) <= now) {
      this.book(now, cost, priority);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        priority,
        deadline: now + (options.maxWaitMs ?? Number.POSITIVE_INFINITY),
        resolve,
        reject,
      };
      this.waiters.push(waiter);
      options.signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            reject(options.signal?.reason as Error);
          }
        },
        { once: true },
      );
      this.kick();
    });
  }

  /** Takes the permits only if they are available now and nobody with priority is waiting. */
  tryAcquire(cost = 1, priority: Priority = 'live'): boolean {
    const now = this.clock.now();
    if (this.waiters.some((w) => w.priority === 'live' || priority === 'backfill')) return false;
    if (this.availableAt(cost, priority, now) > now) return false;
    this.book(now, cost, priority);
    return true;
  }

  /**
   * Waits for one permit of a call, as `acquire`, and returns the call's `done`. The CRM counts a
   * call when it arrives, somewhere between our grant and its answer; counted from the grant, a
   * call that arrived late (a loaded machine, a slow network) could share one CRM window with
   * calls granted a full window later. So a call counts while in flight, whatever its age, and
   * then for a window from `max(grant, answer - arrivalSlackMs)`: our window is the CRM's plus the
   * slack, so it covers the CRM's window of any arrival up to the answer, and the arrivals in any
   * CRM window never exceed the limit. A call answered within the slack (the usual case) costs
   * no more than one window from its grant, so the limit stays usable in full.
   */
  async call(priority: Priority = 'live', options: AcquireOptions = {}): Promise<() => void> {
    await this.acquire(1, priority, options);
    const grantedAt = this.clock.now();
    for (const w of this.windows) w.unbook(grantedAt, 1);
    for (const w of this.windows) w.inFlight++;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      const countFrom = Math.max(grantedAt, this.clock.now() - this.arrivalSlackMs);
      for (const w of this.windows) {
        w.inFlight--;
        w.book(countFrom, 1, 'backfill');
      }
      this.kick();
    };
  }

  /** After a 429 for a rolling limit: grant nothing before `untilMs` (epoch ms). */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
    this.kick();
  }

  /** The CRM says limit `name` is spent until `untilMs` (a daily limit): waiters past their `maxWaitMs` are rejected. */
  exhaust(name: string, untilMs: number): void {
    this.exhausted.set(name, Math.max(this.exhausted.get(name) ?? 0, untilMs));
    this.kick();
  }

  /**
   * The CRM reports `used` permits of limit `name` in the current window (e.g. Salesforce's
   * `Sforce-Limit-Info: api-usage=used/max`): count at least that many, so calls made by other
   * clients of the same org or portal are respected too.
   */
  observeUsage(name: string, used: number): void {
    const window = this.windows.find((w) => w.spec.name === name);
    if (!window) return;
    const now = this.clock.now();
    const missing = Math.floor(used * this.share) - window.used(now);
    if (missing > 0) window.book(now, missing, 'backfill');
  }

  /** This instance's share of the limits, e.g. owned partitions / all partitions (0, 1]. */
  setShare(share: number): void {
    this.share = checkShare(share, 'share');
    this.kick();
  }

  /** The share set last (1 until `setShare`). */
  get currentShare(): number {
    return this.share;
  }

  snapshot(): LimitSnapshot[] {
    const now = this.clock.now();
    return this.windows.map((w) => {
      const limit = this.limitOf(w, 'live');
      const used = w.used(now);
      return {
        name: w.spec.name,
        windowMs: w.spec.windowMs,
        limit,
        used,
        remaining: Math.max(0, limit - used),
      };
    });
  }

  /** Waiters not yet granted (for metrics and tests). */
  get queued(): number {
    return this.waiters.length;
  }

  private limitOf(window: RollingWindow, priority: Priority): number {
    const limit = Math.max(1, Math.floor(window.spec.limit * this.share));
    if (priority === 'live' || !window.liveRecently(this.clock.now())) return limit;
    return Math.max(1, Math.floor(limit * this.backfillShare));
  }

  /** Earliest time the permits could be granted (now when they can be). */
  private availableAt(cost: number, priority: Priority, now: number): number {
    let at = Math.max(now, this.pausedUntil);
    for (const [, until] of this.exhausted) at = Math.max(at, until);
    for (const w of this.windows) {
      const over = w.used(now) + cost - this.limitOf(w, priority);
      if (over > 0) at = Math.max(at, w.freedAt(now, over));
      if (w.pace) at = Math.max(at, w.pace.at(now, cost, this.limitOf(w, 'live')));
    }
    return at;
  }

  private book(now: number, cost: number, priority: Priority): void {
    for (const w of this.windows) {
      w.book(now, cost, priority);
      w.pace?.take(now, cost, this.limitOf(w, 'live'));
    }
  }

  private next(): Waiter | undefined {
    return this.waiters.find((w) => w.priority === 'live') ?? this.waiters[0];
  }

  private kick(): void {
    this.wake?.abort();
    if (!this.pumping && this.waiters.length > 0) {
      this.pumping = true;
      void this.pump().finally(() => {
        this.pumping = false;
        if (this.waiters.length > 0) this.kick();
      });
    }
  }

  private async pump(): Promise<void> {
    for (let head = this.next(); head !== undefined; head = this.next()) {
      const now = this.clock.now();
      const at = this.availableAt(head.cost, head.priority, now);
      if (at <= now) {
        this.waiters.splice(this.waiters.indexOf(head), 1);
        this.book(now, head.cost, head.priority);
        head.resolve();
        continue;
      }
      if (at > head.deadline && at !== Number.POSITIVE_INFINITY) {
        this.waiters.splice(this.waiters.indexOf(head), 1);
        head.reject(new BudgetExhaustedError(this.blockingLimit(head, now), at));
        continue;
      }
      this.wake = new AbortController();
      try {
        // Infinity: only an answer of a call in flight frees a permit, and it kicks the pump.
        await (at === Number.POSITIVE_INFINITY
          ? untilAborted(this.wake.signal)
          : this.clock.sleep(at - now, this.wake.signal));
      } catch {
        // woken early: a waiter, a pause or the share changed; look again
      }
    }
  }

  private blockingLimit(waiter: Waiter, now: number): string {
    for (const [name, until] of this.exhausted) if (until > now) return name;
    if (this.pausedUntil > now) return 'paused';
    const w = this.windows.find(
      (x) => x.used(now) + waiter.cost > this.limitOf(x, waiter.priority),
    );
    return w?.spec.name ?? 'unknown';
  }
}

function checkShare(value: number, what: string): number {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${what} must be in (0, 1], got ${value}`);
  return value;
}

/** Settles (rejects with the reason) only when `signal` aborts: a wait with no timer. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else {
      signal.addEventListener(
        'abort',
        () => {
          reject(signal.reason as Error);
        },
        { once: true },
      );
    }
  });
}
