import type {
  FieldMapping,
  HubSpotPropertyType,
  SalesforceFieldType,
} from '../contracts/mappings.js';

/**
 * Which Salesforce field types each HubSpot property type may map to (SPEC R9). `string` also
 * takes url/phone/email because the default set maps domain↔Website and phone↔Phone; Ids and
 * references are never mappable (links are managed by the engine, not by mappings).
 */
export const COMPATIBLE_TYPES: Readonly<
  Record<HubSpotPropertyType, readonly SalesforceFieldType[]>
> = {
  string: ['string', 'textarea', 'url', 'phone', 'email'],
  phone_number: ['phone', 'string'],
  number: ['double', 'int', 'currency', 'percent'],
  enumeration: ['picklist', 'multipicklist'],
  bool: ['boolean'],
  date: ['date', 'datetime'],
  datetime: ['datetime', 'date'],
};

export type CompatibilityCheck =
  { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Is this pair of types mappable? Refusals carry a message the settings UI shows as is. */
export function checkTypeCompatibility(
  mapping: Pick<
    FieldMapping,
    'hubspotProperty' | 'hubspotType' | 'salesforceField' | 'salesforceType' | 'valueMap'
  >,
): CompatibilityCheck {
  const allowed = COMPATIBLE_TYPES[mapping.hubspotType];
  if (!allowed.includes(mapping.salesforceType)) {
    return {
      ok: false,
      message:
        `HubSpot property "${mapping.hubspotProperty}" (${mapping.hubspotType}) cannot map to Salesforce field ` +
        `"${mapping.salesforceField}" (${mapping.salesforceType}): a ${mapping.hubspotType} property maps only to ` +
        `${allowed.join(', ')} fields.`,
    };
  }
  if (mapping.hubspotType === 'enumeration' && mapping.valueMap === undefined) {
    return {
      ok: false,
      message:
        `Mapping "${mapping.hubspotProperty}" ↔ "${mapping.salesforceField}" needs a value map: HubSpot options ` +
        'and Salesforce picklist values are different lists.',
    };
  }
  return { ok: true };
}
