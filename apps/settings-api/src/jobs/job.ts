import { IsoDateTime, JobKind, ResyncScope } from '@crm-sync/domain';
import { z } from 'zod';

/** What was asked for; the executor's `JobProgress` says how far it got. */
export const JobRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('import'),
    object: z.literal('Account'),
    resumeAfter: z.string().nullable(),
  }),
  z.object({ kind: z.literal('resync'), scope: ResyncScope }),
  z.object({
    kind: z.literal('mass_sync'),
    /** The connection revision whose mappings the mass sync applies. */
    revision: z.number().int().positive(),
    resumeAfter: z.string().nullable(),
  }),
  z.object({ kind: z.literal('replay'), from: IsoDateTime, reason: z.string() }),
]);
export type JobRequest = z.infer<typeof JobRequest>;

/**
 * A job request as the settings API stores it (`api_jobs`, `_id` = job id). `messages` are the
 * control messages that start it, kept so a crash between saving and publishing is repaired by
 * publishing them again (same envelope ids: consumers de-duplicate); `publishedAt` says they went
 * out. Jobs started by a configuration change are published with that change's revision.
 */
export const JobRecord = z.object({
  jobId: z.string(),
  connectionId: z.string(),
  kind: JobKind,
  request: JobRequest,
  requestedBy: z.string(),
  requestedAt: z.string(),
  resumeOf: z.string().nullable(),
  messages: z.array(z.string()),
  publishedAt: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
});
export type JobRecord = z.infer<typeof JobRecord>;
