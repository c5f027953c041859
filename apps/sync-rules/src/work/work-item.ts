import {
  ChangeEvent,
  CommandResult,
  HubSpotId,
  parseRecordKey,
  recordKey,
  SalesforceId,
} from '@crm-sync/domain';
import { z } from 'zod';

/**
 * The sync subject: what one partition of the work topic owns. A linked pair and an unlinked
 * account are owned by the account (`account:<Id>`); an unlinked company by itself
 * (`company:<id>`). When a company gets linked its subject moves to the account; items still
 * addressed to the old subject are forwarded (see the decider).
 */
export type Subject =
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'company'; readonly companyId: string };

/**
 * The work topic's key of a subject. An account's is its record key — the key of its change
 * events — so with topics partitioned alike an account's work items and its change events share
 * a partition number (the decide stage reads account changes without the route hop).
 */
export function subjectKey(connectionId: string, subject: Subject): string {
  return subject.kind === 'account'
    ? recordKey(connectionId, {
        system: 'salesforce',
        object: 'Account',
        recordId: subject.accountId,
      })
    : `${connectionId}:company:${subject.companyId}`;
}

/** Whether a Salesforce change message is an account's, by its key (no parsing). */
export function isAccountChangeKey(key: string | null): boolean {
  return key !== null && parseRecordKey(key)?.ref.object === 'Account';
}

/** A new work item for `subject`; its id derives from its source's, so a retry makes the same. */
export function workItem(
  sourceId: string,
  connectionId: string,
  subject: Subject,
  cause: WorkItem['cause'],
): WorkItem {
  return {
    id: `${sourceId}>${subjectKey(connectionId, subject)}`,
    connectionId,
    subject,
    cause,
    hops: 0,
  };
}

/** The work item of an account change (`accountId` its record): the account's own subject. */
export function accountChangeItem(event: ChangeEvent, accountId: string): WorkItem {
  return workItem(
    event.id,
    event.connectionId,
    { kind: 'account', accountId },
    { kind: 'change', event },
  );
}

const SubjectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('account'), accountId: SalesforceId }),
  z.object({ kind: z.literal('company'), companyId: HubSpotId }),
]);

/** Why the subject must be looked at again. */
export const WorkCause = z.discriminatedUnion('kind', [
  /** A Salesforce account, HubSpot company or association change. */
  z.object({ kind: z.literal('change'), event: ChangeEvent }),
  /** A connector's outcome of one of our commands. */
  z.object({ kind: z.literal('result'), result: CommandResult }),
  /** A contact of this company changed (R6 and R7 inputs): re-evaluate the company. */
  z.object({
    kind: z.literal('contact'),
    companyId: HubSpotId,
    contactId: HubSpotId,
    causationId: z.string().min(1),
    changedAt: z.iso.datetime({ offset: true }),
  }),
  /** A job asked for this subject: a manual resync (R8) or a mass sync (R5). */
  z.object({
    kind: z.literal('job'),
    jobId: z.string().min(1),
    job: z.enum(['resync', 'mass_sync']),
    causationId: z.string().min(1),
  }),
]);
export type WorkCause = z.infer<typeof WorkCause>;

export const WorkItem = z.object({
  /** Deterministic (source message id + subject), so a re-routed duplicate is recognisable. */
  id: z.string().min(1),
  connectionId: z.string().min(1),
  subject: SubjectSchema,
  cause: WorkCause,
  /** How many times the item was forwarded to a new subject (bounded). */
  hops: z.number().int().nonnegative().default(0),
});
export type WorkItem = z.infer<typeof WorkItem>;
