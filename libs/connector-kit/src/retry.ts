import { systemClock, type Clock } from './clock.js';

export interface BackoffPolicy {
  /** Delay cap of the first retry. */
  readonly baseMs: number;
  /** No delay above this. */
  readonly maxMs: number;
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 30_000, maxAttempts: 8 };

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(max, base · 2^(retry-1))], which
 * spreads retrying clients best (fewest collisions for the least total wait).
 * `retry` counts from 1 (the first retry).
 */
export function backoffDelay(
  retry: number,
  policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}

/**
 * What to do with an error: give up (`retry: false`), or retry after the backoff delay, or after
 * at least `afterMs` (a `Retry-After` or a rate-limit window the CRM announced).
 */
export type RetryVerdict =
  | { readonly retry: false }
  | { readonly retry: true; readonly afterMs?: number; readonly reason?: string };

export interface RetryOptions {
  readonly classify: (error: unknown, attempt: number) => RetryVerdict;
  readonly policy?: BackoffPolicy;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  /** Called before each wait (for logs and metrics). */
  readonly onRetry?: (info: {
    readonly error: unknown;
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: string | undefined;
  }) => void;
}

/** Runs `fn` until it succeeds, the verdict says stop, or the attempts are spent (then rethrows). */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const clock = options.clock ?? systemClock;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const verdict = options.classify(error, attempt);
      if (!verdict.retry || attempt >= policy.maxAttempts) throw error;
      const delayMs = Math.max(verdict.afterMs ?? 0, backoffDelay(attempt, policy, options.random));
      options.onRetry?.({ error, attempt, delayMs, reason: verdict.reason });
      await clock.sleep(delayMs, options.signal);
    }
  }
}
