import { JobProgress, TERMINAL_JOB_STATES, type JobProgressInput } from '@crm-sync/domain';
import type { Collection, Db } from 'mongodb';

type JobDoc = JobProgress & { _id: string };

/**
 * `job_progress` documents (`_id: jobId`) of the jobs this connector executes (imports). Single
 * writer: the instance that owns the job's connection; the settings API only reads them.
 */
export class JobStore {
  private readonly jobs: Collection<JobDoc>;

  constructor(db: Db) {
    this.jobs = db.collection<JobDoc>('job_progress');
  }

  async get(jobId: string): Promise<JobProgress | undefined> {
    const doc = await this.jobs.findOne({ _id: jobId });
    if (!doc) return undefined;
    const { _id, ...progress } = doc;
    return JobProgress.parse(progress);
  }

  /** Replaces the job's progress (validated: a bad document is our bug, not the reader's). */
  async put(progress: JobProgressInput): Promise<JobProgress> {
    const valid = JobProgress.parse(progress);
    await this.jobs.replaceOne({ _id: valid.jobId }, valid, { upsert: true });
    return valid;
  }

  /** Imports of a connection that did not finish (to resume when the connection is owned again). */
  async unfinished(connectionId: string, kind: JobProgress['kind']): Promise<JobProgress[]> {
    const docs = await this.jobs
      .find({ connectionId, kind, state: { $nin: [...TERMINAL_JOB_STATES] } })
      .toArray();
    return docs.map(({ _id, ...p }) => JobProgress.parse(p));
  }
}

export function isTerminal(progress: JobProgress): boolean {
  return TERMINAL_JOB_STATES.includes(progress.state);
}
