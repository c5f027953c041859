import {
  ApiBudget,
  CrmSystem,
  HubSpotId,
  RuleId,
  SalesforceId,
  SyncErrorCategory,
} from '@crm-sync/domain';
import { z } from 'zod';
import { ConnectionId } from '../connections/connection.schemas.js';
import { JobView } from '../jobs/job.schemas.js';

export const CompanyParams = z.strictObject({
  connectionId: ConnectionId,
  companyId: HubSpotId.meta({ examples: ['4242'] }),
});
export type CompanyParams = z.output<typeof CompanyParams>;

export const AccountParams = z.strictObject({
  connectionId: ConnectionId,
  accountId: SalesforceId.meta({ examples: ['001000000000001AAA'] }),
});
export type AccountParams = z.output<typeof AccountParams>;

const Reason = z.object({ code: z.string(), text: z.string() });

export const DecisionItem = z.object({
  decidedAt: z.string(),
  record: z.object({ system: CrmSystem, object: z.string(), recordId: z.string() }),
  rule: RuleId,
  kind: z.enum(['create', 'update', 'link', 'delete', 'skip', 'conflict']),
  target: CrmSystem.nullable(),
  reasons: z.array(Reason),
  candidates: z
    .array(z.string())
    .nullable()
    .meta({ description: 'Possible duplicates (conflict).' }),
  causationId: z.string(),
});
export type DecisionItem = z.infer<typeof DecisionItem>;

export const ErrorItem = z.object({
  id: z.string(),
  system: CrmSystem,
  recordId: z.string(),
  code: z.string(),
  category: SyncErrorCategory,
  retriable: z.boolean(),
  message: z.string(),
  field: z.string().nullable(),
  recordIds: z.array(z.string()),
  occurredAt: z.string(),
});
export type ErrorItem = z.infer<typeof ErrorItem>;

export const RecordState = z.enum(['linked', 'failing', 'not_synced', 'unknown']);
export type RecordState = z.infer<typeof RecordState>;

export const RecordStatusView = z.object({
  connectionId: z.string(),
  record: z.object({ system: CrmSystem, object: z.string(), recordId: z.string() }),
  state: RecordState,
  explanation: z.string().meta({ description: 'Why it did (or did not) sync, in plain words.' }),
  link: z
    .object({
      accountId: z.string(),
      companyId: z.string(),
      linkedAt: z.string(),
      via: z.string(),
      deletedOn: CrmSystem.nullable(),
    })
    .nullable(),
  lastSync: DecisionItem.nullable().meta({
    description: 'The latest decision that wrote (create, update, link or delete).',
  }),
  lastChange: z.object({
    salesforce: z
      .string()
      .nullable()
      .meta({ description: 'Latest field change seen on the account.' }),
    hubspot: z
      .string()
      .nullable()
      .meta({ description: 'Latest property change seen on the company.' }),
  }),
  errors: z.array(ErrorItem),
  history: z.array(DecisionItem).meta({ description: 'Newest first (the latest 100).' }),
});
export type RecordStatusView = z.infer<typeof RecordStatusView>;

const LimitUsed = z.object({
  name: z.string().meta({ examples: ['daily', 'ten-secondly', 'search-secondly', 'rate'] }),
  windowMs: z.number().int().meta({ description: 'The rolling window the limit counts in.' }),
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  fraction: z
    .number()
    .nullable()
    .meta({ description: 'used / limit, 4 decimals; null when the limit is 0.' }),
  asOf: z.string().meta({ description: 'The oldest report in the sum.' }),
});

const DailyUsed = z.object({
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  fraction: z.number().nullable(),
  asOf: z.string().meta({ description: 'When the CRM reported it (or the count was taken).' }),
  source: z.enum(['crm', 'counted']).meta({
    description:
      '`crm`: the whole org’s or portal’s day (every client) as the CRM reported it; `counted`: the CRM reports no day (e.g. HubSpot OAuth apps), so this is the engine’s own count since the connectors started.',
  }),
  via: z.string().meta({
    examples: ['Sforce-Limit-Info', '/limits DailyApiRequests', 'X-HubSpot-RateLimit-Daily'],
  }),
});

const CrmBudgetUsed = z.object({
  state: z.enum(['reported', 'stale', 'stopped', 'not_reported']).meta({
    description:
      '`reported`: a connector instance reported within 3 of its report intervals; `stale`: reports exist but are older; `stopped`: the connector shut down; `not_reported`: none ever reported.',
  }),
  reason: z.string().nullable().meta({ description: 'Why `limits` and `daily` are null.' }),
  limits: z.array(LimitUsed).nullable().meta({
    description:
      'Per limit, summed over the running connector instances (each counts its share of the limit).',
  }),
  daily: DailyUsed.nullable(),
  instances: z.number().int().meta({ description: 'Connector instances whose reports count.' }),
  ignoredReports: z
    .number()
    .int()
    .meta({ description: 'Stale or stopped instances’ reports left out.' }),
  lastReportAt: z.string().nullable(),
});

export const ConnectionStatusView = z.object({
  connectionId: z.string(),
  syncCompanies: z.boolean(),
  syncEnabledAt: z.string().nullable(),
  revision: z.number().int(),
  counts: z.object({
    linked: z.number().int(),
    linkedWithDeletedSide: z.number().int(),
    failingRecords: z.number().int(),
    excluded: z.object({ accounts: z.number().int(), companies: z.number().int() }).meta({
      description:
        'Records the engine knows that are not linked: skipped by the rules (sync off, created before sync was on, R6 criteria), awaiting a decision, or failing.',
    }),
    known: z.object({ accounts: z.number().int(), companies: z.number().int() }),
    countedAt: z.string().nullable().meta({
      description:
        'When sync-rules counted links, records, failing records and errors by category (it keeps the counts as it works and writes them every second when they change); null until it has. The error list itself (`/errors`) may lag these counts by a moment.',
    }),
  }),
  errorsByCategory: z.record(z.string(), z.number().int()),
  lag: z.object({
    available: z.boolean(),
    note: z.string(),
    groups: z.array(
      z.object({
        groupId: z.string(),
        messages: z.number().int().nullable(),
        topics: z.number().int(),
      }),
    ),
  }),
  apiBudget: z.object({
    shares: ApiBudget,
    used: z.object({ salesforce: CrmBudgetUsed, hubspot: CrmBudgetUsed }),
    note: z.string(),
  }),
});
export type ConnectionStatusView = z.infer<typeof ConnectionStatusView>;

const errorFilterFields = {
  category: SyncErrorCategory.optional(),
  system: CrmSystem.optional(),
  recordId: z
    .string()
    .regex(/^[A-Za-z0-9]{1,40}$/, 'a HubSpot or Salesforce record id')
    .optional(),
  code: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'an error code such as DUPLICATE_VALUE')
    .optional(),
};

export const ErrorListQuery = z.strictObject({
  ...errorFilterFields,
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .optional(),
  cursor: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .meta({ description: 'nextCursor of the previous page.' }),
});
export type ErrorListQuery = z.output<typeof ErrorListQuery>;

export const ErrorPage = z.object({
  items: z.array(ErrorItem),
  total: z.number().int().meta({ description: 'Errors matching the filters.' }),
  nextCursor: z.string().nullable(),
});
export type ErrorPage = z.infer<typeof ErrorPage>;

export const BULK_RESYNC_MAX = 10_000;

export const ErrorResyncBody = z
  .strictObject({
    ...errorFilterFields,
    max: z
      .number()
      .int()
      .min(1)
      .max(BULK_RESYNC_MAX)
      .default(BULK_RESYNC_MAX)
      .meta({ description: 'At most this many records are resynced.' }),
  })
  .meta({ examples: [{ category: 'validation', system: 'salesforce' }] });
export type ErrorResyncBody = z.output<typeof ErrorResyncBody>;

export const ErrorResyncView = z.object({
  matchedErrors: z.number().int(),
  records: z.object({ companies: z.number().int(), accounts: z.number().int() }),
  truncated: z.boolean().meta({ description: 'More records matched than `max`.' }),
  jobs: z.array(JobView),
});
export type ErrorResyncView = z.infer<typeof ErrorResyncView>;
