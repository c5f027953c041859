import type { CrmSystem } from '@crm-sync/domain';
import { REASON_TEXT } from './reason-text.js';
import type { DecisionItem, ErrorItem, RecordStatusView } from './status.schemas.js';
import type { AccountDoc, CompanyDoc, DecisionDoc, ErrorDoc, LinkDoc } from './sync-state.js';

export interface RecordFacts {
  readonly connectionId: string;
  readonly record: {
    readonly system: CrmSystem;
    readonly object: string;
    readonly recordId: string;
  };
  readonly link: LinkDoc | undefined;
  readonly errors: readonly ErrorDoc[];
  /** Newest first, of the record and of its linked counterpart. */
  readonly decisions: readonly DecisionDoc[];
  readonly account: AccountDoc | undefined;
  readonly company: CompanyDoc | undefined;
}

const WRITES: readonly DecisionItem['kind'][] = ['create', 'update', 'link', 'delete'];

const VIA: Readonly<Record<string, string>> = {
  created_company: 'the company was created from the account',
  created_account: 'the account was created from the company',
  account_id: 'matched by the company’s salesforceaccountid',
  domain: 'matched by website domain',
  shared_contacts: 'matched by shared contacts',
  manual: 'linked by a person',
};

/** Answers "why did (or didn't) this record sync?" from what sync-rules recorded. Pure. */
export function recordStatus(facts: RecordFacts): RecordStatusView {
  const history = facts.decisions.map(decisionItem);
  const errors = facts.errors.map(errorItem);
  const lastSync = history.find((d) => WRITES.includes(d.kind)) ?? null;
  const latest = history[0];
  const link = facts.link;
  const [state, explanation] = ((): [RecordStatusView['state'], string] => {
    if (errors[0] !== undefined) {
      const e = errors[0];
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      const retry = e.retriable ? 'it is retried automatically' : 'fix the cause, then resync it';
      return [
        'failing',
        `Failing to sync: ${e.message} [${e.category}, ${e.code}]${more}; ${retry}.`,
      ];
    }
    if (link !== undefined) {
      const since = `Linked: Salesforce account ${link.accountId} ⇄ HubSpot company ${link.companyId} since ${link.linkedAt} (${VIA[link.via] ?? link.via}).`;
      const deleted = link.deletedOn === null ? '' : ` The ${link.deletedOn} side was deleted.`;
      const last = lastSync ? ` Last synced ${lastSync.decidedAt}: ${texts(lastSync)}` : '';
      return ['linked', `${since}${deleted}${last}`];
    }
    if (latest !== undefined) {
      const candidates = latest.candidates ? ` Candidates: ${latest.candidates.join(', ')}.` : '';
      return ['not_synced', `Not synced (${latest.decidedAt}): ${texts(latest)}${candidates}`];
    }
    return [
      'unknown',
      'No sync decision is recorded for this record: the engine has not seen it change since company sync was turned on. Import or resync it to sync it now.',
    ];
  })();
  return {
    connectionId: facts.connectionId,
    record: facts.record,
    state,
    explanation,
    link:
      link === undefined
        ? null
        : {
            accountId: link.accountId,
            companyId: link.companyId,
            linkedAt: link.linkedAt,
            via: link.via,
            deletedOn: link.deletedOn,
          },
    lastSync,
    lastChange: {
      salesforce: facts.account?.changedAt ?? null,
      hubspot: facts.company?.changedAt ?? null,
    },
    errors,
    history,
  };
}

export function decisionItem(d: DecisionDoc): DecisionItem {
  const decision = d.decision;
  return {
    decidedAt: d.decidedAt,
    record: d.subject,
    rule: d.rule,
    kind: decision.kind,
    target: decision.kind === 'skip' ? null : decision.target,
    reasons: decision.reasons.map((code) => ({ code, text: REASON_TEXT[code] })),
    candidates: decision.kind === 'conflict' ? decision.candidates : null,
    causationId: d.causationId,
  };
}

export function errorItem(e: ErrorDoc): ErrorItem {
  return {
    id: e.id,
    system: e.system,
    recordId: e.recordId,
    code: e.code,
    category: e.category,
    retriable: e.retriable,
    message: e.message,
    field: e.field ?? null,
    recordIds: e.recordIds ?? [],
    occurredAt: e.occurredAt,
  };
}

function texts(d: DecisionItem): string {
  return d.reasons.map((r) => r.text).join(' ');
}
