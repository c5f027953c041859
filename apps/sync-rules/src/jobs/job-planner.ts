import { planMassSyncRun, type ControlMessage, type ResyncScope } from '@crm-sync/domain';
import type { CompanyState, Link } from '../store/sync-store.port.js';
import type { Subject } from '../work/work-item.js';

export interface JobPlan {
  readonly subjects: readonly Subject[];
  readonly remaining: number;
  readonly resumeAfter: string | null;
  readonly errorCode: string | null;
  readonly message: string | null;
}

/** Numeric order of HubSpot ids (they are digit strings of varying length). */
export const byHubSpotId = (a: string, b: string) =>
  a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/**
 * R8 for companies: every company of the scope, addressed to its subject (the linked account, or
 * the company itself). Account scopes are the sf-connector's (it re-reads the accounts, "pull
 * now"), so they plan nothing here.
 */
export function planResync(
  scope: ResyncScope,
  links: ReadonlyMap<string, Link>,
  companies: () => Iterable<CompanyState>,
): JobPlan | undefined {
  let companyIds: string[];
  switch (scope.kind) {
    case 'account':
    case 'accounts':
      return undefined;
    case 'company':
      companyIds = [scope.companyId];
      break;
    case 'companies':
      companyIds = [...new Set(scope.companyIds)];
      break;
    case 'company_filter':
      companyIds = [...companies()]
        .filter((co) => !co.deleted && matchesFilter(co, scope.filter))
        .map((co) => co.companyId)
        .sort(byHubSpotId);
      break;
  }
  return {
    subjects: companyIds.map((companyId) => {
      const link = links.get(companyId);
      return link ? { kind: 'account', accountId: link.accountId } : { kind: 'company', companyId };
    }),
    remaining: 0,
    resumeAfter: null,
    errorCode: null,
    message: null,
  };
}

/** A company filter: property → value (equal, ignoring case) or list of values (any). */
export function matchesFilter(company: CompanyState, filter: Readonly<Record<string, unknown>>) {
  return Object.entries(filter).every(([property, wanted]) => {
    const value = (company.properties[property] ?? '').toLowerCase();
    const options = Array.isArray(wanted) ? wanted : [wanted];
    return options.some((o) => String(o).toLowerCase() === value);
  });
}

/**
 * R5: the linked pairs in company-id order after `resumeAfter`, at most `massSyncLimit` of them;
 * past the limit the run ends partial with MAPPING_SYNC_LIMIT, the number left and where the next
 * run resumes.
 */
export function planMassSync(
  links: readonly Link[],
  resumeAfter: string | undefined,
  massSyncLimit: number,
): JobPlan {
  const pending = links
    .filter((l) => l.deletedOn === null)
    .filter((l) => resumeAfter === undefined || byHubSpotId(l.companyId, resumeAfter) > 0)
    .sort((a, b) => byHubSpotId(a.companyId, b.companyId));
  const plan = planMassSyncRun({ pending: pending.length, massSyncLimit });
  const taken = pending.slice(0, plan.batchSize);
  const last = taken.at(-1);
  return {
    subjects: taken.map((l) => ({ kind: 'account', accountId: l.accountId })),
    remaining: plan.status === 'partial' ? plan.remaining : 0,
    resumeAfter: plan.status === 'partial' && last ? last.companyId : null,
    errorCode: plan.status === 'partial' ? plan.error.code : null,
    message: plan.status === 'partial' ? plan.error.message : null,
  };
}

export type JobRequest = Extract<
  ControlMessage,
  {
    type:
      'sync.resync-requested.v1' | 'sync.mass-sync-requested.v1' | 'sync.job-cancel-requested.v1';
  }
>;
