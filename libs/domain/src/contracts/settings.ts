import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * One filter on a HubSpot contact property. String comparisons ignore case, as HubSpot's list
 * filters do. A multi-select value (`a;b`) matches `eq`/`in` when any of its parts matches.
 */
export const InclusionFilter = z.discriminatedUnion('operator', [
  z.object({
    property: z.string().min(1),
    operator: z.enum(['eq', 'neq', 'contains', 'not_contains']),
    value: z.string(),
  }),
  z.object({
    property: z.string().min(1),
    operator: z.enum(['in', 'not_in']),
    values: z.array(z.string()).min(1),
  }),
  z.object({ property: z.string().min(1), operator: z.enum(['has_property', 'not_has_property']) }),
]);
export type InclusionFilter = z.infer<typeof InclusionFilter>;

/** A contact qualifies when it matches every filter of at least one group (OR of ANDs). */
export const InclusionList = z.object({
  groups: z.array(z.object({ filters: z.array(InclusionFilter).min(1) })).min(1),
});
export type InclusionList = z.infer<typeof InclusionList>;

/** Shares of each CRM's API allowance this engine may spend (0..1]; live changes go first. */
export const ApiBudget = z.object({
  salesforceDailyShare: z.number().gt(0).max(1).default(0.5),
  salesforceMaxConcurrency: z.number().int().positive().default(10),
  hubspotDailyShare: z.number().gt(0).max(1).default(0.5),
  hubspotBurstShare: z.number().gt(0).max(1).default(0.8),
  /** Share of the budget backfill (imports, mass syncs) may use; the rest is kept for live changes. */
  backfillShare: z.number().gt(0).max(1).default(0.5),
});
export type ApiBudget = z.infer<typeof ApiBudget>;

export const DEFAULT_MASS_SYNC_LIMIT = 200_000;

/**
 * Per-connection settings. Parse with `ConnectionSettings.parse` to get the defaults. Company sync
 * is off until turned on (`enableCompanySync`), which records `syncEnabledAt` (R1, R3).
 */
export const ConnectionSettings = z
  .object({
    connectionId: z.string().min(1),
    syncCompanies: z.boolean().default(false),
    syncEnabledAt: IsoDateTime.nullable().default(null),
    /** HubSpot's "create and associate companies with contacts" is on in the portal (R6 a). */
    createAndAssociateCompaniesWithContacts: z.boolean().default(false),
    /** What an unlinked HubSpot contact will sync as; it counts as syncing with it already (R6). */
    defaultSalesforceObjectForNewContacts: z.enum(['Contact', 'Lead']).default('Lead'),
    /** null: every contact qualifies. */
    inclusionList: InclusionList.nullable().default(null),
    lifecycleRollup: z.boolean().default(true),
    /** `record_only`: a delete marks the link only (default, safe); `propagate`: delete the other side. */
    deletePolicy: z.enum(['record_only', 'propagate']).default('record_only'),
    massSyncLimit: z.number().int().positive().default(DEFAULT_MASS_SYNC_LIMIT),
    /** Salesforce Account external-id field holding the HubSpot company id. */
    salesforceExternalIdField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*__c$/)
      .default('HubSpot_Company_Id__c'),
    apiBudget: ApiBudget.default(ApiBudget.parse({})),
  })
  .superRefine((s, ctx) => {
    if (s.syncCompanies && s.syncEnabledAt === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['syncEnabledAt'],
        message: 'syncEnabledAt is required while syncCompanies is on',
      });
    }
  });
export type ConnectionSettings = z.infer<typeof ConnectionSettings>;
export type ConnectionSettingsInput = z.input<typeof ConnectionSettings>;

/** Turns company sync on at `now` (R1); already on → unchanged, so `syncEnabledAt` keeps its first value. */
export function enableCompanySync(
  settings: ConnectionSettings,
  now: IsoDateTime,
): ConnectionSettings {
  if (settings.syncCompanies) return settings;
  return { ...settings, syncCompanies: true, syncEnabledAt: now };
}

/**
 * Turns company sync off. `syncEnabledAt` is cleared: turning it on again starts a new period and
 * accounts from the gap sync when they change or are imported, like any account from before (R3).
 */
export function disableCompanySync(settings: ConnectionSettings): ConnectionSettings {
  return { ...settings, syncCompanies: false, syncEnabledAt: null };
}
