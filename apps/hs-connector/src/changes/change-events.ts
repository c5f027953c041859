import {
  CHANGE_EVENT_TYPES,
  changeEventKey,
  type CaptureMethod,
  type HubSpotChangeEvent,
  type HubSpotCompanyChangeEvent,
  type HubSpotChangeType,
  type HubSpotProperties,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import type {
  HubSpotRecord,
  ObjectType,
  PropertyVersion,
  WriteResult,
} from '../hubspot/hubspot-api.port.js';

/** Who made a change, as HubSpot reports it (webhook fields, or property history when polled). */
export interface Origin {
  readonly changeSource: string | null;
  readonly sourceId: string | null;
}

export const UNKNOWN_ORIGIN: Origin = { changeSource: null, sourceId: null };

/** Read to version a record, never reported as a changed property. */
export const BOOKKEEPING_PROPERTIES: ReadonlySet<string> = new Set([
  'hs_lastmodifieddate',
  'lastmodifieddate',
  'hs_object_id',
  'createdate',
]);

/** HubSpot's marker of companies made by "create and associate companies with contacts" (R6 a). */
const AUTO_CREATED = 'AUTO_CREATE_AND_ASSOCIATE';

/** hs_lastmodifieddate in epoch ms (HubSpot's own version of a record), else `updatedAt`. */
export function modifiedAt(record: HubSpotRecord): number {
  const raw = record.properties['hs_lastmodifieddate'];
  const ms = raw === null || raw === undefined ? Number.NaN : Date.parse(raw);
  return Number.isNaN(ms) ? Date.parse(record.updatedAt) : ms;
}

/** The newest version of each property that has a history. */
export function newestVersions(record: HubSpotRecord): Map<string, PropertyVersion> {
  const out = new Map<string, PropertyVersion>();
  for (const [name, versions] of Object.entries(record.history)) {
    let newest: PropertyVersion | undefined;
    for (const v of versions) {
      if (newest === undefined || Date.parse(v.timestamp) > Date.parse(newest.timestamp))
        newest = v;
    }
    if (newest !== undefined) out.set(name, newest);
  }
  return out;
}

/** Per property, when it last changed: HubSpot's side of "newest value wins" (R9). */
export function propertyChangedAt(record: HubSpotRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of newestVersions(record)) {
    if (!BOOKKEEPING_PROPERTIES.has(name)) out[name] = new Date(v.timestamp).toISOString();
  }
  return out;
}

/** Properties whose newest version is at or after `sinceMs` (strictly after when `exclusive`). */
export function changedSince(record: HubSpotRecord, sinceMs: number, exclusive = false): string[] {
  const out: string[] = [];
  for (const [name, v] of newestVersions(record)) {
    if (BOOKKEEPING_PROPERTIES.has(name)) continue;
    const t = Date.parse(v.timestamp);
    if (exclusive ? t > sinceMs : t >= sinceMs) out.push(name);
  }
  return out.sort();
}

/**
 * Who changed `properties`, from their newest versions: known only when they all agree (one
 * writer), else unknown, so echo detection falls back to comparing values.
 */
export function originFromHistory(record: HubSpotRecord, properties: readonly string[]): Origin {
  const newest = newestVersions(record);
  let origin: Origin | undefined;
  for (const p of properties) {
    const v = newest.get(p);
    if (v === undefined) continue;
    const o: Origin = { changeSource: v.sourceType, sourceId: v.sourceId ?? null };
    if (origin === undefined) origin = o;
    else if (origin.changeSource !== o.changeSource || origin.sourceId !== o.sourceId)
      return UNKNOWN_ORIGIN;
  }
  return origin ?? UNKNOWN_ORIGIN;
}

/** Agreeing origins stay, disagreeing ones become unknown (combining several events of a record). */
export function combineOrigins(a: Origin | undefined, b: Origin): Origin {
  if (a === undefined) return b;
  return a.changeSource === b.changeSource && a.sourceId === b.sourceId ? a : UNKNOWN_ORIGIN;
}

export interface RecordChange {
  readonly connectionId: string;
  readonly object: ObjectType;
  readonly recordId: string;
  readonly changeType: HubSpotChangeType;
  /** The record as read now; absent for deletions and merges (it is gone). */
  readonly record: HubSpotRecord | undefined;
  readonly changedProperties: readonly string[];
  /** Epoch ms: the record's version (hs_lastmodifieddate), or the event time when it is gone. */
  readonly changedAt: number;
  readonly origin: Origin;
  readonly capturedBy: CaptureMethod;
  readonly mergedIntoId?: string;
  /** When each property last changed, if known without the record's history (our writes). */
  readonly propertyChangedAt?: Readonly<Record<string, string>>;
}

/**
 * The change event of one record. Its id is derived from the record and its version, so a
 * duplicate or replayed delivery of the same change produces the very same event (consumers
 * de-duplicate on the envelope id).
 */
export function recordChangeEvent(c: RecordChange): HubSpotChangeEvent {
  if (c.object === 'companies') return companyChangeEvent(c);
  const { base, shape } = eventParts(c);
  return {
    ...base,
    type: CHANGE_EVENT_TYPES.hubspot_contact,
    payload: { kind: 'hubspot_contact', ...shape },
  };
}

/** `recordChangeEvent` of a company. */
function companyChangeEvent(c: RecordChange): HubSpotCompanyChangeEvent {
  const { base, shape } = eventParts(c);
  return {
    ...base,
    type: CHANGE_EVENT_TYPES.hubspot_company,
    payload: {
      kind: 'hubspot_company',
      ...shape,
      autoCreated: shape.properties['hs_object_source_detail_1'] === AUTO_CREATED,
    },
  };
}

function eventParts(c: RecordChange) {
  const changedAt = new Date(c.changedAt).toISOString();
  const properties: HubSpotProperties = c.record === undefined ? {} : { ...c.record.properties };
  const shape = {
    recordId: c.recordId,
    changeType: c.changeType,
    ...(c.mergedIntoId === undefined ? {} : { mergedIntoId: c.mergedIntoId }),
    properties,
    propertyChangedAt:
      c.propertyChangedAt ?? (c.record === undefined ? {} : propertyChangedAt(c.record)),
    changedProperties: [...c.changedProperties],
    changedAt,
    changeSource: c.origin.changeSource,
    sourceId: c.origin.sourceId,
    capturedBy: c.capturedBy,
  };
  const base = {
    id: `${c.connectionId}:hs:${c.object}:${c.recordId}:${c.changeType}:${c.changedAt}`,
    connectionId: c.connectionId,
    occurredAt: changedAt,
    source: 'hs-connector' as const,
  };
  return { base, shape };
}

/**
 * The change event of our own write of a company, from HubSpot's answer to it: the written
 * properties as HubSpot stored them, changed at the write's version, by our app (`capturedBy:
 * 'write'`). It tells sync-rules what reading the company back would (the same event id as a
 * read of that version), so the webhooks of our own writes need no read (see `dropOwnWrites`).
 * It travels in the write's command result (`written`).
 */
export function writtenChangeEvent(c: {
  readonly connectionId: string;
  readonly appId: string;
  readonly result: WriteResult;
  /** The properties the request wrote (an upsert's id property included). */
  readonly written: readonly string[];
}): HubSpotCompanyChangeEvent {
  const { result } = c;
  const record: HubSpotRecord = {
    id: result.companyId,
    properties: result.properties,
    history: {},
    createdAt: result.properties['createdate'] ?? result.updatedAt,
    updatedAt: result.updatedAt,
  };
  const version = modifiedAt(record);
  const readable = Object.keys(result.properties).filter((p) => !BOOKKEEPING_PROPERTIES.has(p));
  const changed = result.created ? readable : readable.filter((p) => c.written.includes(p));
  const at = new Date(version).toISOString();
  const changedAt: Record<string, string> = {};
  for (const p of changed) changedAt[p] = at;
  return companyChangeEvent({
    connectionId: c.connectionId,
    object: 'companies',
    recordId: result.companyId,
    changeType: result.created ? 'created' : 'updated',
    record,
    propertyChangedAt: changedAt,
    changedProperties: changed.sort(),
    changedAt: version,
    origin: { changeSource: 'INTEGRATION', sourceId: c.appId },
    capturedBy: 'write',
  });
}

export interface AssociationChange {
  readonly connectionId: string;
  readonly companyId: string;
  readonly contactId: string;
  readonly changeType: 'added' | 'removed';
  readonly changedAt: number;
  readonly origin: Origin;
  readonly capturedBy: CaptureMethod;
}

/** A contact↔company association change (keyed by `changeEventKey`: it travels with its contact). */
export function associationChangeEvent(c: AssociationChange): HubSpotChangeEvent {
  const changedAt = new Date(c.changedAt).toISOString();
  return {
    id: `${c.connectionId}:hs:association:${c.companyId}:${c.contactId}:${c.changeType}:${c.changedAt}`,
    type: CHANGE_EVENT_TYPES.hubspot_association,
    connectionId: c.connectionId,
    occurredAt: changedAt,
    source: 'hs-connector',
    payload: {
      kind: 'hubspot_association',
      changeType: c.changeType,
      companyId: c.companyId,
      contactId: c.contactId,
      changedAt,
      changeSource: c.origin.changeSource,
      sourceId: c.origin.sourceId,
      capturedBy: c.capturedBy,
    },
  };
}

/** A change event as a Kafka message of the HubSpot changes topic. */
export function toMessage(topic: string, event: HubSpotChangeEvent): OutboundMessage {
  return { topic, key: changeEventKey(event), value: JSON.stringify(event) };
}

/** `company` / `contact` / `association`: the `object` label of the changes-captured metric. */
export function objectLabel(event: HubSpotChangeEvent): string {
  switch (event.payload.kind) {
    case 'hubspot_company':
      return 'company';
    case 'hubspot_contact':
      return 'contact';
    case 'hubspot_association':
      return 'association';
  }
}
