import { z } from 'zod';
import { IsoDateTime } from './common.js';
import { envelopeOf } from './envelope.js';

/** Long-running work a user starts from the settings API. */
export const JobKind = z.enum(['import', 'resync', 'mass_sync', 'replay']);
export type JobKind = z.infer<typeof JobKind>;

/**
 * `partial`: stopped on purpose before the end (R5's `MAPPING_SYNC_LIMIT`) and resumable;
 * `failed`: stopped by an error; `cancelled`: stopped by a person, resumable.
 */
export const JobState = z.enum([
  'requested',
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
]);
export type JobState = z.infer<typeof JobState>;

export const TERMINAL_JOB_STATES: readonly JobState[] = [
  'completed',
  'partial',
  'failed',
  'cancelled',
];

/**
 * Progress of one job as its executor reports it (the sf-connector for imports, sync-rules for
 * resyncs, mass syncs and replays). One executor writes a job's progress (single writer), as the
 * document `_id: jobId` of the `job_progress` collection; the settings API only reads it.
 * `resumeAfter` is the last record handled, so a resumed run starts after it.
 */
export const JobProgress = z.object({
  jobId: z.string().min(1),
  connectionId: z.string().min(1),
  kind: JobKind,
  state: JobState,
  done: z.number().int().nonnegative(),
  /** null while unknown (before the first count). */
  total: z.number().int().nonnegative().nullable(),
  failed: z.number().int().nonnegative().default(0),
  startedAt: IsoDateTime,
  updatedAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
  resumeAfter: z.string().min(1).nullable().default(null),
  /** Set when the job ended `partial` or `failed`, e.g. `MAPPING_SYNC_LIMIT`. */
  errorCode: z.string().min(1).nullable().default(null),
  message: z.string().nullable().default(null),
  /** Records left when the job stopped early (R5: "the number left"). */
  remaining: z.number().int().nonnegative().nullable().default(null),
});
export type JobProgress = z.infer<typeof JobProgress>;
export type JobProgressInput = z.input<typeof JobProgress>;

/** Rate and estimated time left from two observations of `done` (pure; callers pass the clock). */
export function jobRate(
  progress: Pick<JobProgress, 'done' | 'total' | 'startedAt' | 'updatedAt'>,
): { readonly perSecond: number | null; readonly secondsLeft: number | null } {
  const elapsed = (Date.parse(progress.updatedAt) - Date.parse(progress.startedAt)) / 1000;
  if (!(elapsed > 0) || progress.done === 0) return { perSecond: null, secondsLeft: null };
  const perSecond = progress.done / elapsed;
  const secondsLeft =
    progress.total === null ? null : Math.max(0, (progress.total - progress.done) / perSecond);
  return { perSecond, secondsLeft };
}

/** Asks the job's executor to stop after its current batch; progress ends `cancelled`. */
export const JobCancelRequested = envelopeOf(
  'sync.job-cancel-requested.v1',
  z.object({ jobId: z.string().min(1), requestedBy: z.string().min(1) }),
);
export type JobCancelRequested = z.infer<typeof JobCancelRequested>;
