import { z } from 'zod';
import { HubSpotId, HubSpotObject, SalesforceId, SalesforceObject } from './common.js';

/** Points at one CRM record. */
export const RecordRef = z.discriminatedUnion('system', [
  z.object({ system: z.literal('salesforce'), object: SalesforceObject, recordId: SalesforceId }),
  z.object({ system: z.literal('hubspot'), object: HubSpotObject, recordId: HubSpotId }),
]);
export type RecordRef = z.infer<typeof RecordRef>;

/**
 * Kafka message key of everything about one record: `<connectionId>:<system>:<object>:<recordId>`,
 * e.g. `c-42:salesforce:Account:001000000000001AAA`.
 *
 * Key rules (Kafka orders only within a partition, and one key always maps to one partition):
 * - change events are keyed by the changed record; association changes by the company, because
 *   R6 and R7 are evaluated per company;
 * - commands are keyed by their subject (`commandSubject`): the record they write when it exists,
 *   the source record when they create one (an upsert has no target id yet);
 * - command results, decisions and the account state topic use the same key as what they are about;
 * - control messages are keyed by connection (`connectionKey`) so settings apply in order;
 * - the dead letter keeps the key of the failed message.
 * Salesforce Ids are case-sensitive and so is the key: never lower-case it.
 */
export function recordKey(connectionId: string, ref: RecordRef): string {
  return `${connectionKey(connectionId)}:${ref.system}:${ref.object}:${ref.recordId}`;
}

/** Key of per-connection messages (settings, mappings, jobs). */
export function connectionKey(connectionId: string): string {
  if (connectionId.length === 0 || connectionId.includes(':')) {
    throw new RangeError(`connectionId "${connectionId}" must be non-empty and contain no ":"`);
  }
  return connectionId;
}

/** Parses a record key back; undefined when it is not one. */
export function parseRecordKey(
  key: string,
): { readonly connectionId: string; readonly ref: RecordRef } | undefined {
  const parts = key.split(':');
  if (parts.length !== 4) return undefined;
  const [connectionId, system, object, recordId] = parts;
  const ref = RecordRef.safeParse({ system, object, recordId });
  if (!ref.success || connectionId === undefined || connectionId.length === 0) return undefined;
  return { connectionId, ref: ref.data };
}
