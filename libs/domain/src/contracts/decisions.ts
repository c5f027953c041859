import { z } from 'zod';
import { CrmSystem, IsoDateTime, SalesforceValue } from './common.js';
import { envelopeOf } from './envelope.js';
import { RecordRef } from './keys.js';

/**
 * Every reason a rule can give. Stored with each decision so "why did this (not) sync?" is
 * answered from history, not from logs. Grouped by rule; names say the fact, not the outcome.
 */
export const ReasonCode = z.enum([
  // R1–R3 and lifecycle of records
  'SYNC_DISABLED',
  'CREATED_BEFORE_SYNC_ENABLED',
  'NEW_ACCOUNT_AFTER_SYNC_ENABLED',
  'CHANGED_AFTER_SYNC_ENABLED',
  'IMPORTED',
  'LINKED_RECORD_CHANGED',
  'NOT_LINKED',
  'ALREADY_LINKED',
  'DELETE_NOT_PROPAGATED',
  'DELETE_PROPAGATED',
  'RESTORED',
  'MERGED_INTO_OTHER_RECORD',
  'MANUAL_RESYNC',
  /** R5: a mass sync (a new or changed mapping applied to existing records). */
  'MASS_SYNC',
  /** A job's record was not processed because the job was cancelled. */
  'JOB_CANCELLED',
  /** A resync named a record this connection has never seen. */
  'RECORD_UNKNOWN',
  // R4 dedupe
  'DEDUPE_BY_ACCOUNT_ID',
  'DEDUPE_BY_DOMAIN',
  'DEDUPE_BY_SHARED_CONTACTS',
  'POSSIBLE_DUPLICATE',
  'NO_DUPLICATE_FOUND',
  'FORCED_CREATE',
  // R6 company → account
  'NO_ASSOCIATED_CONTACTS',
  'ALL_CONTACTS_SYNC_WITH_LEADS',
  'NO_CONTACT_QUALIFIES',
  'AUTO_CREATED_AND_DEFAULT_CONTACT',
  'CONTACT_SYNCS_WITH_PRIVATE_CONTACT',
  'CONTACT_QUALIFIES_FOR_INCLUSION',
  'NO_CREATION_CRITERION_MET',
  // R7 lifecycle
  'LIFECYCLE_ROLLUP_OFF',
  'LIFECYCLE_ROLLED_FORWARD',
  'LIFECYCLE_NOT_FORWARD',
  'NO_KNOWN_CONTACT_STAGE',
  'COMPANY_STAGE_UNKNOWN',
  // R9 field merge
  'RULE_DONT_SYNC',
  'RULE_ALWAYS_USE_SALESFORCE',
  'SALESFORCE_VALUE_OVERWRITES',
  'CLEARED_IN_SALESFORCE',
  'SALESFORCE_FIELD_BLANK',
  'SALESFORCE_FIELD_NOT_BLANK',
  'CLEARING_NOT_PROPAGATED',
  'NEWER_IN_SALESFORCE',
  'NEWER_IN_HUBSPOT',
  'TIE_GOES_TO_SALESFORCE',
  'VALUES_EQUAL',
  'NOT_CHANGED',
  'VALUE_UNKNOWN',
  'BLANK_VALUE',
  'PROPERTY_VALUE_ERROR',
  /** The linked record's values are not known yet: the change is merged when they arrive. */
  'AWAITING_LINKED_RECORD',
  // echoes
  'ECHO_OF_OWN_WRITE',
]);
export type ReasonCode = z.infer<typeof ReasonCode>;

const reasons = z.array(ReasonCode).min(1);

/** Which R4 step found the company. */
export const DedupeStep = z.enum(['account_id', 'domain', 'shared_contacts']);
export type DedupeStep = z.infer<typeof DedupeStep>;

/**
 * What a rule decided, as data (STYLE §2). The edge turns it into commands; the decisions topic
 * keeps it. `target` is the system that would be written.
 */
export const SyncDecision = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('create'),
    target: CrmSystem,
    reasons,
    /** R6: private Salesforce contacts to re-parent onto the new account. */
    reparentContactIds: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal('update'),
    target: CrmSystem,
    reasons,
    /** Values to write when the rule decides them itself (R7); R9 returns field writes instead. */
    values: z.record(z.string(), SalesforceValue).optional(),
  }),
  z.object({
    kind: z.literal('link'),
    target: CrmSystem,
    recordId: z.string().min(1),
    step: DedupeStep,
    reasons,
  }),
  z.object({ kind: z.literal('delete'), target: CrmSystem, reasons }),
  z.object({ kind: z.literal('skip'), reasons }),
  /** A person must resolve it (link one candidate or force a create). */
  z.object({
    kind: z.literal('conflict'),
    target: CrmSystem,
    step: DedupeStep,
    candidates: z.array(z.string()).min(2),
    reasons,
  }),
]);
export type SyncDecision = z.infer<typeof SyncDecision>;
export type DecisionOf<K extends SyncDecision['kind']> = Extract<SyncDecision, { kind: K }>;

/** Which rule decided; the UI groups history by it. */
export const RuleId = z.enum([
  'account_sync',
  'company_sync',
  'dedupe',
  'company_to_account',
  'lifecycle',
  'field_merge',
  'echo',
  /** R5 and R8: a job (manual resync, mass sync) asked for the record. */
  'job',
]);
export type RuleId = z.infer<typeof RuleId>;

/** A decision as stored in the record's history (decisions topic, keyed by `subject`). */
export const DecisionRecord = z.object({
  subject: RecordRef,
  rule: RuleId,
  decision: SyncDecision,
  /** Envelope id of the message that led to the decision. */
  causationId: z.string().min(1),
  decidedAt: IsoDateTime,
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export const DecisionRecorded = envelopeOf('sync.decision-recorded.v1', DecisionRecord);
export type DecisionRecorded = z.infer<typeof DecisionRecorded>;

export function skip(...why: [ReasonCode, ...ReasonCode[]]): DecisionOf<'skip'> {
  return { kind: 'skip', reasons: why };
}
