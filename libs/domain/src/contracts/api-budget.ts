import { z } from 'zod';
import { CrmSystem, IsoDateTime } from './common.js';

/**
 * API budget use, as the connectors report it and the settings API reads it.
 *
 * Every connector instance writes one document per connection and CRM it serves to the
 * `api_budget` collection, `_id` = `<connectionId>:<crm>:<instance>`, replacing it every
 * `intervalMs` (a single upsert: no transactions needed) and once more at a graceful stop
 * (`stoppedAt` set). Nothing is written per API call.
 *
 * How documents combine (`combineApiBudgetReports`): the fresh reports of a connection and CRM
 * are summed per limit (each instance counts its own calls against its share of the limits, so
 * the sums are the connection's), and the day's use as the CRM reports it is taken from the
 * newest observation (it already covers every client). A report is stale when it is older than
 * `API_BUDGET_STALE_AFTER_INTERVALS` × its interval; stale and stopped reports are left out.
 */
export const API_BUDGET_COLLECTION = 'api_budget';

/** A report older than this many of its intervals no longer counts (its writer is gone or stuck). */
export const API_BUDGET_STALE_AFTER_INTERVALS = 3;

/** One rolling-window limit as one instance counts it (its share of the connection's limit). */
export const ApiBudgetLimitUse = z.object({
  /** The limiter's name, e.g. `daily`, `ten-secondly`, `search-secondly`, `rate`. */
  name: z.string().min(1),
  windowMs: z.number().int().positive(),
  limit: z.number().int().nonnegative(),
  used: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
});
export type ApiBudgetLimitUse = z.infer<typeof ApiBudgetLimitUse>;

/**
 * The day's API use. `crm`: the whole org's or portal's use (every client, not only this engine)
 * as the CRM reported it at `observedAt` (Salesforce DailyApiRequests from `/limits` or
 * `Sforce-Limit-Info`; HubSpot `X-HubSpot-RateLimit-Daily[-Remaining]`). `counted`: the CRM said
 * nothing, so this is the engine's own count (its daily limiter) since `startedAt`.
 */
export const ApiBudgetDailyUse = z.object({
  used: z.number().int().nonnegative(),
  limit: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
  source: z.enum(['crm', 'counted']),
  /** Where the figure came from, e.g. `Sforce-Limit-Info` or `X-HubSpot-RateLimit-Daily`. */
  via: z.string().min(1),
  observedAt: IsoDateTime,
});
export type ApiBudgetDailyUse = z.infer<typeof ApiBudgetDailyUse>;

export const ApiBudgetReport = z.object({
  _id: z.string().min(1),
  connectionId: z.string().min(1),
  crm: CrmSystem,
  /** The writing process (host, pid and a random part): one document per instance. */
  instance: z.string().min(1),
  limits: z.array(ApiBudgetLimitUse),
  daily: ApiBudgetDailyUse.nullable(),
  /** This instance's share of the connection's limits (1 / instances). */
  share: z.number().gt(0).max(1),
  intervalMs: z.number().int().positive(),
  /** When this instance started counting: its counts cover no earlier calls. */
  startedAt: IsoDateTime,
  updatedAt: IsoDateTime,
  /** Set by the last report of a graceful stop. */
  stoppedAt: IsoDateTime.nullable(),
});
export type ApiBudgetReport = z.infer<typeof ApiBudgetReport>;

export function apiBudgetReportId(connectionId: string, crm: CrmSystem, instance: string): string {
  return `${connectionId}:${crm}:${instance}`;
}

/** A limit summed over the fresh reports; `asOf` is the oldest of them (the sum is no newer). */
export interface CombinedLimitUse extends ApiBudgetLimitUse {
  readonly asOf: IsoDateTime;
}

/**
 * - `reported`: at least one fresh report;
 * - `stopped`: none fresh, and the newest report is a graceful stop's;
 * - `stale`: none fresh, and the newest report is older than its staleness bound;
 * - `not_reported`: no report at all (no connector has run for this connection).
 */
export type ApiBudgetState = 'reported' | 'stale' | 'stopped' | 'not_reported';

export interface CombinedApiBudget {
  readonly state: ApiBudgetState;
  /** Per limit name, in the order first seen; empty unless `reported`. */
  readonly limits: readonly CombinedLimitUse[];
  readonly daily: ApiBudgetDailyUse | null;
  /** Fresh reports combined (running instances). */
  readonly instances: number;
  /** Stale or stopped reports left out. */
  readonly ignored: number;
  /** The newest report's `updatedAt`, fresh or not. */
  readonly lastReportAt: IsoDateTime | null;
}

/** Whether a report still counts at `now` (epoch ms). */
export function isFreshApiBudgetReport(report: ApiBudgetReport, now: number): boolean {
  if (report.stoppedAt !== null) return false;
  return now - Date.parse(report.updatedAt) <= API_BUDGET_STALE_AFTER_INTERVALS * report.intervalMs;
}

/** Combines one connection's reports for one CRM (see the module comment for the rules). */
export function combineApiBudgetReports(
  reports: readonly ApiBudgetReport[],
  now: number,
): CombinedApiBudget {
  const newest = [...reports].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))[0];
  const fresh = reports.filter((r) => isFreshApiBudgetReport(r, now));
  const base = {
    instances: fresh.length,
    ignored: reports.length - fresh.length,
    lastReportAt: newest?.updatedAt ?? null,
  };
  if (newest === undefined) return { ...base, state: 'not_reported', limits: [], daily: null };
  if (fresh.length === 0) {
    return {
      ...base,
      state: newest.stoppedAt === null ? 'stale' : 'stopped',
      limits: [],
      daily: null,
    };
  }
  const limits = new Map<string, CombinedLimitUse>();
  for (const report of fresh) {
    for (const l of report.limits) {
      const sum = limits.get(l.name);
      limits.set(
        l.name,
        sum === undefined
          ? { ...l, asOf: report.updatedAt }
          : {
              ...sum,
              limit: sum.limit + l.limit,
              used: sum.used + l.used,
              remaining: sum.remaining + l.remaining,
              asOf: older(sum.asOf, report.updatedAt),
            },
      );
    }
  }
  return { ...base, state: 'reported', limits: [...limits.values()], daily: dailyOf(fresh) };
}

/** The CRM's newest word on the day; else the instances' own counts, summed. */
function dailyOf(fresh: readonly ApiBudgetReport[]): ApiBudgetDailyUse | null {
  const days = fresh.flatMap((r) => (r.daily === null ? [] : [r.daily]));
  const byCrm = days
    .filter((d) => d.source === 'crm')
    .sort((a, b) => Date.parse(b.observedAt) - Date.parse(a.observedAt))[0];
  if (byCrm !== undefined) return byCrm;
  const [first, ...rest] = days;
  if (first === undefined) return null;
  return rest.reduce(
    (sum, d) => ({
      ...sum,
      used: sum.used + d.used,
      limit: sum.limit + d.limit,
      remaining: sum.remaining + d.remaining,
      observedAt: older(sum.observedAt, d.observedAt),
    }),
    first,
  );
}

function older(a: IsoDateTime, b: IsoDateTime): IsoDateTime {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}
