import { ConnectionSettings } from '@crm-sync/domain';
import { z } from 'zod';

/** HubSpot internal property names are lower-case letters, digits and underscores. */
export const HubSpotPropertyName = z
  .string()
  .regex(/^[a-z0-9_]{1,100}$/, 'a HubSpot internal property name: lower-case letters, digits, "_"');

const filterValue = z.string().max(1000);

/** The domain's `InclusionFilter`, with size bounds for input from the network. */
const InclusionFilterInput = z.discriminatedUnion('operator', [
  z.strictObject({
    property: HubSpotPropertyName,
    operator: z.enum(['eq', 'neq', 'contains', 'not_contains']),
    value: filterValue,
  }),
  z.strictObject({
    property: HubSpotPropertyName,
    operator: z.enum(['in', 'not_in']),
    values: z.array(filterValue).min(1).max(500),
  }),
  z.strictObject({
    property: HubSpotPropertyName,
    operator: z.enum(['has_property', 'not_has_property']),
  }),
]);

export const InclusionListInput = z
  .strictObject({
    groups: z
      .array(z.strictObject({ filters: z.array(InclusionFilterInput).min(1).max(50) }))
      .min(1)
      .max(50),
  })
  .meta({ description: 'A contact qualifies when it matches every filter of at least one group.' });

const share = z.number().gt(0).max(1);

export const ApiBudgetInput = z.strictObject({
  salesforceDailyShare: share.optional(),
  salesforceMaxConcurrency: z.number().int().min(1).max(1000).optional(),
  hubspotDailyShare: share.optional(),
  hubspotBurstShare: share.optional(),
  backfillShare: share.optional(),
});

const settingsFields = {
  createAndAssociateCompaniesWithContacts: z.boolean().optional(),
  defaultSalesforceObjectForNewContacts: z.enum(['Contact', 'Lead']).optional(),
  inclusionList: InclusionListInput.nullable().optional(),
  lifecycleRollup: z.boolean().optional(),
  deletePolicy: z.enum(['record_only', 'propagate']).optional(),
  massSyncLimit: z.number().int().min(1).max(100_000_000).optional(),
  salesforceExternalIdField: z
    .string()
    .max(80)
    .regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'a custom field API name ending in "__c"')
    .optional(),
  apiBudget: ApiBudgetInput.optional(),
};

/**
 * PUT: the whole settings; omitted fields take their defaults. `syncCompanies` is required so a
 * replacement never turns company sync off by omission. `syncEnabledAt` is the server's to set.
 */
export const PutSettingsBody = z
  .strictObject({ syncCompanies: z.boolean(), ...settingsFields })
  .meta({
    examples: [
      {
        syncCompanies: true,
        createAndAssociateCompaniesWithContacts: false,
        defaultSalesforceObjectForNewContacts: 'Lead',
        inclusionList: null,
        lifecycleRollup: true,
        deletePolicy: 'record_only',
        massSyncLimit: 200000,
        apiBudget: { hubspotDailyShare: 0.5, backfillShare: 0.5 },
      },
    ],
  });
export type PutSettingsBody = z.output<typeof PutSettingsBody>;

/** PATCH: only the given fields change; `apiBudget` merges field by field. */
export const PatchSettingsBody = z
  .strictObject({ syncCompanies: z.boolean().optional(), ...settingsFields })
  .meta({ examples: [{ syncCompanies: true }] });
export type PatchSettingsBody = z.output<typeof PatchSettingsBody>;

export const SettingsView = z.object({
  connectionId: z.string(),
  revision: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  settings: ConnectionSettings,
});
export type SettingsView = z.infer<typeof SettingsView>;

export const SettingsChangeView = SettingsView.extend({
  changed: z
    .boolean()
    .meta({ description: 'false when the request matched the current settings.' }),
});
