import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ApiBudgetReport,
  apiBudgetReportId,
  type ApiBudgetDailyUse,
  type CrmSystem,
} from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { Clock } from '../clock.js';
import type { LimitSnapshot } from '../rate-limiter.js';
import type { BudgetReportStore } from './budget-report-store.port.js';

/** The limiter every connector names `daily`: its count stands in when the CRM reports no day. */
export const DAILY_LIMIT_NAME = 'daily';

/** The day's use as the CRM last reported it (every client of the org or portal). */
export interface CrmDailyUsage {
  readonly used: number;
  readonly limit: number;
  /** The header or resource it came from, e.g. `Sforce-Limit-Info`. */
  readonly via: string;
  /** Epoch ms. */
  readonly observedAt: number;
}

/** One connection's budget on this instance, as it is now. */
export interface BudgetSample {
  readonly limits: readonly LimitSnapshot[];
  readonly crmDaily: CrmDailyUsage | undefined;
  /** This instance's share of the connection's limits, (0, 1]. */
  readonly share: number;
}

/** A budget to report: the connectors register one per connection and CRM. */
export interface BudgetSource {
  readonly connectionId: string;
  readonly crm: CrmSystem;
  /** `undefined` while there is no budget yet (e.g. before it is sized): nothing is written. */
  sample(): BudgetSample | undefined;
}

export interface BudgetReporterOptions {
  readonly store: BudgetReportStore;
  /** Between two reports; readers ignore a report older than 3 intervals. */
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: host, pid and a random part (a restarted process is a new instance). */
  readonly instance?: string;
  /** At start, reports of the watched connections older than this are deleted. Default 1 day. */
  readonly pruneAfterMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * Writes each watched budget to the `api_budget` collection every `intervalMs` and once more at
 * stop (marked stopped), so the settings API can show API budget used. Only this timer touches
 * the database: API calls update the in-memory limiters, never a document. A failed write is
 * logged and tried again at the next interval; it never disturbs the connector.
 */
export class BudgetReporter {
  readonly instance: string;
  private readonly sources: BudgetSource[] = [];
  private readonly startedAt: number;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly o: BudgetReporterOptions) {
    if (!Number.isInteger(o.intervalMs) || o.intervalMs < 1) {
      throw new RangeError(`intervalMs must be a positive integer, got ${o.intervalMs}`);
    }
    this.instance = o.instance ?? defaultInstanceId();
    this.startedAt = o.clock.now();
  }

  watch(source: BudgetSource): void {
    this.sources.push(source);
  }

  /** Prunes old reports, then reports now and every interval until `stop`. */
  start(): void {
    this.loop ??= this.run(this.stopping.signal);
  }

  /** Ends the loop, then writes the final reports (`stoppedAt` set). */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === undefined || this.stopping.signal.aborted) return;
    this.stopping.abort();
    await loop;
    await this.report(true);
  }

  /** One round: a report per watched budget. Never throws. */
  async report(stopped = false): Promise<void> {
    const now = this.o.clock.now();
    for (const source of this.sources) {
      const sample = source.sample();
      if (sample === undefined) continue;
      try {
        await this.o.store.save(this.reportOf(source, sample, now, stopped));
        if (this.failing) {
          this.failing = false;
          this.o.logger.info('api budget reports saved again', { instance: this.instance });
        }
      } catch (e) {
        const context = {
          connectionId: source.connectionId,
          crm: source.crm,
          instance: this.instance,
          error: e instanceof Error ? e.message : String(e),
        };
        if (this.failing) this.o.logger.debug('api budget report not saved', context);
        else this.o.logger.warn('api budget report not saved', context);
        this.failing = true;
      }
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    await this.prune();
    while (!signal.aborted) {
      await this.report();
      try {
        await this.o.clock.sleep(this.o.intervalMs, signal);
      } catch {
        return; // stopping
      }
    }
  }

  private async prune(): Promise<void> {
    const connectionIds = [...new Set(this.sources.map((s) => s.connectionId))];
    if (connectionIds.length === 0) return;
    const before = new Date(this.o.clock.now() - (this.o.pruneAfterMs ?? DAY_MS));
    try {
      const deleted = await this.o.store.prune(connectionIds, before);
      if (deleted > 0) this.o.logger.info('old api budget reports deleted', { deleted });
    } catch (e) {
      this.o.logger.warn('old api budget reports not deleted', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  private reportOf(
    source: BudgetSource,
    sample: BudgetSample,
    now: number,
    stopped: boolean,
  ): ApiBudgetReport {
    const iso = new Date(now).toISOString();
    // Parsed, so a report that breaks the contract fails here (logged), not in the reader.
    return ApiBudgetReport.parse({
      _id: apiBudgetReportId(source.connectionId, source.crm, this.instance),
      connectionId: source.connectionId,
      crm: source.crm,
      instance: this.instance,
      limits: sample.limits.map((l) => ({
        name: l.name,
        windowMs: l.windowMs,
        limit: l.limit,
        used: l.used,
        remaining: l.remaining,
      })),
      daily: dailyOf(sample, iso),
      share: sample.share,
      intervalMs: this.o.intervalMs,
      startedAt: new Date(this.startedAt).toISOString(),
      updatedAt: iso,
      stoppedAt: stopped ? iso : null,
    } satisfies ApiBudgetReport);
  }
}

/** The CRM's word when it gave one, else the daily limiter's count, else nothing. */
function dailyOf(sample: BudgetSample, now: string): ApiBudgetDailyUse | null {
  const crm = sample.crmDaily;
  if (crm !== undefined) {
    return {
      used: crm.used,
      limit: crm.limit,
      remaining: Math.max(0, crm.limit - crm.used),
      source: 'crm',
      via: crm.via,
      observedAt: new Date(crm.observedAt).toISOString(),
    };
  }
  const counted = sample.limits.find((l) => l.name === DAILY_LIMIT_NAME);
  if (counted === undefined) return null;
  return {
    used: counted.used,
    limit: counted.limit,
    remaining: counted.remaining,
    source: 'counted',
    via: 'daily limiter',
    observedAt: now,
  };
}

export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
