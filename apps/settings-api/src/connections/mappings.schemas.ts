import {
  FieldMapping,
  HubSpotPropertyType,
  SalesforceFieldType,
  SyncRule,
  ValueTransform,
} from '@crm-sync/domain';
import { z } from 'zod';
import { ConnectionId } from './connection.schemas.js';
import { HubSpotPropertyName } from './settings.schemas.js';
import { JobView } from '../jobs/job.schemas.js';

const MAX_VALUE_MAP_ENTRIES = 2000;

/**
 * Value-map keys become document keys in the sync engine's store, where MongoDB refuses a `.` or
 * a leading `$`: refused here with a clear message instead of stalling the engine later. Keys are
 * checked in a refinement (not a key schema) so the message names the key's problem, not just
 * "invalid key".
 */
const valueTable = z.record(z.string(), z.string().min(1).max(255)).superRefine((table, ctx) => {
  const keys = Object.keys(table);
  if (keys.length > MAX_VALUE_MAP_ENTRIES) {
    ctx.addIssue({
      code: 'custom',
      message: `at most ${MAX_VALUE_MAP_ENTRIES} values per direction`,
    });
  }
  for (const key of keys.slice(0, MAX_VALUE_MAP_ENTRIES)) {
    const problem =
      key.length === 0 || key.length > 255
        ? 'a value-map key has 1 to 255 characters'
        : key.includes('.') || key.startsWith('$')
          ? 'a value-map key cannot contain "." or start with "$" (sync engine storage limit)'
          : undefined;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

export const SalesforceFieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'a Salesforce field API name (letters, digits, "_")');

/** The domain's `FieldMapping`, with bounds for input from the network. */
export const FieldMappingInput = z
  .strictObject({
    hubspotProperty: HubSpotPropertyName,
    hubspotType: HubSpotPropertyType,
    salesforceField: SalesforceFieldName,
    salesforceType: SalesforceFieldType,
    rule: SyncRule,
    valueMap: z
      .strictObject({ hubspotToSalesforce: valueTable, salesforceToHubspot: valueTable })
      .optional(),
    transform: ValueTransform.optional(),
  })
  .meta({
    examples: [
      {
        hubspotProperty: 'description',
        hubspotType: 'string',
        salesforceField: 'Description',
        salesforceType: 'textarea',
        rule: 'two_way',
      },
    ],
  });

const applyToExisting = z.boolean().default(false).meta({
  description:
    'Also rewrite existing records with the new mappings: starts a mass sync job (R5), capped at the massSyncLimit setting.',
});

export const PutMappingsBody = z
  .strictObject({ mappings: z.array(FieldMappingInput).max(300), applyToExisting })
  .meta({
    examples: [
      {
        mappings: [
          {
            hubspotProperty: 'name',
            hubspotType: 'string',
            salesforceField: 'Name',
            salesforceType: 'string',
            rule: 'prefer_salesforce_unless_blank',
          },
        ],
        applyToExisting: false,
      },
    ],
  });
export type PutMappingsBody = z.output<typeof PutMappingsBody>;

export const AddMappingBody = z.strictObject({ mapping: FieldMappingInput, applyToExisting }).meta({
  examples: [
    {
      mapping: {
        hubspotProperty: 'description',
        hubspotType: 'string',
        salesforceField: 'Description',
        salesforceType: 'textarea',
        rule: 'two_way',
      },
      applyToExisting: true,
    },
  ],
});
export type AddMappingBody = z.output<typeof AddMappingBody>;

export const MappingParams = z.strictObject({
  connectionId: ConnectionId,
  hubspotProperty: HubSpotPropertyName.meta({ examples: ['description'] }),
});
export type MappingParams = z.output<typeof MappingParams>;

export const MappingsView = z.object({
  connectionId: z.string(),
  revision: z.number().int(),
  syncCompanies: z.boolean(),
  mappings: z.array(FieldMapping),
});
export type MappingsView = z.infer<typeof MappingsView>;

export const MappingsChangeView = MappingsView.extend({
  changed: z.boolean(),
  massSyncJob: JobView.nullable(),
});
