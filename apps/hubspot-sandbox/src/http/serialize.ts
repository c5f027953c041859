import {
  ALWAYS_RETURNED,
  DEFAULT_READ_PROPERTIES,
  type ObjectType,
} from '../model/object-types.js';
import { ASSOCIATION_TYPES } from '../store/association-index.js';
import type { CrmStore, StoredObject, Version } from '../store/crm-store.js';

export interface ReadOptions {
  /** Properties to return; undefined → HubSpot's defaults for the type. */
  readonly properties?: readonly string[];
  readonly propertiesWithHistory?: readonly string[];
  readonly associations?: readonly ObjectType[];
}

export interface ApiVersion {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** A record as the CRM v3 API returns it (SimplePublicObject / ...WithAssociations). */
export function toApi(
  store: CrmStore,
  o: StoredObject,
  opts: ReadOptions,
): Record<string, unknown> {
  const names =
    opts.properties === undefined
      ? DEFAULT_READ_PROPERTIES[o.type]
      : [...opts.properties, ...ALWAYS_RETURNED];
  const properties: Record<string, string | null> = {};
  for (const n of names) properties[n] = o.properties[n] ?? null;
  const out: Record<string, unknown> = {
    id: o.id,
    properties,
    createdAt: new Date(o.createdAt).toISOString(),
    updatedAt: new Date(o.updatedAt).toISOString(),
    archived: o.archived,
  };
  if (o.archivedAt !== undefined) out['archivedAt'] = new Date(o.archivedAt).toISOString();
  if (opts.propertiesWithHistory !== undefined && opts.propertiesWithHistory.length > 0) {
    const h: Record<string, ApiVersion[]> = {};
    for (const n of opts.propertiesWithHistory) h[n] = historyOf(o, n);
    out['propertiesWithHistory'] = h;
  }
  if (opts.associations !== undefined && opts.associations.length > 0) {
    const assoc: Record<string, { results: { id: string; type: string }[] }> = {};
    for (const toType of opts.associations) {
      const results: { id: string; type: string }[] = [];
      for (const { toId, typeIds } of store.associations.list(o.type, o.id, toType)) {
        const target = store.get(toType, toId);
        if (target === undefined || target.archived) continue;
        for (const t of typeIds)
          results.push({ id: toId, type: ASSOCIATION_TYPES[t]?.v3Name ?? String(t) });
      }
      if (results.length > 0) assoc[toType] = { results };
    }
    if (Object.keys(assoc).length > 0) out['associations'] = assoc;
  }
  return out;
}

/** A write's response: the properties it set plus the always-returned system properties. */
export function toWriteResult(
  o: StoredObject,
  written: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const properties: Record<string, string | null> = {};
  for (const n of Object.keys(written)) properties[n] = o.properties[n] ?? null;
  for (const n of ALWAYS_RETURNED) properties[n] = o.properties[n] ?? null;
  return {
    id: o.id,
    properties,
    createdAt: new Date(o.createdAt).toISOString(),
    updatedAt: new Date(o.updatedAt).toISOString(),
    archived: false,
  };
}

/** Versions newest first, as `propertiesWithHistory` returns them. */
export function historyOf(o: StoredObject, name: string): ApiVersion[] {
  const versions: Version[] = [];
  const initial = o.initial.values[name];
  if (initial !== undefined)
    versions.push({ value: initial, timestamp: o.createdAt, source: o.initial.source });
  versions.push(...(o.history?.[name] ?? []));
  const out = versions.map(toApiVersion).reverse();
  const current = o.properties[name];
  // System properties (hs_lastmodifieddate) change without history entries: show the current value.
  if (current !== undefined && out[0]?.value !== current) {
    out.unshift({
      value: current,
      timestamp: new Date(o.updatedAt).toISOString(),
      sourceType: 'CALCULATED',
    });
  }
  return out;
}

function toApiVersion(v: Version): ApiVersion {
  const out: ApiVersion = {
    value: v.value,
    timestamp: new Date(v.timestamp).toISOString(),
    sourceType: v.source.changeSource,
  };
  if (v.source.sourceId !== undefined) out.sourceId = v.source.sourceId;
  if (v.source.updatedByUserId !== undefined) out.updatedByUserId = v.source.updatedByUserId;
  return out;
}
