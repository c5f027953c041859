import type { Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import {
  SyncError,
  type ImportRequested,
  type JobCancelRequested,
  type JobProgress,
  type ReplayRequested,
} from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { ChangePublisher } from '../capture/publisher.js';
import { isoOf } from '../capture/records.js';
import { isStaleRequest } from '../ownership/control-consumer.js';
import { isTerminal, type JobStore } from './job-store.js';
import type { LookAhead } from './look-ahead.js';

/** One page of a job's records, ready to publish. */
export interface SnapshotPage {
  readonly messages: readonly OutboundMessage[];
  /** Records the page covers (a record may take several messages). */
  readonly records: number;
  /** Records that could not be published, with their reasons. */
  readonly invalid: readonly string[];
  /** Where a later run resumes (null: the job cannot resume mid-way and starts over). */
  readonly resumeAfter: string | null;
}

/** Where a job's records come from: Salesforce itself (import) or our own topics (replay). */
export interface SnapshotSource {
  readonly kind: 'import' | 'replay';
  /** How many records the job covers, counted before the first page. */
  count(job: JobProgress, signal: AbortSignal): Promise<number>;
  /**
   * Produces the job's pages in order from `job.resumeAfter`; `publish` resolves once the page is
   * on Kafka and its progress recorded. Resolves when the last page is published.
   */
  pages(
    job: JobProgress,
    signal: AbortSignal,
    publish: (page: SnapshotPage) => Promise<void>,
  ): Promise<void>;
}

export interface SnapshotJobsOptions {
  readonly connectionId: string;
  readonly source: SnapshotSource;
  readonly publisher: ChangePublisher;
  readonly jobs: JobStore;
  /** Keeps the job's pages at most so far ahead of the sync engine (none: never waits). */
  readonly lookAhead?: LookAhead | undefined;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
}

interface Running {
  readonly abort: AbortController;
  /** Who cancelled it; unset when the job only paused (connection released, shutdown). */
  cancelledBy: string | undefined;
  done: Promise<void> | undefined;
}

/**
 * The jobs of one connection that publish records as change events page by page, with progress
 * in `job_progress`: imports ("Import Salesforce accounts") and replays. A job survives restarts
 * and moves between instances with the connection: its progress names where it resumes
 * (`resumeAfter`), so the next owner continues there. Jobs spend the backfill budget (imports) or
 * none at all (replays), so live changes and commands go first.
 */
export class SnapshotJobs {
  private readonly running = new Map<string, Running>();
  private active = false;

  constructor(private readonly o: SnapshotJobsOptions) {}

  private get kind(): SnapshotSource['kind'] {
    return this.o.source.kind;
  }

  /** The connection is owned here: run the jobs that have not finished. */
  async start(): Promise<void> {
    this.active = true;
    for (const job of await this.o.jobs.unfinished(this.o.connectionId, this.kind)) {
      this.launch(job);
    }
  }

  /** Stops after the page in flight; progress stays `running` for the next owner. */
  async stop(): Promise<void> {
    this.active = false;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort(new Error(`${this.kind} paused: connection released`));
    await Promise.all(all.map((r) => r.done ?? Promise.resolve()));
  }

  /**
   * Records the request durably, then runs it if the connection is owned here. An import may name
   * the account after which it resumes; a replay starts at its `from` instant.
   */
  async request(message: ImportRequested | ReplayRequested): Promise<void> {
    const { jobId } = message.payload;
    const resumeAfter =
      message.type === 'sync.import-requested.v1' ? message.payload.resumeAfter : undefined;
    const startAt = message.type === 'sync.replay-requested.v1' ? message.payload.from : undefined;
    const now = isoOf(this.o.clock.now());
    const existing = await this.o.jobs.get(jobId);
    const log = { connectionId: message.connectionId, jobId, kind: this.kind };
    if (!existing && isStaleRequest(message.occurredAt, this.o.clock.now())) {
      this.o.logger.warn('job request from long ago, never started; ignored', {
        ...log,
        occurredAt: message.occurredAt,
      });
      return;
    }
    if (existing && isTerminal(existing) && resumeAfter === undefined) {
      this.o.logger.info('job already finished; request ignored', {
        ...log,
        state: existing.state,
      });
      return;
    }
    const job =
      existing && !isTerminal(existing)
        ? existing
        : await this.o.jobs.put({
            jobId,
            connectionId: message.connectionId,
            kind: this.kind,
            state: 'requested',
            done: existing?.done ?? 0,
            total: existing?.total ?? null,
            failed: 0,
            startedAt: existing?.startedAt ?? now,
            updatedAt: now,
            finishedAt: null,
            resumeAfter: resumeAfter ?? startAt ?? existing?.resumeAfter ?? null,
          });
    if (this.active) this.launch(job);
  }

  async cancel(message: JobCancelRequested): Promise<void> {
    const { jobId, requestedBy } = message.payload;
    const running = this.running.get(jobId);
    if (running) {
      running.cancelledBy = requestedBy;
      running.abort.abort(new Error(`cancelled by ${requestedBy}`));
      await running.done;
      return;
    }
    const job = await this.o.jobs.get(jobId);
    if (job && job.kind === this.kind && !isTerminal(job)) {
      const now = isoOf(this.o.clock.now());
      await this.o.jobs.put({ ...job, state: 'cancelled', updatedAt: now, finishedAt: now });
    }
  }

  /** Waits for a job running here (tests). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId)?.done;
  }

  private launch(job: JobProgress): void {
    if (this.running.has(job.jobId)) return;
    const entry: Running = {
      abort: new AbortController(),
      cancelledBy: undefined,
      done: undefined,
    };
    this.running.set(job.jobId, entry);
    entry.done = this.run(job, entry)
      .catch((e: unknown) => {
        this.o.logger.error(`${this.kind} failed`, {
          connectionId: job.connectionId,
          jobId: job.jobId,
          error: e instanceof Error ? e.message : String(e),
        });
      })
      .finally(() => this.running.delete(job.jobId));
  }

  private async run(initial: JobProgress, self: Running): Promise<void> {
    const { clock, logger, jobs, source } = this.o;
    const signal = self.abort.signal;
    const now = () => isoOf(clock.now());
    let job = await jobs.put({ ...initial, state: 'running', updatedAt: now() });
    try {
      if (job.total === null) {
        job = await jobs.put({ ...job, total: await source.count(job, signal), updatedAt: now() });
      }
      await source.pages(job, signal, async (page) => {
        signal.throwIfAborted();
        await this.o.lookAhead?.room(
          { connectionId: job.connectionId, jobId: job.jobId, kind: this.kind },
          signal,
        );
        await this.o.publisher.publish(page.messages);
        this.o.lookAhead?.published(page.records);
        this.o.metrics.changesCaptured.inc(
          { connection: job.connectionId, object: 'Account', method: this.kind },
          page.records,
        );
        const done = job.done + page.records;
        job = await jobs.put({
          ...job,
          done,
          failed: job.failed + page.invalid.length,
          resumeAfter: page.resumeAfter ?? job.resumeAfter,
          total: Math.max(job.total ?? 0, done),
          updatedAt: now(),
        });
      });
      job = await jobs.put({ ...job, state: 'completed', total: job.done, finishedAt: now() });
      logger.info(`${this.kind} completed`, {
        connectionId: job.connectionId,
        jobId: job.jobId,
        done: job.done,
      });
    } catch (e) {
      if (signal.aborted) {
        const cancelledBy = self.cancelledBy;
        if (cancelledBy !== undefined) {
          await jobs.put({ ...job, state: 'cancelled', updatedAt: now(), finishedAt: now() });
          logger.info(`${this.kind} cancelled`, { jobId: job.jobId, by: cancelledBy });
        }
        return;
      }
      const error = e instanceof SyncError ? e : undefined;
      await jobs.put({
        ...job,
        state: 'failed',
        errorCode: error?.code ?? 'UNEXPECTED',
        message: e instanceof Error ? e.message : String(e),
        updatedAt: now(),
        finishedAt: now(),
      });
      throw e;
    }
  }
}
