import { JobProgress, jobRate, TERMINAL_JOB_STATES, type JobState } from '@crm-sync/domain';
import type { JobRecord } from './job.js';
import type { JobView } from './job.schemas.js';

const RESUMABLE: readonly JobState[] = ['partial', 'cancelled', 'failed'];

/**
 * A job as users see it: the request (ours) joined with the executor's progress document (theirs).
 * A progress document that does not parse, or belongs to another connection, is ignored with a
 * warning rather than failing the request: the executor, not the caller, is at fault.
 */
export function jobView(job: JobRecord, progressDoc: unknown): JobView {
  const warnings: string[] = [];
  const progress = readProgress(job, progressDoc, warnings);
  const state: JobState = progress?.state ?? 'requested';
  if (job.publishedAt === null) warnings.push('The job request has not been published yet.');
  const rate = progress ? jobRate(progress) : undefined;
  return {
    jobId: job.jobId,
    connectionId: job.connectionId,
    kind: job.kind,
    state,
    request: job.request,
    requestedBy: job.requestedBy,
    requestedAt: job.requestedAt,
    resumeOf: job.resumeOf,
    cancelRequestedAt: job.cancelRequestedAt,
    progress:
      progress && rate
        ? {
            done: progress.done,
            total: progress.total,
            failed: progress.failed,
            percent:
              progress.total === null || progress.total === 0
                ? null
                : Math.min(100, Math.round((progress.done / progress.total) * 1000) / 10),
            perSecond: rate.perSecond === null ? null : Math.round(rate.perSecond * 10) / 10,
            secondsLeft: TERMINAL_JOB_STATES.includes(state)
              ? null
              : rate.secondsLeft === null
                ? null
                : Math.ceil(rate.secondsLeft),
            startedAt: progress.startedAt,
            updatedAt: progress.updatedAt,
            finishedAt: progress.finishedAt,
          }
        : null,
    error:
      progress?.errorCode == null
        ? null
        : { code: progress.errorCode, message: progress.message, remaining: progress.remaining },
    resumable: RESUMABLE.includes(state),
    resumeAfter: progress?.resumeAfter ?? null,
    warnings,
  };
}

function readProgress(job: JobRecord, doc: unknown, warnings: string[]): JobProgress | undefined {
  if (doc === undefined || doc === null) return undefined;
  const parsed = JobProgress.safeParse(doc);
  if (!parsed.success) {
    warnings.push('The executor reported progress this API cannot read; it is not shown.');
    return undefined;
  }
  if (parsed.data.connectionId !== job.connectionId || parsed.data.jobId !== job.jobId) {
    warnings.push('A progress document for another job or connection was ignored.');
    return undefined;
  }
  return parsed.data;
}
