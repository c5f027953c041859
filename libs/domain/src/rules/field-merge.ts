import type {
  HubSpotProperties,
  HubSpotValue,
  IsoDateTime,
  SalesforceFields,
  SalesforceValue,
} from '../contracts/common.js';
import type { ReasonCode } from '../contracts/decisions.js';
import type { FieldMapping } from '../contracts/mappings.js';
import type { SyncErrorData } from '../errors/sync-error.js';
import { isBlank, sameValue, toHubSpotValue, toSalesforceValue } from '../mapping/convert.js';

/**
 * One side of a linked pair as the sync-rules service knows it.
 * - `values`: current values of the mapped fields (a missing key means "unknown", never "blank":
 *   the rule then refuses to decide that field rather than overwrite real data);
 * - `changedAt`: per field, when it last changed (HubSpot property timestamps; for Salesforce the
 *   commit time/SystemModstamp of the last event whose changedFields held it);
 * - `changed`: fields changed by the event being handled (empty for the other side).
 */
export interface SideState<V> {
  readonly values: Readonly<Record<string, V>>;
  readonly changedAt: Readonly<Record<string, IsoDateTime>>;
  readonly changed: readonly string[];
}

interface OutcomeBase {
  readonly hubspotProperty: string;
  readonly salesforceField: string;
  readonly reason: ReasonCode;
}

/** What R9 decided for one mapping. */
export type FieldOutcome =
  | (OutcomeBase & { readonly kind: 'write_salesforce'; readonly value: SalesforceValue })
  | (OutcomeBase & { readonly kind: 'write_hubspot'; readonly value: HubSpotValue })
  | (OutcomeBase & { readonly kind: 'skip' })
  | (OutcomeBase & { readonly kind: 'error'; readonly error: SyncErrorData });

export interface FieldMergeResult {
  readonly outcomes: readonly FieldOutcome[];
  /** Writes collected per side, ready for an update command (empty object: nothing to write). */
  readonly salesforce: SalesforceFields;
  readonly hubspot: HubSpotProperties;
  /** Property-value errors to record on the record. */
  readonly errors: readonly SyncErrorData[];
}

type Winner =
  | { readonly side: 'salesforce' | 'hubspot'; readonly reason: ReasonCode }
  | { readonly side: 'none'; readonly reason: ReasonCode };

function time(iso: string | undefined): number {
  return iso === undefined ? Number.NEGATIVE_INFINITY : Date.parse(iso);
}

/**
 * Which side's value should both sides hold (SPEC R9)? Salesforce-preferring rules let a changed
 * Salesforce value (blank included: a clearing) overwrite; when only HubSpot changed, a non-blank
 * Salesforce value still wins (and restores HubSpot), a blank one lets HubSpot's value through
 * for `prefer_salesforce_unless_blank` only. `two_way`: newest change time wins, ties go to
 * Salesforce, blanks propagate like any value.
 */
function winnerOf(
  m: FieldMapping,
  rule: Exclude<FieldMapping['rule'], 'dont_sync'>,
  s: SalesforceValue,
  h: HubSpotValue,
  sfChanged: boolean,
  sf: SideState<SalesforceValue>,
  hs: SideState<HubSpotValue>,
): Winner {
  switch (rule) {
    case 'always_use_salesforce':
    case 'prefer_salesforce_unless_blank': {
      if (sfChanged)
        return {
          side: 'salesforce',
          reason: isBlank(s) ? 'CLEARED_IN_SALESFORCE' : 'SALESFORCE_VALUE_OVERWRITES',
        };
      if (!isBlank(s)) {
        return {
          side: 'salesforce',
          reason:
            rule === 'always_use_salesforce'
              ? 'SALESFORCE_VALUE_OVERWRITES'
              : 'SALESFORCE_FIELD_NOT_BLANK',
        };
      }
      if (rule === 'always_use_salesforce')
        return { side: 'none', reason: 'RULE_ALWAYS_USE_SALESFORCE' };
      return isBlank(h)
        ? { side: 'none', reason: 'CLEARING_NOT_PROPAGATED' }
        : { side: 'hubspot', reason: 'SALESFORCE_FIELD_BLANK' };
    }
    case 'two_way': {
      const ts = time(sf.changedAt[m.salesforceField]);
      const th = time(hs.changedAt[m.hubspotProperty]);
      if (ts > th) return { side: 'salesforce', reason: 'NEWER_IN_SALESFORCE' };
      if (th > ts) return { side: 'hubspot', reason: 'NEWER_IN_HUBSPOT' };
      return { side: 'salesforce', reason: 'TIE_GOES_TO_SALESFORCE' };
    }
  }
}

/** R9 for one mapping. */
export function mergeField(
  m: FieldMapping,
  sf: SideState<SalesforceValue>,
  hs: SideState<HubSpotValue>,
): FieldOutcome {
  const names = { hubspotProperty: m.hubspotProperty, salesforceField: m.salesforceField };
  const rule = m.rule;
  if (rule === 'dont_sync') return { ...names, kind: 'skip', reason: 'RULE_DONT_SYNC' };
  const sfChanged = sf.changed.includes(m.salesforceField);
  const hsChanged = hs.changed.includes(m.hubspotProperty);
  if (!sfChanged && !hsChanged) return { ...names, kind: 'skip', reason: 'NOT_CHANGED' };
  const s = sf.values[m.salesforceField];
  const h = hs.values[m.hubspotProperty];
  // A value never seen (the field was not mapped when its record last changed) may decide only
  // where it cannot matter: Salesforce's value wins under a Salesforce rule whatever HubSpot holds.
  const salesforceWinsAnyway = rule !== 'two_way' && (sfChanged || !isBlank(s));
  if (s === undefined || (h === undefined && !salesforceWinsAnyway))
    return { ...names, kind: 'skip', reason: 'VALUE_UNKNOWN' };
  const winner = winnerOf(m, rule, s, h ?? null, sfChanged, sf, hs);
  if (winner.side === 'none') return { ...names, kind: 'skip', reason: winner.reason };
  if (h !== undefined && sameValue(m, s, h))
    return { ...names, kind: 'skip', reason: 'VALUES_EQUAL' };
  if (winner.side === 'salesforce') {
    const converted = toHubSpotValue(m, s);
    return converted.ok
      ? { ...names, kind: 'write_hubspot', value: converted.value, reason: winner.reason }
      : { ...names, kind: 'error', error: converted.error, reason: 'PROPERTY_VALUE_ERROR' };
  }
  const converted = toSalesforceValue(m, h ?? null);
  return converted.ok
    ? { ...names, kind: 'write_salesforce', value: converted.value, reason: winner.reason }
    : { ...names, kind: 'error', error: converted.error, reason: 'PROPERTY_VALUE_ERROR' };
}

/** R9 for every mapping of a linked pair; see `SideState` for what the caller must supply. */
export function mergeFields(input: {
  readonly mappings: readonly FieldMapping[];
  readonly salesforce: SideState<SalesforceValue>;
  readonly hubspot: SideState<HubSpotValue>;
}): FieldMergeResult {
  const outcomes = input.mappings.map((m) => mergeField(m, input.salesforce, input.hubspot));
  return collect(outcomes);
}

function collect(outcomes: readonly FieldOutcome[]): FieldMergeResult {
  const salesforce: Record<string, SalesforceValue> = {};
  const hubspot: Record<string, HubSpotValue> = {};
  const errors: SyncErrorData[] = [];
  for (const o of outcomes) {
    if (o.kind === 'write_salesforce') salesforce[o.salesforceField] = o.value;
    else if (o.kind === 'write_hubspot') hubspot[o.hubspotProperty] = o.value;
    else if (o.kind === 'error') errors.push(o.error);
  }
  return { outcomes, salesforce, hubspot, errors };
}

/**
 * Values for creating the other side's record from one side (R2 create a company, R6 create an
 * account). Blank or missing values are left out (BLANK_VALUE). Towards Salesforce, `always_use_salesforce` sends nothing
 * ("HubSpot → Salesforce: never"); `dont_sync` never sends.
 */
export function valuesForCreate(input: {
  readonly mappings: readonly FieldMapping[];
  readonly from: 'salesforce' | 'hubspot';
  readonly values: Readonly<Record<string, SalesforceValue>>;
}): FieldMergeResult {
  const outcomes: FieldOutcome[] = [];
  for (const m of input.mappings) {
    const names = { hubspotProperty: m.hubspotProperty, salesforceField: m.salesforceField };
    if (m.rule === 'dont_sync') {
      outcomes.push({ ...names, kind: 'skip', reason: 'RULE_DONT_SYNC' });
      continue;
    }
    if (input.from === 'hubspot' && m.rule === 'always_use_salesforce') {
      outcomes.push({ ...names, kind: 'skip', reason: 'RULE_ALWAYS_USE_SALESFORCE' });
      continue;
    }
    const value = input.values[input.from === 'salesforce' ? m.salesforceField : m.hubspotProperty];
    if (isBlank(value)) {
      outcomes.push({ ...names, kind: 'skip', reason: 'BLANK_VALUE' });
      continue;
    }
    if (input.from === 'salesforce') {
      const c = toHubSpotValue(m, value);
      outcomes.push(
        c.ok
          ? {
              ...names,
              kind: 'write_hubspot',
              value: c.value,
              reason: 'SALESFORCE_VALUE_OVERWRITES',
            }
          : { ...names, kind: 'error', error: c.error, reason: 'PROPERTY_VALUE_ERROR' },
      );
    } else {
      const c = toSalesforceValue(m, typeof value === 'string' ? value : String(value));
      outcomes.push(
        c.ok
          ? { ...names, kind: 'write_salesforce', value: c.value, reason: 'SALESFORCE_FIELD_BLANK' }
          : { ...names, kind: 'error', error: c.error, reason: 'PROPERTY_VALUE_ERROR' },
      );
    }
  }
  return collect(outcomes);
}
