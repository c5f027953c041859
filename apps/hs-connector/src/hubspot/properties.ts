import { DEFAULT_FIELD_MAPPINGS } from '@crm-sync/domain';
import type { ObjectType } from './hubspot-api.port.js';

/**
 * What sync-rules needs of a company besides the mapped properties: the link, dedupe (R4),
 * lifecycle (R7), the auto-create marker (R6 a), merges and the version.
 */
const COMPANY_BASE = [
  'salesforceaccountid',
  'domain',
  'hs_additional_domains',
  'lifecyclestage',
  'hs_object_source',
  'hs_object_source_detail_1',
  'hs_merged_object_ids',
  'createdate',
  'hs_lastmodifieddate',
];

/** A contact's link (who it syncs with, R6), lifecycle (R7), inclusion basics and version. */
const CONTACT_BASE = [
  'email',
  'firstname',
  'lastname',
  'lifecyclestage',
  'salesforcecontactid',
  'salesforceleadid',
  'associatedcompanyid',
  'hs_merged_object_ids',
  'createdate',
  'lastmodifieddate',
  'hs_lastmodifieddate',
];

/** Read without history: values that never feed "newest wins". */
const NO_HISTORY = new Set([
  'hs_merged_object_ids',
  'createdate',
  'hs_lastmodifieddate',
  'lastmodifieddate',
]);

export interface PropertySet {
  /** Every property read. */
  readonly all: readonly string[];
  /** Those read with their history (`propertiesWithHistory`), for `propertyChangedAt`. */
  readonly history: readonly string[];
}

/**
 * The properties read for each object: the built-in lists, every HubSpot property of the
 * default mappings, and the deployment's extras (custom mapped properties, inclusion-list
 * properties), de-duplicated.
 */
export function propertySets(extra: {
  readonly companies: readonly string[];
  readonly contacts: readonly string[];
}): Readonly<Record<ObjectType, PropertySet>> {
  const mapped = DEFAULT_FIELD_MAPPINGS.map((m) => m.hubspotProperty);
  const make = (names: readonly string[]): PropertySet => {
    const all = [...new Set(names)];
    return { all, history: all.filter((n) => !NO_HISTORY.has(n)) };
  };
  return {
    companies: make([...COMPANY_BASE, ...mapped, ...extra.companies]),
    contacts: make([...CONTACT_BASE, ...extra.contacts]),
  };
}
