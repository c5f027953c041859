import { z } from 'zod';

/** HubSpot property `type` values (fields.md §2). */
export const HubSpotPropertyType = z.enum([
  'string',
  'number',
  'date',
  'datetime',
  'enumeration',
  'bool',
  'phone_number',
]);
export type HubSpotPropertyType = z.infer<typeof HubSpotPropertyType>;

/** Salesforce describe `type` values a mapping may use. */
export const SalesforceFieldType = z.enum([
  'string',
  'textarea',
  'url',
  'phone',
  'email',
  'picklist',
  'multipicklist',
  'double',
  'int',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'reference',
  'id',
]);
export type SalesforceFieldType = z.infer<typeof SalesforceFieldType>;

/** Semantics in SPEC R9; `rules/field-merge.ts` implements them. */
export const SyncRule = z.enum([
  'prefer_salesforce_unless_blank',
  'always_use_salesforce',
  'two_way',
  'dont_sync',
]);
export type SyncRule = z.infer<typeof SyncRule>;

/**
 * Enumeration ↔ picklist values, one table per direction because the lists differ in size (HubSpot
 * has 147 industries, Salesforce 32): many HubSpot values may map to one Salesforce value. A value
 * without an entry is a property-value error, never dropped.
 */
export const ValueMap = z.object({
  hubspotToSalesforce: z.record(z.string(), z.string()),
  salesforceToHubspot: z.record(z.string(), z.string()),
});
export type ValueMap = z.infer<typeof ValueMap>;

/**
 * `url_host`: HubSpot `domain` holds a bare host while Salesforce `Website` holds a URL; towards
 * HubSpot the URL is reduced to its host (`normaliseWebsiteHost`), towards Salesforce the host is
 * written as is.
 */
export const ValueTransform = z.enum(['url_host']);
export type ValueTransform = z.infer<typeof ValueTransform>;

/** One HubSpot company property ↔ one Salesforce Account field. */
export const FieldMapping = z.object({
  hubspotProperty: z.string().min(1),
  hubspotType: HubSpotPropertyType,
  salesforceField: z.string().min(1),
  salesforceType: SalesforceFieldType,
  rule: SyncRule,
  valueMap: ValueMap.optional(),
  transform: ValueTransform.optional(),
});
export type FieldMapping = z.infer<typeof FieldMapping>;

export const MappingSet = z.array(FieldMapping);
export type MappingSet = z.infer<typeof MappingSet>;
