import type { FieldMapping } from '../contracts/mappings.js';
import type { ConnectionSettings } from '../contracts/settings.js';
import { checkTypeCompatibility } from './type-compatibility.js';

/** HubSpot properties the engine owns (links, ids): no mapping may write them. */
export const RESERVED_HUBSPOT_PROPERTIES: readonly string[] = [
  'salesforceaccountid',
  'hs_object_id',
  'lifecyclestage',
];
/** Salesforce fields the engine owns; the external-id field is added from the settings. */
export const RESERVED_SALESFORCE_FIELDS: readonly string[] = ['Id'];

export interface MappingProblem {
  /** Index in the submitted list. */
  readonly index: number;
  readonly code:
    | 'INCOMPATIBLE_TYPES'
    | 'DUPLICATE_PROPERTY'
    | 'DUPLICATE_FIELD'
    | 'RESERVED'
    | 'TRANSFORM_NOT_ALLOWED';
  readonly message: string;
}

export type MappingSetCheck =
  { readonly ok: true } | { readonly ok: false; readonly problems: readonly MappingProblem[] };

/**
 * Checks a whole mapping set and reports every problem at once: one-to-one (a property or a field
 * takes part in at most one mapping), type compatibility, engine-owned fields. `lifecyclestage` is
 * reserved because R7 owns it.
 */
export function validateMappingSet(
  mappings: readonly FieldMapping[],
  settings: Pick<ConnectionSettings, 'salesforceExternalIdField'>,
): MappingSetCheck {
  const problems: MappingProblem[] = [];
  const properties = new Map<string, number>();
  const fields = new Map<string, number>();
  const reservedFields = [...RESERVED_SALESFORCE_FIELDS, settings.salesforceExternalIdField];
  mappings.forEach((m, index) => {
    const compatible = checkTypeCompatibility(m);
    if (!compatible.ok)
      problems.push({ index, code: 'INCOMPATIBLE_TYPES', message: compatible.message });
    if (m.transform === 'url_host' && (m.hubspotType !== 'string' || m.salesforceType !== 'url')) {
      problems.push({
        index,
        code: 'TRANSFORM_NOT_ALLOWED',
        message: `url_host applies to a string property and a url field only ("${m.hubspotProperty}" ↔ "${m.salesforceField}")`,
      });
    }
    if (
      RESERVED_HUBSPOT_PROPERTIES.includes(m.hubspotProperty) ||
      reservedFields.includes(m.salesforceField)
    ) {
      problems.push({
        index,
        code: 'RESERVED',
        message: `"${m.hubspotProperty}" ↔ "${m.salesforceField}" uses a property or field the sync engine manages itself`,
      });
    }
    const property = m.hubspotProperty.toLowerCase();
    const seenProperty = properties.get(property);
    if (seenProperty === undefined) properties.set(property, index);
    else
      problems.push({
        index,
        code: 'DUPLICATE_PROPERTY',
        message: `HubSpot property "${m.hubspotProperty}" is already mapped (mapping ${seenProperty + 1})`,
      });
    // Salesforce API names are case-insensitive.
    const field = m.salesforceField.toLowerCase();
    const seenField = fields.get(field);
    if (seenField === undefined) fields.set(field, index);
    else
      problems.push({
        index,
        code: 'DUPLICATE_FIELD',
        message: `Salesforce field "${m.salesforceField}" is already mapped (mapping ${seenField + 1})`,
      });
  });
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}
