import {
  API_BUDGET_STALE_AFTER_INTERVALS,
  combineApiBudgetReports,
  type ApiBudgetReport,
  type CrmSystem,
} from '@crm-sync/domain';
import type { ConnectionStatusView } from './status.schemas.js';

type ApiBudgetUsed = ConnectionStatusView['apiBudget']['used'];
type CrmBudgetUsed = ApiBudgetUsed['salesforce'];

const CONNECTOR: Readonly<Record<CrmSystem, string>> = {
  salesforce: 'sf-connector',
  hubspot: 'hs-connector',
};

/**
 * "API budget used" per CRM from the connectors' reports (rules in the domain's
 * `combineApiBudgetReports`): per limit the sum over running instances with its fraction, the
 * day as the CRM reports it, and when nothing current is known, `null` with the reason.
 */
export function apiBudgetUsed(reports: readonly ApiBudgetReport[], now: Date): ApiBudgetUsed {
  return {
    salesforce: crmBudgetUsed(
      reports.filter((r) => r.crm === 'salesforce'),
      'salesforce',
      now,
    ),
    hubspot: crmBudgetUsed(
      reports.filter((r) => r.crm === 'hubspot'),
      'hubspot',
      now,
    ),
  };
}

function crmBudgetUsed(
  reports: readonly ApiBudgetReport[],
  crm: CrmSystem,
  now: Date,
): CrmBudgetUsed {
  const c = combineApiBudgetReports(reports, now.getTime());
  const common = {
    state: c.state,
    instances: c.instances,
    ignoredReports: c.ignored,
    lastReportAt: c.lastReportAt,
  };
  if (c.state !== 'reported') {
    return { ...common, reason: reasonOf(c.state, crm, c.lastReportAt), limits: null, daily: null };
  }
  return {
    ...common,
    reason: null,
    limits: c.limits.map((l) => ({
      name: l.name,
      windowMs: l.windowMs,
      used: l.used,
      limit: l.limit,
      remaining: l.remaining,
      fraction: fraction(l.used, l.limit),
      asOf: l.asOf,
    })),
    daily:
      c.daily === null
        ? null
        : {
            used: c.daily.used,
            limit: c.daily.limit,
            remaining: c.daily.remaining,
            fraction: fraction(c.daily.used, c.daily.limit),
            asOf: c.daily.observedAt,
            source: c.daily.source,
            via: c.daily.via,
          },
  };
}

/** Rounded to 4 places; `null` for a zero limit. May pass 1 when the CRM counts others' calls. */
function fraction(used: number, limit: number): number | null {
  return limit > 0 ? Math.round((used / limit) * 10_000) / 10_000 : null;
}

function reasonOf(
  state: 'stale' | 'stopped' | 'not_reported',
  crm: CrmSystem,
  lastReportAt: string | null,
): string {
  const connector = CONNECTOR[crm];
  switch (state) {
    case 'not_reported':
      return `No ${connector} has reported for this connection: none is running for it, or none has since budget reports began.`;
    case 'stopped':
      return `${connector} stopped (last report ${lastReportAt ?? 'unknown'}); nothing is spending this budget.`;
    case 'stale':
      return `The last report of ${connector} (${lastReportAt ?? 'unknown'}) is older than ${API_BUDGET_STALE_AFTER_INTERVALS} report intervals: the connector is not running, stuck, or cannot reach the database.`;
  }
}
