import type { HubSpotChangeEvent } from '@crm-sync/domain';
import type { HubSpotRecord } from '../hubspot/hubspot-api.port.js';
import {
  associationChangeEvent,
  BOOKKEEPING_PROPERTIES,
  modifiedAt,
  recordChangeEvent,
} from '../changes/change-events.js';
import type { RecordTouch, Touches } from './webhook-actions.js';

export interface CurrentState {
  /** Active records as read now, by `<object>:<id>` (absent: archived or gone). */
  readonly records: ReadonlyMap<string, HubSpotRecord>;
  /** Company id → its contacts now (for the companies of the batch's association events). */
  readonly contactsOfCompany: ReadonlyMap<string, readonly string[]>;
}

/**
 * The change events of one connection's webhook batch, decided from the current state of each
 * record rather than from the order of the events: so duplicates and out-of-order deliveries
 * are harmless. A record that is active now is reported created, restored or updated (with
 * every property read and their change times); one that is gone is reported deleted only if
 * the batch holds its deletion (a late property event of a deleted record reports nothing).
 * Associations are reported as they are now: present → added, absent → removed.
 */
export function changesOfTouches(
  connectionId: string,
  touches: Touches,
  current: CurrentState,
): HubSpotChangeEvent[] {
  const out: HubSpotChangeEvent[] = [];
  for (const [key, touch] of touches.records) {
    const record = current.records.get(key);
    const event =
      record === undefined ? gone(connectionId, touch) : present(connectionId, touch, record);
    if (event !== undefined) out.push(event);
  }
  for (const m of touches.merges) {
    out.push(
      recordChangeEvent({
        connectionId,
        object: m.object,
        recordId: m.mergedId,
        changeType: 'merged',
        mergedIntoId: m.intoId,
        record: undefined,
        changedProperties: [],
        changedAt: m.at,
        origin: m.origin,
        capturedBy: 'webhook',
      }),
    );
  }
  for (const a of touches.associations.values()) {
    const associated = current.contactsOfCompany.get(a.companyId)?.includes(a.contactId) ?? false;
    out.push(
      associationChangeEvent({
        connectionId,
        companyId: a.companyId,
        contactId: a.contactId,
        changeType: associated ? 'added' : 'removed',
        changedAt: a.lastAt,
        origin: a.origin,
        capturedBy: 'webhook',
      }),
    );
  }
  return out;
}

function present(
  connectionId: string,
  touch: RecordTouch,
  record: HubSpotRecord,
): HubSpotChangeEvent | undefined {
  const changeType = touch.created
    ? 'created'
    : touch.restored || touch.deletedAt !== undefined
      ? 'restored'
      : 'updated';
  const readable = Object.keys(record.properties).filter((p) => !BOOKKEEPING_PROPERTIES.has(p));
  // An update changed what its events name; a merge survivor may have taken any value over.
  const changed =
    changeType === 'updated' && !touch.survivedMerge
      ? readable.filter((p) => touch.properties.has(p))
      : readable;
  // An update of properties crm-sync does not read is nothing to report.
  if (changeType === 'updated' && changed.length === 0) return undefined;
  return recordChangeEvent({
    connectionId,
    object: touch.object,
    recordId: touch.id,
    changeType,
    record,
    changedProperties: changed.sort(),
    changedAt: modifiedAt(record),
    origin: touch.origin,
    capturedBy: 'webhook',
  });
}

function gone(connectionId: string, touch: RecordTouch): HubSpotChangeEvent | undefined {
  if (touch.deletedAt === undefined) return undefined;
  return recordChangeEvent({
    connectionId,
    object: touch.object,
    recordId: touch.id,
    changeType: 'deleted',
    record: undefined,
    changedProperties: [],
    changedAt: touch.deletedAt,
    origin: touch.origin,
    capturedBy: 'webhook',
  });
}
