import type { SalesforceFields, SalesforceObject, SalesforceValue } from '@crm-sync/domain';

/**
 * A record as a SOQL query returns it, reduced to what change capture needs. Times are epoch ms
 * (Salesforce answers `2026-11-28T12:00:00.000+0000`; we compare numbers and publish ISO `Z`).
 */
export interface PolledRecord {
  readonly object: SalesforceObject;
  readonly id: string;
  readonly systemModstamp: number;
  readonly createdDate: number;
  readonly isDeleted: boolean;
  /** Set on a record that lost a merge. */
  readonly masterRecordId: string | null;
  /** Scalar field values (compound address/geolocation values are dropped, their parts kept). */
  readonly fields: SalesforceFields;
}

/** Fields every capture query selects whatever the describe says. */
export const REQUIRED_FIELDS = [
  'Id',
  'IsDeleted',
  'MasterRecordId',
  'CreatedDate',
  'SystemModstamp',
] as const;

/** Field types a query can select as plain values (compound and binary ones are left out). */
const UNSELECTABLE_TYPES = new Set(['address', 'location', 'base64', 'complexvalue', 'anyType']);

/** The field list of capture queries: the describe's scalar fields, the required ones first. */
export function selectableFields(
  describe: readonly { readonly name: string; readonly type: string }[],
): string[] {
  const names = describe.filter((f) => !UNSELECTABLE_TYPES.has(f.type)).map((f) => f.name);
  return [...new Set([...REQUIRED_FIELDS, ...names])];
}

/** Salesforce date-time text → epoch ms; NaN when it is not one. */
export function parseSalesforceTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  // `+0000` has no colon, which Date.parse accepts only in some engines: normalise it.
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(normalised);
}

/** ISO-8601 with `Z`, the form every crm-sync contract uses. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** Plain scalar values of a REST record; `attributes` and nested objects are dropped. */
export function scalarFields(raw: Readonly<Record<string, unknown>>): SalesforceFields {
  const out: Record<string, SalesforceValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'attributes') continue;
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Reads the capture fields of a queried record. Returns a reason instead when Salesforce sent
 * something we cannot place in time (a query without the required fields is our bug).
 */
export function polledRecordOf(
  object: SalesforceObject,
  raw: Readonly<Record<string, unknown>>,
): PolledRecord | { readonly invalid: string } {
  const id = raw['Id'];
  const systemModstamp = parseSalesforceTime(raw['SystemModstamp']);
  const createdDate = parseSalesforceTime(raw['CreatedDate']);
  if (typeof id !== 'string' || id.length === 0) return { invalid: 'record without Id' };
  if (Number.isNaN(systemModstamp)) return { invalid: `${id} has no SystemModstamp` };
  if (Number.isNaN(createdDate)) return { invalid: `${id} has no CreatedDate` };
  const master = raw['MasterRecordId'];
  return {
    object,
    id,
    systemModstamp,
    createdDate,
    isDeleted: raw['IsDeleted'] === true,
    masterRecordId: typeof master === 'string' && master.length > 0 ? master : null,
    fields: scalarFields(raw),
  };
}

/** The SOQL of one poll: everything modified since `fromMs`, oldest first, Id breaking ties. */
export function pollQuery(
  object: SalesforceObject,
  fields: readonly string[],
  fromMs: number,
): string {
  return (
    `SELECT ${fields.join(', ')} FROM ${object} WHERE SystemModstamp >= ${isoOf(fromMs)} ` +
    `ORDER BY SystemModstamp ASC, Id ASC`
  );
}

/** The SOQL of one import page: keyset paging on Id, so a stopped import resumes exactly. */
export function importQuery(
  object: SalesforceObject,
  fields: readonly string[],
  after: string | null,
  pageSize: number,
): string {
  const where = after === null ? '' : ` WHERE Id > '${soqlString(after)}'`;
  return `SELECT ${fields.join(', ')} FROM ${object}${where} ORDER BY Id ASC LIMIT ${pageSize}`;
}

/** The SOQL reading given records by Id (manual resyncs, CreatedDate of CDC updates). */
export function byIdsQuery(
  object: SalesforceObject,
  fields: readonly string[],
  ids: readonly string[],
): string {
  const list = ids.map((id) => `'${soqlString(id)}'`).join(', ');
  return `SELECT ${fields.join(', ')} FROM ${object} WHERE Id IN (${list})`;
}

/** Escapes a value for a SOQL string literal. */
export function soqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}
