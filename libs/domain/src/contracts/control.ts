import { z } from 'zod';
import { HubSpotId, IsoDateTime, SalesforceFields, SalesforceId } from './common.js';
import { envelopeOf } from './envelope.js';
import { JobCancelRequested } from './jobs.js';
import { MappingSet } from './mappings.js';
import { ConnectionSettings } from './settings.js';

/** The connection's settings as they are now (whole object: consumers never merge partials). */
export const SettingsChanged = envelopeOf(
  'sync.settings-changed.v1',
  z.object({ settings: ConnectionSettings, changedBy: z.string().min(1) }),
);
export type SettingsChanged = z.infer<typeof SettingsChanged>;

/** The whole mapping set now in force; `massSyncJobId` set when the user asked for a mass sync (R5). */
export const MappingsChanged = envelopeOf(
  'sync.mappings-changed.v1',
  z.object({
    mappings: MappingSet,
    changedBy: z.string().min(1),
    massSyncJobId: z.string().min(1).optional(),
  }),
);
export type MappingsChanged = z.infer<typeof MappingsChanged>;

/** R8. A set is given by ids or by a HubSpot search filter (opaque here). */
export const ResyncScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('company'), companyId: HubSpotId }),
  z.object({ kind: z.literal('account'), accountId: SalesforceId }),
  z.object({ kind: z.literal('companies'), companyIds: z.array(HubSpotId).min(1) }),
  z.object({ kind: z.literal('accounts'), accountIds: z.array(SalesforceId).min(1) }),
  z.object({ kind: z.literal('company_filter'), filter: z.record(z.string(), z.unknown()) }),
]);
export type ResyncScope = z.infer<typeof ResyncScope>;

export const ResyncRequested = envelopeOf(
  'sync.resync-requested.v1',
  z.object({ jobId: z.string().min(1), scope: ResyncScope, requestedBy: z.string().min(1) }),
);
export type ResyncRequested = z.infer<typeof ResyncRequested>;

/** "Import Salesforce accounts": snapshot every account into Kafka (refused while sync is off, R1). */
export const ImportRequested = envelopeOf(
  'sync.import-requested.v1',
  z.object({
    jobId: z.string().min(1),
    object: z.literal('Account'),
    requestedBy: z.string().min(1),
    /** Resume a cancelled or failed import after this account Id (ids ascend in the paged query). */
    resumeAfter: SalesforceId.optional(),
  }),
);
export type ImportRequested = z.infer<typeof ImportRequested>;

/** Re-derive state from the topics from a point in time (no CRM reads). */
export const ReplayRequested = envelopeOf(
  'sync.replay-requested.v1',
  z.object({
    jobId: z.string().min(1),
    from: IsoDateTime,
    requestedBy: z.string().min(1),
    reason: z.string().min(1),
  }),
);
export type ReplayRequested = z.infer<typeof ReplayRequested>;

/** Start or resume (after `partial`, R5) a mass sync; `resumeAfter` is the last handled company id. */
export const MassSyncRequested = envelopeOf(
  'sync.mass-sync-requested.v1',
  z.object({
    jobId: z.string().min(1),
    resumeAfter: HubSpotId.optional(),
    requestedBy: z.string().min(1),
  }),
);
export type MassSyncRequested = z.infer<typeof MassSyncRequested>;

export const ControlMessage = z.discriminatedUnion('type', [
  SettingsChanged,
  MappingsChanged,
  ResyncRequested,
  ImportRequested,
  ReplayRequested,
  MassSyncRequested,
  JobCancelRequested,
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

/** Latest known state of one account (compacted topic, keyed by the account's record key). */
export const SalesforceAccountState = envelopeOf(
  'salesforce.account-state.v1',
  z.object({
    accountId: SalesforceId,
    fields: SalesforceFields,
    createdDate: IsoDateTime,
    changedAt: IsoDateTime,
    /** Deleted accounts stay as a record (not a tombstone) so a replay sees the delete. */
    deleted: z.boolean(),
  }),
);
export type SalesforceAccountState = z.infer<typeof SalesforceAccountState>;

/**
 * A message that could not be parsed or processed for good. `value` is the raw text as received,
 * so nothing is lost; the key is the original key.
 */
export const DeadLettered = envelopeOf(
  'ops.dead-lettered.v1',
  z.object({
    originalTopic: z.string().min(1),
    partition: z.number().int().nonnegative(),
    offset: z.string().regex(/^[0-9]+$/),
    key: z.string().nullable(),
    value: z.string().nullable(),
    reason: z.string().min(1),
    consumerGroup: z.string().min(1),
    failedAt: IsoDateTime,
  }),
);
export type DeadLettered = z.infer<typeof DeadLettered>;

/** Where a message that failed for good was read. */
export interface FailedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * A message that cannot be processed, kept whole for the dead-letter topic with the reason, under
 * its original key. Its id derives from where it was read, so a redelivered batch dead-letters it
 * under the same id. Pure: the caller passes the time and sends the record.
 */
export function deadLetterRecord(input: {
  readonly failed: FailedMessage;
  readonly reason: string;
  readonly consumerGroup: string;
  readonly source: DeadLettered['source'];
  readonly connectionId?: string | undefined;
  readonly now: string;
}): { readonly key: string; readonly value: string } {
  const { failed } = input;
  const envelope: DeadLettered = {
    id: `dlq:${failed.topic}:${failed.partition}:${failed.offset}`,
    type: 'ops.dead-lettered.v1',
    connectionId: input.connectionId ?? 'unknown',
    occurredAt: input.now,
    source: input.source,
    payload: {
      originalTopic: failed.topic,
      partition: failed.partition,
      offset: failed.offset,
      key: failed.key,
      value: failed.value,
      reason: input.reason.slice(0, 4_000) || 'unknown reason',
      consumerGroup: input.consumerGroup,
      failedAt: input.now,
    },
  };
  return {
    key: failed.key ?? `${failed.topic}:${failed.partition}:${failed.offset}`,
    value: JSON.stringify(envelope),
  };
}
