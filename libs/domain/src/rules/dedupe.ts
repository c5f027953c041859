import type { DecisionOf, DedupeStep, ReasonCode } from '../contracts/decisions.js';
import { normaliseWebsiteHost } from './website-host.js';

/** A HubSpot company a lookup returned, with what R4 needs to judge it. */
export interface CompanyCandidate {
  readonly companyId: string;
  /** The account this company is linked to (link store, else `salesforceaccountid`), null if none. */
  readonly linkedAccountId: string | null;
  readonly domain: string | null;
  /** `hs_additional_domains` as HubSpot returns it (`;`-separated). */
  readonly additionalDomains: string | null;
}

export interface DedupeInput {
  readonly accountId: string;
  readonly website: string | null;
  /** Companies whose `salesforceaccountid` equals the account Id (step 1). */
  readonly byAccountId: readonly CompanyCandidate[];
  /** Companies a domain search returned for the website's host (step 2; re-checked here). */
  readonly byDomain: readonly CompanyCandidate[];
  /** Companies sharing contacts with the account (step 3). */
  readonly bySharedContacts: readonly CompanyCandidate[];
  /** A person resolved a POSSIBLE_DUPLICATE by "create anyway": steps 2–3 are skipped, step 1 is not. */
  readonly forceCreate?: boolean;
}

export type DedupeDecision = DecisionOf<'link' | 'create' | 'conflict'>;

const STEP_REASON: Record<DedupeStep, ReasonCode> = {
  account_id: 'DEDUPE_BY_ACCOUNT_ID',
  domain: 'DEDUPE_BY_DOMAIN',
  shared_contacts: 'DEDUPE_BY_SHARED_CONTACTS',
};

/**
 * R4: before creating a company for an unlinked account, find the one it should link to. Steps
 * run in order; the first step with exactly one candidate links, with several it stops with a
 * conflict naming them. A company linked to another account is never a candidate at any step
 * (at most one link per company), not only at step 2 where SPEC spells it out.
 */
export function decideDedupe(input: DedupeInput): DedupeDecision {
  const eligible = (cs: readonly CompanyCandidate[]): string[] => [
    ...new Set(
      cs
        .filter((c) => c.linkedAccountId === null || c.linkedAccountId === input.accountId)
        .map((c) => c.companyId),
    ),
  ];
  const host = normaliseWebsiteHost(input.website);
  const steps: [DedupeStep, string[]][] = [['account_id', eligible(input.byAccountId)]];
  if (input.forceCreate !== true) {
    steps.push([
      'domain',
      host === null ? [] : eligible(input.byDomain.filter((c) => hasHost(c, host))),
    ]);
    steps.push(['shared_contacts', eligible(input.bySharedContacts)]);
  }
  for (const [step, ids] of steps) {
    const [only, ...others] = ids;
    if (only === undefined) continue;
    if (others.length === 0)
      return {
        kind: 'link',
        target: 'hubspot',
        recordId: only,
        step,
        reasons: [STEP_REASON[step]],
      };
    return {
      kind: 'conflict',
      target: 'hubspot',
      step,
      candidates: ids,
      reasons: ['POSSIBLE_DUPLICATE', STEP_REASON[step]],
    };
  }
  return {
    kind: 'create',
    target: 'hubspot',
    reasons: [input.forceCreate === true ? 'FORCED_CREATE' : 'NO_DUPLICATE_FOUND'],
  };
}

function hasHost(c: CompanyCandidate, host: string): boolean {
  const domains = [c.domain, ...(c.additionalDomains ?? '').split(';')];
  return domains.some((d) => normaliseWebsiteHost(d) === host);
}
