import { HubSpotId, IsoDateTime, JobKind, JobState, SalesforceId } from '@crm-sync/domain';
import { z } from 'zod';
import { ConnectionId } from '../connections/connection.schemas.js';
import { HubSpotPropertyName } from '../connections/settings.schemas.js';
import { JobRequest } from './job.js';

export const JobId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a job id: letters, digits, ".", "-", "_"')
  .meta({ examples: ['job-mfz3k2a1b-1a2b3c4d'] });

export const JobParams = z.strictObject({ connectionId: ConnectionId, jobId: JobId });
export type JobParams = z.output<typeof JobParams>;

export const JobListQuery = z.strictObject({
  kind: JobKind.optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional(),
  cursor: JobId.optional().meta({ description: 'The last job id of the previous page.' }),
});
export type JobListQuery = z.output<typeof JobListQuery>;

export const JobView = z.object({
  jobId: z.string(),
  connectionId: z.string(),
  kind: JobKind,
  state: JobState.meta({ description: '`requested` until the executor reports progress.' }),
  request: JobRequest,
  requestedBy: z.string(),
  requestedAt: z.string(),
  resumeOf: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
  progress: z
    .object({
      done: z.number().int(),
      total: z.number().int().nullable(),
      failed: z.number().int(),
      percent: z.number().nullable(),
      perSecond: z.number().nullable().meta({ description: 'Average rate since the start.' }),
      secondsLeft: z.number().nullable().meta({ description: 'Estimated at the average rate.' }),
      startedAt: z.string(),
      updatedAt: z.string(),
      finishedAt: z.string().nullable(),
    })
    .nullable(),
  error: z
    .object({
      code: z.string().meta({ examples: ['MAPPING_SYNC_LIMIT'] }),
      message: z.string().nullable(),
      remaining: z.number().int().nullable().meta({ description: 'Records left when it stopped.' }),
    })
    .nullable(),
  resumable: z.boolean(),
  resumeAfter: z.string().nullable(),
  warnings: z.array(z.string()),
});
export type JobView = z.infer<typeof JobView>;

export const JobList = z.object({ items: z.array(JobView), nextCursor: z.string().nullable() });
export type JobList = z.infer<typeof JobList>;

const filterValue = z.string().max(1000);
const MAX_FILTER_PROPERTIES = 20;

/**
 * Companies whose properties equal the given values (ignoring case; a list means any of its
 * values), every property matching. The executor, sync-rules, evaluates it on its own state of
 * the companies (`matchesFilter` in its job planner): no HubSpot search is made. Property names
 * are checked in a refinement so a bad one gets its own message.
 */
export const CompanyFilter = z
  .record(z.string(), z.union([filterValue, z.array(filterValue).min(1).max(100)]))
  .superRefine((filter, ctx) => {
    const properties = Object.keys(filter);
    if (properties.length === 0 || properties.length > MAX_FILTER_PROPERTIES) {
      ctx.addIssue({ code: 'custom', message: `give 1 to ${MAX_FILTER_PROPERTIES} properties` });
    }
    for (const property of properties.slice(0, MAX_FILTER_PROPERTIES)) {
      if (!HubSpotPropertyName.safeParse(property).success) {
        ctx.addIssue({
          code: 'custom',
          path: [property],
          message: 'a HubSpot internal property name: lower-case letters, digits, "_"',
        });
      }
    }
  })
  .meta({ examples: [{ city: 'Paris', industry: ['BANKING', 'INSURANCE'] }] });

const MAX_IDS = 1000;

/** R8: one company, one account, a set of ids, or the companies matching a property filter. */
export const ResyncBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('company'), companyId: HubSpotId }),
    z.strictObject({ kind: z.literal('account'), accountId: SalesforceId }),
    z.strictObject({
      kind: z.literal('companies'),
      companyIds: z.array(HubSpotId).min(1).max(MAX_IDS),
    }),
    z.strictObject({
      kind: z.literal('accounts'),
      accountIds: z.array(SalesforceId).min(1).max(MAX_IDS),
    }),
    z.strictObject({ kind: z.literal('company_filter'), filter: CompanyFilter }),
  ])
  .meta({ examples: [{ kind: 'company', companyId: '4242' }] });
export type ResyncBody = z.output<typeof ResyncBody>;

/** Optional: an import without a body imports accounts. */
export const ImportBody = z
  .strictObject({ object: z.literal('Account').default('Account') })
  .default({ object: 'Account' })
  .meta({ examples: [{ object: 'Account' }] });
export type ImportBody = z.output<typeof ImportBody>;

export const ReplayBody = z
  .strictObject({
    from: IsoDateTime.meta({ description: 'Re-derive state from the topics from this instant.' }),
    reason: z.string().trim().min(1).max(500),
  })
  .meta({
    examples: [{ from: '2026-01-01T00:00:00Z', reason: 'apply the new industry value map' }],
  });
export type ReplayBody = z.output<typeof ReplayBody>;
