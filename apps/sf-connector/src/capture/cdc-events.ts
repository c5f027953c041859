import {
  exactParser,
  type SalesforceFields,
  type SalesforceObject,
  type SalesforceValue,
} from '@crm-sync/domain';
import { z } from 'zod';
import type { CapturedChange } from './change-events.js';
import { parseSalesforceTime } from './records.js';

/** What a Change Data Capture message looks like on `/data/ChangeEvents` (the parts we read). */
const CdcMessage = z.object({
  payload: z.looseObject({
    ChangeEventHeader: z.object({
      entityName: z.string(),
      recordIds: z.array(z.string()).min(1),
      changeType: z.string(),
      changeOrigin: z.string().optional(),
      commitTimestamp: z.number(),
      changedFields: z.array(z.string()).default([]),
      nulledFields: z.array(z.string()).default([]),
    }),
  }),
  event: z.object({ replayId: z.number().int() }),
});

const CHANGE_TYPES = {
  CREATE: 'created',
  UPDATE: 'updated',
  DELETE: 'deleted',
  UNDELETE: 'undeleted',
} as const;

/**
 * One CDC message, read: its changes (one per record id), or why it carries none. Gap and
 * overflow events (`GAP_*`, `*_OVERFLOW`) say "something changed, read it yourself": polling
 * does that anyway, so they produce no change here.
 */
export type CdcReading =
  | { readonly kind: 'changes'; readonly replayId: number; readonly changes: CdcChange[] }
  | { readonly kind: 'ignored'; readonly replayId: number; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const parseCdcMessage = exactParser(CdcMessage);

/**
 * A change from CDC. `createdDate` is missing on updates (CDC does not send it; the pump reads
 * it); `version` is the record's LastModifiedDate, which polling will see as SystemModstamp.
 */
export type CdcChange = Omit<CapturedChange, 'createdDate'> & {
  readonly createdDate: number | undefined;
  readonly version: number | undefined;
};

export function readCdcMessage(message: unknown, objects: readonly SalesforceObject[]): CdcReading {
  const parsed = parseCdcMessage(message);
  if (!parsed.success) return { kind: 'invalid', reason: z.prettifyError(parsed.error) };
  const { payload, event } = parsed.data;
  const header = payload.ChangeEventHeader;
  const object = objects.find((o) => o === header.entityName);
  if (object === undefined) {
    return {
      kind: 'ignored',
      replayId: event.replayId,
      reason: `entity ${header.entityName} not captured`,
    };
  }
  const changeType = CHANGE_TYPES[header.changeType as keyof typeof CHANGE_TYPES] as
    (typeof CHANGE_TYPES)[keyof typeof CHANGE_TYPES] | undefined;
  if (changeType === undefined) {
    return {
      kind: 'ignored',
      replayId: event.replayId,
      reason: `change type ${header.changeType} (polling covers it)`,
    };
  }
  const { ChangeEventHeader: _header, ...values } = payload;
  const fields = flattenCdcFields(values);
  for (const nulled of header.nulledFields) fields[flatFieldName(nulled)] = null;
  const changedFields =
    changeType === 'updated'
      ? [...new Set(header.changedFields.map(flatFieldName))]
      : Object.keys(fields);
  const created = parseSalesforceTime(fields['CreatedDate']);
  const modified = parseSalesforceTime(fields['LastModifiedDate']);
  const changes = header.recordIds.map((recordId): CdcChange => ({
    object,
    recordId,
    changeType,
    fields: changeType === 'deleted' ? {} : fields,
    changedFields: changeType === 'deleted' ? [] : changedFields,
    changedAt: header.commitTimestamp,
    createdDate: Number.isNaN(created) ? undefined : created,
    version: Number.isNaN(modified) ? undefined : modified,
    changeOrigin: header.changeOrigin ?? null,
    capturedBy: 'cdc',
  }));
  return { kind: 'changes', replayId: event.replayId, changes };
}

/**
 * CDC nests compound fields (`BillingAddress: { City }`, `Name: { FirstName }`); records and our
 * contracts use the flat component names (`BillingCity`, `FirstName`).
 */
export function flattenCdcFields(
  values: Readonly<Record<string, unknown>>,
): Record<string, SalesforceValue> {
  const out: Record<string, SalesforceValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (isScalar(value)) {
      out[name] = value;
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [part, v] of Object.entries(value as Record<string, unknown>)) {
        if (isScalar(v)) out[flatFieldName(`${name}.${part}`)] = v;
      }
    }
  }
  return out;
}

/** `BillingAddress.City` → `BillingCity`, `Address.City` → `City`, `Name.LastName` → `LastName`. */
export function flatFieldName(name: string): string {
  const dot = name.indexOf('.');
  if (dot < 0) return name;
  const compound = name.slice(0, dot);
  const part = name.slice(dot + 1);
  if (compound === 'Name') return part;
  if (compound.endsWith('Address')) return `${compound.slice(0, -'Address'.length)}${part}`;
  return `${compound}${part}`;
}

function isScalar(v: unknown): v is SalesforceValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** A CDC change completed with its CreatedDate, ready to publish. */
export function completedCdcChange(
  change: CdcChange,
  createdDate: number | undefined,
): CapturedChange {
  const { version: _v, createdDate: _c, ...rest } = change;
  const created = change.createdDate ?? createdDate;
  return created === undefined ? rest : { ...rest, createdDate: created };
}

export type { SalesforceFields };
