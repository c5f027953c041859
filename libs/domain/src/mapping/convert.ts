import type { HubSpotValue, SalesforceValue } from '../contracts/common.js';
import type { FieldMapping, SalesforceFieldType } from '../contracts/mappings.js';
import { syncErrorData, type SyncErrorData } from '../errors/sync-error.js';
import { normaliseWebsiteHost } from '../rules/website-host.js';

/** A converted value, or the property-value error to record (a value is never dropped silently). */
export type Conversion<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SyncErrorData };

type MappingTypes = Pick<
  FieldMapping,
  | 'hubspotProperty'
  | 'hubspotType'
  | 'salesforceField'
  | 'salesforceType'
  | 'valueMap'
  | 'transform'
>;

/** null, undefined, '' and whitespace-only are "blank" on both sides (R9's blank/cleared). */
export function isBlank(value: SalesforceValue | undefined): boolean {
  return (
    value === null || value === undefined || (typeof value === 'string' && value.trim() === '')
  );
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^-?\d{1,16}$/;
const NUMERIC_SF: readonly SalesforceFieldType[] = ['double', 'int', 'currency', 'percent'];

function ok<T>(value: T): Conversion<T> {
  return { ok: true, value };
}

function fail(m: MappingTypes, code: string, detail: string, field: string): Conversion<never> {
  return {
    ok: false,
    error: syncErrorData(
      code,
      'property_value',
      `${m.hubspotProperty} ↔ ${m.salesforceField}: ${detail}`,
      { field },
    ),
  };
}

/** Epoch milliseconds of a date/datetime given as ISO text or as epoch-ms text (HubSpot). */
function instant(value: string): number | undefined {
  const t = value.trim();
  if (EPOCH_MS.test(t)) return Number(t);
  if (DATE.test(t)) return Date.parse(`${t}T00:00:00Z`);
  const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function mapEnum(
  m: MappingTypes,
  raw: string,
  table: Readonly<Record<string, string>>,
  multi: boolean,
  field: string,
): Conversion<string> {
  const parts = multi
    ? raw
        .split(';')
        .map((p) => p.trim())
        .filter((p) => p !== '')
    : [raw.trim()];
  const out: string[] = [];
  for (const p of parts) {
    const mapped = table[p];
    if (mapped === undefined)
      return fail(m, 'VALUE_NOT_IN_VALUE_MAP', `value "${p}" has no entry in the value map`, field);
    out.push(mapped);
  }
  return ok(out.join(';'));
}

/** A HubSpot property value converted for the mapped Salesforce field (blank → null). */
export function toSalesforceValue(
  m: MappingTypes,
  value: HubSpotValue | undefined,
): Conversion<SalesforceValue> {
  if (value === null || value === undefined || value.trim() === '') return ok(null);
  const v = value.trim();
  const field = m.salesforceField;
  switch (m.salesforceType) {
    case 'double':
    case 'int':
    case 'currency':
    case 'percent': {
      if (!NUMBER.test(v)) return fail(m, 'INVALID_NUMBER', `"${v}" is not a number`, field);
      const n = Number(v);
      if (m.salesforceType === 'int' && !Number.isInteger(n)) {
        return fail(m, 'NOT_AN_INTEGER', `"${v}" is not a whole number`, field);
      }
      return ok(n);
    }
    case 'boolean': {
      const b = v.toLowerCase();
      if (b !== 'true' && b !== 'false')
        return fail(m, 'INVALID_BOOLEAN', `"${v}" is not true or false`, field);
      return ok(b === 'true');
    }
    case 'date':
    case 'datetime': {
      const ms = instant(v);
      if (ms === undefined) return fail(m, 'INVALID_DATE', `"${v}" is not a date`, field);
      return ok(m.salesforceType === 'date' ? isoDate(ms) : new Date(ms).toISOString());
    }
    case 'picklist':
    case 'multipicklist':
      return mapEnum(
        m,
        v,
        m.valueMap?.hubspotToSalesforce ?? {},
        m.salesforceType === 'multipicklist',
        field,
      );
    default:
      // Text keeps its surrounding spaces: only blank-ness is judged on trimmed text.
      return ok(value);
  }
}

/** A Salesforce field value converted for the mapped HubSpot property (blank → null). */
export function toHubSpotValue(
  m: MappingTypes,
  value: SalesforceValue | undefined,
): Conversion<HubSpotValue> {
  if (isBlank(value)) return ok(null);
  const field = m.hubspotProperty;
  const text = String(value);
  switch (m.hubspotType) {
    case 'number': {
      const n =
        typeof value === 'number' ? value : NUMBER.test(text.trim()) ? Number(text) : Number.NaN;
      return Number.isFinite(n)
        ? ok(String(n))
        : fail(m, 'INVALID_NUMBER', `"${text}" is not a number`, field);
    }
    case 'bool':
      if (typeof value === 'boolean') return ok(String(value));
      return /^(true|false)$/i.test(text)
        ? ok(text.toLowerCase())
        : fail(m, 'INVALID_BOOLEAN', `"${text}" is not true or false`, field);
    case 'date':
    case 'datetime': {
      const ms = instant(text);
      if (ms === undefined) return fail(m, 'INVALID_DATE', `"${text}" is not a date`, field);
      return ok(m.hubspotType === 'date' ? isoDate(ms) : new Date(ms).toISOString());
    }
    case 'enumeration':
      return mapEnum(
        m,
        text,
        m.valueMap?.salesforceToHubspot ?? {},
        m.salesforceType === 'multipicklist',
        field,
      );
    default: {
      if (m.transform !== 'url_host') return ok(text);
      const host = normaliseWebsiteHost(text);
      return host === null
        ? fail(m, 'INVALID_WEBSITE', `"${text}" has no usable host name`, field)
        : ok(host);
    }
  }
}

function salesforceCanonical(type: SalesforceFieldType, v: SalesforceValue): string {
  if (NUMERIC_SF.includes(type)) return String(Number(v));
  if (type === 'datetime') return String(instant(String(v)));
  if (type === 'multipicklist')
    return String(v)
      .split(';')
      .map((p) => p.trim())
      .sort()
      .join(';');
  return String(v);
}

function hubspotCanonical(m: MappingTypes, v: string): string {
  switch (m.hubspotType) {
    case 'number':
      return String(Number(v));
    case 'date':
    case 'datetime':
      return String(instant(v));
    case 'bool':
      return v.toLowerCase();
    case 'enumeration':
      return v
        .split(';')
        .map((p) => p.trim())
        .sort()
        .join(';');
    default:
      return m.transform === 'url_host' ? (normaliseWebsiteHost(v) ?? v) : v;
  }
}

/**
 * Do the two sides already hold the same value for this mapping? Compared in Salesforce terms and
 * in HubSpot terms: with a many-to-one value map (147 HubSpot industries onto 32 picklist values)
 * `COMPUTER_SOFTWARE` and `Technology` are the same in Salesforce terms, and writing either way
 * would lose information or start a ping-pong.
 */
export function sameValue(
  m: MappingTypes,
  salesforce: SalesforceValue | undefined,
  hubspot: HubSpotValue | undefined,
): boolean {
  const sfBlank = isBlank(salesforce);
  const hsBlank = isBlank(hubspot);
  if (sfBlank || hsBlank || salesforce === undefined || hubspot === undefined || hubspot === null) {
    return sfBlank && hsBlank;
  }
  const asSalesforce = toSalesforceValue(m, hubspot);
  if (asSalesforce.ok && asSalesforce.value !== null) {
    if (
      salesforceCanonical(m.salesforceType, asSalesforce.value) ===
      salesforceCanonical(m.salesforceType, salesforce)
    ) {
      return true;
    }
  }
  const asHubSpot = toHubSpotValue(m, salesforce);
  return (
    asHubSpot.ok &&
    asHubSpot.value !== null &&
    hubspotCanonical(m, asHubSpot.value) === hubspotCanonical(m, hubspot)
  );
}
