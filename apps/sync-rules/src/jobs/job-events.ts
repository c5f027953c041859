import { IsoDateTime, type TopicRef } from '@crm-sync/domain';
import { z } from 'zod';

/**
 * sync-rules' internal job topic, keyed by job id: the planner says what a job covers
 * (`started`), the decide stage reports each record (`item`), a cancel is recorded (`cancelled`).
 * One partition per job, so the progress writer is the single writer of that job's progress.
 */
export const JOB_EVENTS_TOPIC = {
  ref: { area: 'sync', name: 'job-events', version: 1 } satisfies TopicRef,
  partitions: 3,
};

const base = {
  jobId: z.string().min(1),
  connectionId: z.string().min(1),
  job: z.enum(['resync', 'mass_sync']),
  at: IsoDateTime,
};

export const JobEvent = z.discriminatedUnion('event', [
  z.object({
    ...base,
    event: z.literal('started'),
    total: z.number().int().nonnegative(),
    /** Records past the mass-sync limit (R5), for a follow-up run. */
    remaining: z.number().int().nonnegative(),
    resumeAfter: z.string().min(1).nullable(),
    errorCode: z.string().min(1).nullable(),
    message: z.string().nullable(),
  }),
  z.object({ ...base, event: z.literal('item'), outcome: z.enum(['done', 'skipped']) }),
  z.object({ ...base, event: z.literal('cancelled') }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
