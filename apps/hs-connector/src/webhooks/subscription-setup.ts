import { withRetries, type BackoffPolicy, type Clock } from '@crm-sync/connector-kit';
import type { Logger } from '@crm-sync/runtime';
import { HubSpotRequestError, retryVerdict } from '../hubspot/failures.js';
import { planSubscriptions, type SubscriptionPlan } from './subscription-plan.js';
import type { SubscriptionSpec, WebhookAppApi } from './webhook-app-api.port.js';

/** What HubSpot was told, for the log and the tests. */
export interface EnsureReport {
  /** The target URL was set (it was missing or pointed elsewhere). */
  readonly targetSet: boolean;
  /** The target it replaced (origin and path only: a URL may carry a token in its query). */
  readonly replacedUrl: string | undefined;
  readonly created: number;
  readonly activated: number;
  readonly wanted: number;
  /** Wanted subscriptions still missing or paused afterwards (changed by someone meanwhile). */
  readonly outstanding: number;
}

export interface EnsureOptions {
  readonly wanted: readonly SubscriptionSpec[];
  readonly targetUrl: string;
  /** Throttling for a new target; an existing one's is kept. */
  readonly defaultMaxConcurrentRequests: number;
}

/**
 * Makes the app deliver what crm-sync needs to where it listens: reads the target and the
 * subscriptions, plans (`planSubscriptions`), applies the plan (target first, so new
 * subscriptions deliver to us), then reads the subscriptions again to report what is still
 * outstanding. Idempotent: a second run changes nothing, and a subscription another instance
 * created a moment earlier (HubSpot refuses the duplicate) is taken as done.
 */
export async function ensureSubscriptions(
  api: WebhookAppApi,
  options: EnsureOptions,
): Promise<EnsureReport> {
  const current = await api.getTarget();
  const existing = await api.listSubscriptions();
  const plan = planSubscriptions({ ...options, current, existing });
  if (plan.target !== undefined) await api.setTarget(plan.target);
  let created = 0;
  for (const spec of plan.create) {
    if ((await api.createSubscription(spec, true)) !== 'exists') created++;
  }
  if (plan.activate.length > 0) await api.setActive(plan.activate, true);
  const after: SubscriptionPlan =
    plan.create.length + plan.activate.length === 0
      ? plan
      : planSubscriptions({
          ...options,
          current: { targetUrl: options.targetUrl, maxConcurrentRequests: 0 },
          existing: await api.listSubscriptions(),
        });
  return {
    targetSet: plan.target !== undefined,
    replacedUrl: plan.replacesUrl === undefined ? undefined : withoutQuery(plan.replacesUrl),
    created,
    activated: plan.activate.length,
    wanted: options.wanted.length,
    outstanding: after.create.length + after.activate.length,
  };
}

export interface SubscriptionSetupOptions extends EnsureOptions {
  readonly api: WebhookAppApi;
  readonly appId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Tries at start-up before the service reports healthy. */
  readonly startPolicy?: BackoffPolicy;
  /** Pause between later tries while HubSpot keeps failing transiently. */
  readonly retryEveryMs?: number;
}

/**
 * Ensures the app's push configuration at start-up. The first attempt (with a few quick
 * retries) is awaited, so a healthy service normally has push in place; if HubSpot keeps
 * failing transiently it tries again in the background until it succeeds or the service
 * stops. A refusal (bad developer key, invalid request) is logged once and not retried: the
 * service keeps running on reconciliation polling, which loses no change, only latency.
 */
export class SubscriptionSetup {
  private readonly stopping = new AbortController();
  private background: Promise<void> | undefined;
  private lastReport: EnsureReport | undefined;

  constructor(private readonly options: SubscriptionSetupOptions) {}

  /** The last successful run's report (tests and health details read it). */
  get report(): EnsureReport | undefined {
    return this.lastReport;
  }

  async start(): Promise<void> {
    try {
      await this.attempt(this.options.startPolicy ?? { baseMs: 500, maxMs: 5_000, maxAttempts: 4 });
    } catch (e) {
      if (this.giveUp(e)) return;
      this.background = this.retryInBackground();
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('hs-connector is stopping'));
    await this.background;
  }

  private async retryInBackground(): Promise<void> {
    const { clock, retryEveryMs = 60_000 } = this.options;
    for (;;) {
      try {
        await clock.sleep(retryEveryMs, this.stopping.signal);
      } catch {
        return; // stopping
      }
      try {
        await this.attempt({ baseMs: 0, maxMs: 0, maxAttempts: 1 });
        return;
      } catch (e) {
        if (this.giveUp(e)) return;
      }
    }
  }

  private async attempt(policy: BackoffPolicy): Promise<void> {
    const { api, appId, logger, clock } = this.options;
    const report = await withRetries(() => ensureSubscriptions(api, this.options), {
      policy,
      clock,
      signal: this.stopping.signal,
      classify: (e) =>
        e instanceof HubSpotRequestError ? retryVerdict(e.failure, 1_000) : { retry: false },
      onRetry: ({ attempt, delayMs, reason }) => {
        logger.warn('webhook subscriptions retried', { appId, attempt, delayMs, reason });
      },
    });
    this.lastReport = report;
    logger.info('webhook subscriptions ensured', {
      appId,
      targetUrl: withoutQuery(this.options.targetUrl),
      ...report,
    });
    if (report.outstanding > 0)
      logger.warn('webhook subscriptions incomplete: changed while we set them', {
        appId,
        outstanding: report.outstanding,
      });
  }

  /** Logs the failure; true when trying again cannot help. */
  private giveUp(error: unknown): boolean {
    const { appId, logger } = this.options;
    if (this.stopping.signal.aborted) return true;
    const retriable = error instanceof HubSpotRequestError && retryVerdict(error.failure, 0).retry;
    logger.error('webhook subscriptions not ensured: HubSpot changes arrive by polling only', {
      appId,
      retriable,
      ...(error instanceof HubSpotRequestError
        ? {
            operation: error.operation,
            status: error.failure.status ?? error.failure.kind,
            reason: error.syncError.message,
          }
        : { reason: error instanceof Error ? error.message : String(error) }),
    });
    return !retriable;
  }
}

function withoutQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
