import type { HubSpotChangeType, SalesforceChangeType } from '../contracts/change-events.js';
import type { IsoDateTime } from '../contracts/common.js';
import { skip, type DecisionOf, type ReasonCode } from '../contracts/decisions.js';
import type { ConnectionSettings } from '../contracts/settings.js';
import { syncErrorData, type SyncErrorData } from '../errors/sync-error.js';

type SyncSettings = Pick<ConnectionSettings, 'syncCompanies' | 'syncEnabledAt' | 'deletePolicy'>;

export interface AccountChangeFacts {
  readonly changeType: SalesforceChangeType;
  readonly createdDate?: IsoDateTime | undefined;
  readonly changedAt: IsoDateTime;
}

export type AccountSyncDecision = DecisionOf<'create' | 'update' | 'delete' | 'skip'>;

/**
 * R1–R3 (+ deletes): should this Salesforce account change reach HubSpot? `create` means "no link
 * yet: dedupe (R4) then create"; `update` means "linked: merge fields (R9)". `manual` is a user's
 * resync (R8), which skips R3's timing but never R1's toggle.
 */
export function decideAccountSync(input: {
  readonly settings: SyncSettings;
  readonly change: AccountChangeFacts;
  readonly linked: boolean;
  readonly manual?: boolean;
}): AccountSyncDecision {
  const { settings, change, linked } = input;
  if (!settings.syncCompanies || settings.syncEnabledAt === null) return skip('SYNC_DISABLED');
  const removal = decideRemoval(settings, change.changeType, linked);
  if (removal !== undefined)
    return removal === 'delete'
      ? { kind: 'delete', target: 'hubspot', reasons: ['DELETE_PROPAGATED'] }
      : removal;
  if (change.changeType === 'undeleted' && linked) {
    return { kind: 'update', target: 'hubspot', reasons: ['RESTORED'] };
  }
  const why = eligibility(settings.syncEnabledAt, change, input.manual === true);
  if (why === undefined) return skip('CREATED_BEFORE_SYNC_ENABLED');
  return linked
    ? { kind: 'update', target: 'hubspot', reasons: [why, 'LINKED_RECORD_CHANGED'] }
    : { kind: 'create', target: 'hubspot', reasons: [why] };
}

function eligibility(
  enabledAt: IsoDateTime,
  change: AccountChangeFacts,
  manual: boolean,
): ReasonCode | undefined {
  if (manual) return 'MANUAL_RESYNC';
  if (change.changeType === 'snapshot') return 'IMPORTED';
  const enabled = Date.parse(enabledAt);
  if (change.createdDate !== undefined && Date.parse(change.createdDate) >= enabled) {
    return 'NEW_ACCOUNT_AFTER_SYNC_ENABLED';
  }
  // Strictly after: an account last touched at the very instant sync was enabled was not changed "after".
  if (Date.parse(change.changedAt) > enabled) return 'CHANGED_AFTER_SYNC_ENABLED';
  return undefined;
}

/** Deletes and merges on either side: recorded on the link by default, propagated only on request. */
function decideRemoval(
  settings: SyncSettings,
  changeType: SalesforceChangeType | HubSpotChangeType,
  linked: boolean,
): DecisionOf<'skip'> | 'delete' | undefined {
  if (changeType !== 'deleted' && changeType !== 'merged') return undefined;
  if (!linked) return skip('NOT_LINKED');
  // A merge keeps the survivor's link; the loser's link is only recorded, never propagated.
  if (changeType === 'merged') return skip('MERGED_INTO_OTHER_RECORD');
  return settings.deletePolicy === 'propagate' ? 'delete' : skip('DELETE_NOT_PROPAGATED');
}

export type CompanySyncDecision = DecisionOf<'update' | 'delete' | 'skip'>;

/**
 * A HubSpot company change: sync off → skip; deletes per policy; linked → `update` (merge fields,
 * R9). Unlinked companies are skipped with NOT_LINKED here: whether one creates an account is R6
 * (`decideCompanyToAccount`), evaluated on creation and on association changes.
 */
export function decideCompanySync(input: {
  readonly settings: SyncSettings;
  readonly changeType: HubSpotChangeType;
  readonly linked: boolean;
}): CompanySyncDecision {
  const { settings, changeType, linked } = input;
  if (!settings.syncCompanies) return skip('SYNC_DISABLED');
  const removal = decideRemoval(settings, changeType, linked);
  if (removal !== undefined)
    return removal === 'delete'
      ? { kind: 'delete', target: 'salesforce', reasons: ['DELETE_PROPAGATED'] }
      : removal;
  if (!linked) return skip('NOT_LINKED');
  return {
    kind: 'update',
    target: 'salesforce',
    reasons: [changeType === 'restored' ? 'RESTORED' : 'LINKED_RECORD_CHANGED'],
  };
}

export type Permission =
  { readonly ok: true } | { readonly ok: false; readonly error: SyncErrorData };

/** R1: an import of Salesforce accounts is refused while company sync is off, and says why. */
export function checkImportAllowed(
  settings: Pick<ConnectionSettings, 'syncCompanies'>,
): Permission {
  return requireCompanySync(
    settings,
    'Turn on company sync before importing Salesforce accounts: while it is off, accounts create and update no companies.',
  );
}

/** R1: company field mappings cannot be edited while company sync is off. */
export function checkMappingEditAllowed(
  settings: Pick<ConnectionSettings, 'syncCompanies'>,
): Permission {
  return requireCompanySync(
    settings,
    'Turn on company sync before editing company field mappings.',
  );
}

function requireCompanySync(
  settings: Pick<ConnectionSettings, 'syncCompanies'>,
  message: string,
): Permission {
  return settings.syncCompanies
    ? { ok: true }
    : { ok: false, error: syncErrorData('COMPANY_SYNC_DISABLED', 'validation', message) };
}

export type MassSyncPlan =
  | { readonly status: 'complete'; readonly batchSize: number }
  | {
      readonly status: 'partial';
      readonly batchSize: number;
      readonly remaining: number;
      readonly error: SyncErrorData;
    };

/**
 * R5: how many companies this mass-sync run handles. Past `massSyncLimit` the run ends `partial`
 * with MAPPING_SYNC_LIMIT and the number left; the next run resumes after the last handled id.
 */
export function planMassSyncRun(input: {
  readonly pending: number;
  readonly massSyncLimit: number;
}): MassSyncPlan {
  if (input.pending <= input.massSyncLimit) return { status: 'complete', batchSize: input.pending };
  const remaining = input.pending - input.massSyncLimit;
  return {
    status: 'partial',
    batchSize: input.massSyncLimit,
    remaining,
    error: syncErrorData(
      'MAPPING_SYNC_LIMIT',
      'validation',
      "We couldn't sync all your updates for this mapping",
      {},
    ),
  };
}
