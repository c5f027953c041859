import { z } from 'zod';

/** ISO-8601 instant with an offset (`Z` or `+02:00`); every time in a contract uses it. */
export const IsoDateTime = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof IsoDateTime>;

/** A Salesforce record Id; the API returns 18 characters, people paste 15. */
export const SalesforceId = z
  .string()
  .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce Id');
export type SalesforceId = z.infer<typeof SalesforceId>;

/** A HubSpot record id: digits, sent as a string by the v3 API. */
export const HubSpotId = z.string().regex(/^[1-9][0-9]{0,19}$/, 'not a HubSpot record id');
export type HubSpotId = z.infer<typeof HubSpotId>;

export const CrmSystem = z.enum(['salesforce', 'hubspot']);
export type CrmSystem = z.infer<typeof CrmSystem>;

export const SalesforceObject = z.enum(['Account', 'Contact', 'Lead']);
export type SalesforceObject = z.infer<typeof SalesforceObject>;

export const HubSpotObject = z.enum(['company', 'contact']);
export type HubSpotObject = z.infer<typeof HubSpotObject>;

/**
 * A Salesforce field value as the REST API returns it in JSON. Compound fields (addresses) are
 * not synced; their parts (BillingCity …) are.
 */
export const SalesforceValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type SalesforceValue = z.infer<typeof SalesforceValue>;

/** HubSpot property values always travel as strings; `null` or `''` mean empty. */
export const HubSpotValue = z.union([z.string(), z.null()]);
export type HubSpotValue = z.infer<typeof HubSpotValue>;

/** Field/property name → value. */
export const SalesforceFields = z.record(z.string().min(1), SalesforceValue);
export type SalesforceFields = z.infer<typeof SalesforceFields>;
export const HubSpotProperties = z.record(z.string().min(1), HubSpotValue);
export type HubSpotProperties = z.infer<typeof HubSpotProperties>;

/**
 * How a change reached us; polling carries no origin marks, which matters for echo detection.
 * `replay`: re-published from our own latest-state topic (no CRM read). `write`: our own write,
 * as the CRM's answer to it stored it (the echo, known without reading the record back).
 */
export const CaptureMethod = z.enum([
  'cdc',
  'poll',
  'webhook',
  'import',
  'manual',
  'replay',
  'write',
]);
export type CaptureMethod = z.infer<typeof CaptureMethod>;
