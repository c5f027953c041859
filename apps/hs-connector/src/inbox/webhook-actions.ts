import { HubSpotId } from '@crm-sync/domain';
import { z } from 'zod';
import type { ObjectType } from '../hubspot/hubspot-api.port.js';
import { WebhookEvent } from '../webhooks/webhook-events.js';
import { combineOrigins, type Origin } from '../changes/change-events.js';

const inboxFields = { connectionId: z.string().min(1).max(100), receivedAt: z.string() };

/**
 * A message of the webhook inbox topic, as `WebhookInbox.publish` writes it: one record's events
 * of one delivery, in delivery order. Messages written before grouping carry one `event`; they
 * read as a group of one.
 */
export const InboxMessage = z.union([
  z.object({ ...inboxFields, events: z.array(WebhookEvent).min(1).max(1_000) }),
  z
    .object({ ...inboxFields, event: WebhookEvent })
    .transform(({ event, ...rest }) => ({ ...rest, events: [event] })),
]);
export type InboxMessage = z.infer<typeof InboxMessage>;

/** What one webhook event asks of the connector. */
export type WebhookAction =
  | {
      readonly kind: 'record';
      readonly object: ObjectType;
      readonly id: string;
      readonly event: 'creation' | 'propertyChange' | 'deletion' | 'restore';
      readonly propertyName: string | undefined;
      readonly at: number;
      readonly origin: Origin;
    }
  | {
      readonly kind: 'merge';
      readonly object: ObjectType;
      readonly primaryId: string;
      readonly mergedIds: readonly string[];
      readonly at: number;
      readonly origin: Origin;
    }
  | {
      readonly kind: 'association';
      readonly companyId: string;
      readonly contactId: string;
      readonly at: number;
      readonly origin: Origin;
    }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const OBJECTS: Readonly<Record<string, ObjectType>> = { company: 'companies', contact: 'contacts' };
const id = z.union([z.number().int(), z.string()]).transform(String).pipe(HubSpotId);
const AssociationFields = z.looseObject({
  associationType: z.string(),
  fromObjectId: id,
  toObjectId: id,
});
const MergeFields = z.looseObject({
  primaryObjectId: id,
  mergedObjectIds: z.array(id).min(1),
});

/**
 * Interprets one webhook event (HubSpot "Webhooks API" event types). Other objects and event
 * types are ignored (a portal may subscribe to more than crm-sync uses); an event of ours that
 * lacks what its type needs is invalid (dead letter).
 */
export function interpretEvent(event: WebhookEvent): WebhookAction {
  const [objectName = '', action = ''] = event.subscriptionType.split('.');
  const object = OBJECTS[objectName];
  if (object === undefined) return { kind: 'ignored', reason: `object ${objectName}` };
  const origin: Origin = {
    changeSource: event.changeSource ?? null,
    sourceId: event.sourceId ?? null,
  };
  const at = event.occurredAt;
  switch (action) {
    case 'creation':
    case 'propertyChange':
    case 'deletion':
    case 'privacyDeletion':
    case 'restore': {
      const objectId = id.safeParse(event.objectId);
      if (!objectId.success)
        return { kind: 'invalid', reason: `objectId ${String(event.objectId)}` };
      if (action === 'propertyChange' && event.propertyName === undefined)
        return { kind: 'invalid', reason: 'propertyChange without propertyName' };
      return {
        kind: 'record',
        object,
        id: objectId.data,
        event: action === 'privacyDeletion' ? 'deletion' : action,
        propertyName: event.propertyName,
        at,
        origin,
      };
    }
    case 'associationChange': {
      const a = AssociationFields.safeParse(event);
      if (!a.success) return { kind: 'invalid', reason: 'associationChange without from/to ids' };
      const type = a.data.associationType;
      if (type === 'CONTACT_TO_COMPANY')
        return {
          kind: 'association',
          companyId: a.data.toObjectId,
          contactId: a.data.fromObjectId,
          at,
          origin,
        };
      if (type === 'COMPANY_TO_CONTACT')
        return {
          kind: 'association',
          companyId: a.data.fromObjectId,
          contactId: a.data.toObjectId,
          at,
          origin,
        };
      return { kind: 'ignored', reason: `association ${type}` };
    }
    case 'merge': {
      const m = MergeFields.safeParse(event);
      if (!m.success)
        return { kind: 'invalid', reason: 'merge without primaryObjectId/mergedObjectIds' };
      return {
        kind: 'merge',
        object,
        primaryId: m.data.primaryObjectId,
        mergedIds: m.data.mergedObjectIds.filter((x) => x !== m.data.primaryObjectId),
        at,
        origin,
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${event.subscriptionType}` };
  }
}

/** Everything a batch says about one record. */
export interface RecordTouch {
  readonly object: ObjectType;
  readonly id: string;
  created: boolean;
  restored: boolean;
  /** Time of the latest deletion event, if any. */
  deletedAt: number | undefined;
  /** Other records were merged into this one. */
  survivedMerge: boolean;
  readonly properties: Set<string>;
  firstAt: number;
  lastAt: number;
  origin: Origin;
}

export interface MergeTouch {
  readonly object: ObjectType;
  readonly mergedId: string;
  readonly intoId: string;
  readonly at: number;
  readonly origin: Origin;
}

export interface AssociationTouch {
  readonly companyId: string;
  readonly contactId: string;
  lastAt: number;
  origin: Origin;
}

/** A batch's actions folded per connection: one entry per record and per association pair. */
export interface Touches {
  readonly records: Map<string, RecordTouch>;
  readonly merges: MergeTouch[];
  readonly associations: Map<string, AssociationTouch>;
}

export function emptyTouches(): Touches {
  return { records: new Map(), merges: [], associations: new Map() };
}

/**
 * Folds actions into touches. Several events of one record (a creation and its property events,
 * a duplicate delivery, events out of order) become one touch: the connector then reads the
 * record once and reports its current state.
 */
export function addAction(touches: Touches, action: WebhookAction): void {
  switch (action.kind) {
    case 'record': {
      const t = touchRecord(touches, action.object, action.id, action.at, action.origin);
      if (action.event === 'creation') t.created = true;
      if (action.event === 'restore') t.restored = true;
      if (action.event === 'deletion') t.deletedAt = Math.max(t.deletedAt ?? 0, action.at);
      if (action.propertyName !== undefined) t.properties.add(action.propertyName);
      return;
    }
    case 'merge':
      for (const mergedId of action.mergedIds) {
        touches.merges.push({
          object: action.object,
          mergedId,
          intoId: action.primaryId,
          at: action.at,
          origin: action.origin,
        });
      }
      touchRecord(
        touches,
        action.object,
        action.primaryId,
        action.at,
        action.origin,
      ).survivedMerge = true;
      return;
    case 'association': {
      const key = `${action.companyId}:${action.contactId}`;
      const t = touches.associations.get(key);
      if (t === undefined) {
        touches.associations.set(key, {
          companyId: action.companyId,
          contactId: action.contactId,
          lastAt: action.at,
          origin: action.origin,
        });
      } else {
        t.lastAt = Math.max(t.lastAt, action.at);
        t.origin = combineOrigins(t.origin, action.origin);
      }
      return;
    }
    case 'ignored':
    case 'invalid':
      return;
  }
}

/**
 * Drops the company touches that only our own writes made, and returns how many: the command
 * processor sent each of those writes as HubSpot answered it with its result (`written`), so
 * reading the companies back would spend budget to say it again. A touch is ours when every
 * event of the record in the batch has our app's `sourceId`, and it holds creations and property
 * changes only (no deletion, restore or merge). Whoever else writes with our app's token, a
 * creation or an edit, is taken for us, as sync-rules takes any change with our `sourceId` for an
 * echo; polling still reads and reports every company, so the engine's view of those companies
 * is reconciled within a poll interval. (A creation used to count only with its
 * `salesforceaccountid` event in the same batch; HubSpot sends up to 100 events a request, so a
 * creation's events were often split: 95 batch reads in a 20,000-account import.)
 */
export function dropOwnWrites(touches: Touches, appId: string): number {
  let dropped = 0;
  for (const [key, t] of touches.records) {
    const ownOnly =
      t.object === 'companies' &&
      t.origin.sourceId === appId &&
      t.deletedAt === undefined &&
      !t.restored &&
      !t.survivedMerge;
    if (ownOnly) {
      touches.records.delete(key);
      dropped++;
    }
  }
  return dropped;
}

/**
 * Whether a delivery's events of one record are all our own company writes: what
 * `dropOwnWrites` would drop, decided at the webhook's receipt so that they never reach the
 * inbox topic. Only record events count (a merge, an association, or an event the inbox would
 * ignore or dead-letter keeps the delivery). One delivery is a smaller batch than the inbox's,
 * which is safe: the rule only drops events of ours, and any other event of the record, in this
 * delivery or another, still has the record read as it stands.
 */
export function ownWritesOnly(events: readonly WebhookEvent[], appId: string): boolean {
  const touches = emptyTouches();
  for (const e of events) {
    const action = interpretEvent(e);
    if (action.kind !== 'record') return false;
    addAction(touches, action);
  }
  const records = touches.records.size;
  return records > 0 && dropOwnWrites(touches, appId) === records;
}

function touchRecord(
  touches: Touches,
  object: ObjectType,
  recordId: string,
  at: number,
  origin: Origin,
): RecordTouch {
  const key = `${object}:${recordId}`;
  let t = touches.records.get(key);
  if (t === undefined) {
    t = {
      object,
      id: recordId,
      created: false,
      restored: false,
      deletedAt: undefined,
      survivedMerge: false,
      properties: new Set(),
      firstAt: at,
      lastAt: at,
      origin,
    };
    touches.records.set(key, t);
    return t;
  }
  t.firstAt = Math.min(t.firstAt, at);
  t.lastAt = Math.max(t.lastAt, at);
  t.origin = combineOrigins(t.origin, origin);
  return t;
}
