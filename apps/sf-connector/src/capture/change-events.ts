import { createHash } from 'node:crypto';
import {
  CHANGE_EVENT_TYPES,
  changeEventKey,
  recordKey,
  type CaptureMethod,
  type SalesforceAccountState,
  type SalesforceChangeEvent,
  type SalesforceChangeType,
  type SalesforceFields,
  type SalesforceObject,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import { isoOf, type PolledRecord } from './records.js';

const KIND = {
  Account: 'salesforce_account',
  Contact: 'salesforce_contact',
  Lead: 'salesforce_lead',
} as const satisfies Record<SalesforceObject, string>;

/** One change as capture knows it, before it is put in an envelope. */
export interface CapturedChange {
  readonly object: SalesforceObject;
  readonly recordId: string;
  readonly changeType: SalesforceChangeType;
  readonly masterRecordId?: string | undefined;
  readonly fields: SalesforceFields;
  readonly changedFields: readonly string[];
  readonly changedAt: number;
  readonly createdDate?: number | undefined;
  readonly changeOrigin: string | null;
  readonly capturedBy: CaptureMethod;
  readonly importJobId?: string | undefined;
}

/**
 * Envelope ids are derived from the change, not random: the same change captured twice (CDC and
 * the poll that re-reads it, or a poll repeated after a crash) carries the same id, which is
 * what consumers de-duplicate on. Snapshots are per job.
 */
export function changeEventId(connectionId: string, c: CapturedChange): string {
  const what =
    c.capturedBy === 'replay'
      ? `replay:${c.importJobId ?? ''}:${c.changeType}`
      : c.changeType === 'snapshot'
        ? `snapshot:${c.importJobId ?? ''}`
        : c.changeType;
  return boundedId(`sf:${connectionId}:${c.object}:${c.recordId}:${what}:${c.changedAt}`);
}

/** Ids longer than the envelope allows (long connection or job ids) become a digest. */
function boundedId(id: string): string {
  return id.length <= 200 ? id : `sf:${createHash('sha256').update(id).digest('hex')}`;
}

/** The change event of a captured change (the contract's refinements hold by construction). */
export function changeEventOf(connectionId: string, c: CapturedChange): SalesforceChangeEvent {
  const payload = {
    kind: KIND[c.object],
    recordId: c.recordId,
    changeType: c.changeType,
    ...(c.masterRecordId === undefined ? {} : { masterRecordId: c.masterRecordId }),
    fields: c.fields,
    changedFields: [...c.changedFields],
    changedAt: isoOf(c.changedAt),
    ...(c.createdDate === undefined ? {} : { createdDate: isoOf(c.createdDate) }),
    changeOrigin: c.changeOrigin,
    capturedBy: c.capturedBy,
    ...(c.importJobId === undefined ? {} : { importJobId: c.importJobId }),
  };
  return {
    id: changeEventId(connectionId, c),
    type: CHANGE_EVENT_TYPES[KIND[c.object]],
    connectionId,
    occurredAt: isoOf(c.changedAt),
    source: 'salesforce',
    payload,
  } as SalesforceChangeEvent;
}

/** A polled (or imported) record as a change: all its fields, as polling cannot tell which changed. */
export function polledChange(
  record: PolledRecord,
  changeType: SalesforceChangeType,
  by: { readonly capturedBy: CaptureMethod; readonly importJobId?: string },
): CapturedChange {
  return {
    object: record.object,
    recordId: record.id,
    changeType,
    ...(changeType === 'merged' && record.masterRecordId !== null
      ? { masterRecordId: record.masterRecordId }
      : {}),
    fields: record.fields,
    changedFields: Object.keys(record.fields),
    changedAt: record.systemModstamp,
    createdDate: record.createdDate,
    changeOrigin: null,
    capturedBy: by.capturedBy,
    ...(by.importJobId === undefined ? {} : { importJobId: by.importJobId }),
  };
}

/**
 * An account's latest state replayed as a change: `updated` (or `deleted`) with every field, at
 * the instant it last changed, so the sync rules apply as they do to a live change (R2's
 * syncEnabledAt test included), with today's settings and mappings. Not a `snapshot`: that is
 * an import, which syncs accounts from before syncEnabledAt too (R3).
 */
export function replayedChange(state: SalesforceAccountState, jobId: string): CapturedChange {
  const p = state.payload;
  return {
    object: 'Account',
    recordId: p.accountId,
    changeType: p.deleted ? 'deleted' : 'updated',
    fields: p.fields,
    changedFields: Object.keys(p.fields),
    changedAt: Date.parse(p.changedAt),
    createdDate: Date.parse(p.createdDate),
    changeOrigin: null,
    capturedBy: 'replay',
    importJobId: jobId,
  };
}

/** The latest state of an account, for the compacted state topic (deleted accounts stay). */
export function accountStateOf(connectionId: string, record: PolledRecord): SalesforceAccountState {
  return {
    id: boundedId(`sf-state:${connectionId}:${record.id}:${record.systemModstamp}`),
    type: 'salesforce.account-state.v1',
    connectionId,
    occurredAt: isoOf(record.systemModstamp),
    source: 'salesforce',
    payload: {
      accountId: record.id,
      fields: record.fields,
      createdDate: isoOf(record.createdDate),
      changedAt: isoOf(record.systemModstamp),
      deleted: record.isDeleted,
    },
  };
}

/** Kafka messages for change events and account states, keyed by record. */
export function changeMessage(topic: string, event: SalesforceChangeEvent): OutboundMessage {
  return { topic, key: changeEventKey(event), value: JSON.stringify(event) };
}

export function accountStateMessage(topic: string, state: SalesforceAccountState): OutboundMessage {
  return {
    topic,
    key: recordKey(state.connectionId, {
      system: 'salesforce',
      object: 'Account',
      recordId: state.payload.accountId,
    }),
    value: JSON.stringify(state),
  };
}
