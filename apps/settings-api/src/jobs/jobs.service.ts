import { TERMINAL_JOB_STATES } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { ControlMessages } from '../control/control-messages.js';
import type { ControlPublisher } from '../control/control-publisher.js';
import { conflict, notFound } from '../http/errors.js';
import type { Clock, IdGenerator } from '../shared/clock.js';
import type { JobRecord, JobRequest } from './job.js';
import type { JobList, JobListQuery, JobView } from './job.schemas.js';
import type { JobStore } from './job.store.js';
import { jobView } from './job-view.js';

/** An unpublished job older than this is taken to be orphaned by a crash and published again. */
export const DEFAULT_STALE_JOB_MS = 15_000;

export interface NewJob {
  readonly connectionId: string;
  readonly request: JobRequest;
  readonly requestedBy: string;
  readonly resumeOf?: string;
}

/**
 * Job requests: recorded (`api_jobs`), then announced on the control topic, then marked published;
 * read back joined with the executors' progress. A crash between recording and announcing is
 * repaired by the next read once the job is `staleJobMs` old (same envelope ids, so harmless).
 */
export class Jobs {
  constructor(
    private readonly store: JobStore,
    private readonly publisher: ControlPublisher,
    private readonly messages: ControlMessages,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly logger: Logger,
    /** 404s an unknown connection. */
    private readonly connections: { get(id: string): Promise<unknown> },
    private readonly staleJobMs = DEFAULT_STALE_JOB_MS,
  ) {}

  /** Builds the record of a new job with the control message(s) that start it. */
  create(spec: NewJob): JobRecord {
    const now = this.clock.now();
    const jobId = this.ids.jobId(now);
    return {
      jobId,
      connectionId: spec.connectionId,
      kind: spec.request.kind,
      request: spec.request,
      requestedBy: spec.requestedBy,
      requestedAt: now.toISOString(),
      resumeOf: spec.resumeOf ?? null,
      messages: this.startMessages(spec.connectionId, jobId, spec.request, spec.requestedBy),
      publishedAt: null,
      cancelRequestedAt: null,
    };
  }

  /** Records and announces a job; 503 (and nothing recorded) when Kafka does not take it. */
  async start(job: JobRecord): Promise<JobView> {
    await this.store.put(job);
    try {
      await this.publisher.publish(job.connectionId, job.messages);
    } catch (e) {
      await this.store.delete(job.jobId);
      throw e;
    }
    const published = { ...job, publishedAt: this.clock.now().toISOString() };
    await this.store.markPublished(job.jobId, published.publishedAt);
    this.logger.info('job requested', {
      connectionId: job.connectionId,
      jobId: job.jobId,
      kind: job.kind,
      requestedBy: job.requestedBy,
      resumeOf: job.resumeOf,
    });
    return jobView(published, undefined);
  }

  async get(connectionId: string, jobId: string): Promise<JobView> {
    const job = await this.record(connectionId, jobId);
    const progress = await this.store.progress([jobId]);
    return jobView(job, progress.get(jobId));
  }

  async list(connectionId: string, query: JobListQuery): Promise<JobList> {
    await this.connections.get(connectionId);
    const limit = query.limit ?? 50;
    const jobs = await this.store.list(connectionId, {
      kind: query.kind,
      before: query.cursor,
      limit,
    });
    const repaired = await Promise.all(jobs.map((j) => this.repair(j)));
    const progress = await this.store.progress(repaired.map((j) => j.jobId));
    return {
      items: repaired.map((j) => jobView(j, progress.get(j.jobId))),
      nextCursor: jobs.length === limit ? (jobs.at(-1)?.jobId ?? null) : null,
    };
  }

  /** Asks the executor to stop after its current batch; the job then ends `cancelled`. */
  async cancel(connectionId: string, jobId: string, requestedBy: string): Promise<JobView> {
    const job = await this.record(connectionId, jobId);
    const progress = (await this.store.progress([jobId])).get(jobId);
    const view = jobView(job, progress);
    if (TERMINAL_JOB_STATES.includes(view.state)) {
      throw conflict(`Job ${jobId} has ended (${view.state}); there is nothing to cancel.`, {
        code: 'JOB_ENDED',
        state: view.state,
      });
    }
    await this.publisher.publish(connectionId, [
      this.messages.jobCancelRequested(connectionId, jobId, requestedBy),
    ]);
    const at = this.clock.now().toISOString();
    await this.store.markCancelRequested(jobId, at);
    this.logger.info('job cancel requested', { connectionId, jobId, requestedBy });
    return jobView({ ...job, cancelRequestedAt: at }, progress);
  }

  /** Claims the one resume of `jobId`; 409 naming the earlier resume when there was one. */
  async claimResume(jobId: string, resumedAs: string): Promise<void> {
    const earlier = await this.store.claimResume(jobId, resumedAs);
    if (earlier !== undefined) {
      throw conflict(`Job ${jobId} was resumed already as job ${earlier}.`, {
        code: 'ALREADY_RESUMED',
        resumedAs: earlier,
      });
    }
  }

  /** Withdraws a resume claim whose job could not be started. */
  async releaseResume(jobId: string): Promise<void> {
    await this.store.releaseResume(jobId);
  }

  private async record(connectionId: string, jobId: string): Promise<JobRecord> {
    const job = await this.store.get(jobId);
    if (job?.connectionId !== connectionId) {
      throw notFound(`No job "${jobId}" on connection "${connectionId}".`);
    }
    return this.repair(job);
  }

  private async repair(job: JobRecord): Promise<JobRecord> {
    const age = this.clock.now().getTime() - Date.parse(job.requestedAt);
    if (job.publishedAt !== null || job.messages.length === 0 || age < this.staleJobMs) return job;
    this.logger.warn('publishing an orphaned job request again', {
      connectionId: job.connectionId,
      jobId: job.jobId,
    });
    await this.publisher.publish(job.connectionId, job.messages);
    const publishedAt = this.clock.now().toISOString();
    await this.store.markPublished(job.jobId, publishedAt);
    return { ...job, publishedAt };
  }

  private startMessages(
    connectionId: string,
    jobId: string,
    request: JobRequest,
    by: string,
  ): string[] {
    const m = this.messages;
    switch (request.kind) {
      case 'import':
        return [m.importRequested(connectionId, jobId, by, request.resumeAfter)];
      case 'resync':
        return [m.resyncRequested(connectionId, jobId, request.scope, by)];
      case 'mass_sync':
        return [m.massSyncRequested(connectionId, jobId, by, request.resumeAfter)];
      case 'replay':
        return [m.replayRequested(connectionId, jobId, request.from, request.reason, by)];
    }
  }
}
