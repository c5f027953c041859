import type { Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import {
  SyncError,
  type ImportRequested,
  type JobCancelRequested,
  type JobProgress,
  type SalesforceObject,
} from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { ConnectionSettings } from '../config.js';
import type { ChangePublisher } from '../capture/publisher.js';
import { importQuery, isoOf } from '../capture/records.js';
import { retrying } from '../salesforce/errors.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';
import { isStaleRequest } from '../ownership/control-consumer.js';
import { isTerminal, type JobStore } from './job-store.js';
import { snapshotMessages } from './snapshots.js';

export interface ImportRunnerOptions {
  readonly settings: ConnectionSettings;
  readonly client: () => Promise<SalesforceClient>;
  readonly publisher: ChangePublisher;
  readonly topics: SfConnectorTopics;
  readonly jobs: JobStore;
  readonly fields: (object: SalesforceObject) => Promise<readonly string[]>;
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

const OBJECT: SalesforceObject = 'Account';

/**
 * "Import Salesforce accounts" jobs of one connection: every account, in pages ordered by Id, as
 * snapshot events (and account states), with progress in `job_progress`. A job survives
 * restarts and moves between instances with the connection: its progress names the last account
 * published (`resumeAfter`), so the next owner continues after it. Imports spend the backfill
 * budget, so live changes and commands go first.
 */
export class ImportRunner {
  private readonly running = new Map<string, Running>();
  private active = false;

  constructor(private readonly o: ImportRunnerOptions) {}

  /** The connection is owned here: run the imports that have not finished. */
  async start(): Promise<void> {
    this.active = true;
    for (const job of await this.o.jobs.unfinished(this.o.settings.connectionId, 'import')) {
      this.launch(job);
    }
  }

  /** Stops after the page in flight; progress stays `running` for the next owner. */
  async stop(): Promise<void> {
    this.active = false;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort(new Error('import paused: connection released'));
    await Promise.all(all.map((r) => r.done ?? Promise.resolve()));
  }

  /** Records the request durably, then runs it if the connection is owned here. */
  async request(message: ImportRequested): Promise<void> {
    const { jobId, resumeAfter } = message.payload;
    const now = isoOf(this.o.clock.now());
    const existing = await this.o.jobs.get(jobId);
    if (!existing && isStaleRequest(message.occurredAt, this.o.clock.now())) {
      this.o.logger.warn('import request from long ago, never started; ignored', {
        connectionId: message.connectionId,
        jobId,
        occurredAt: message.occurredAt,
      });
      return;
    }
    if (existing && isTerminal(existing) && resumeAfter === undefined) {
      this.o.logger.info('import already finished; request ignored', {
        connectionId: message.connectionId,
        jobId,
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
            kind: 'import',
            state: 'requested',
            done: existing?.done ?? 0,
            total: existing?.total ?? null,
            failed: 0,
            startedAt: existing?.startedAt ?? now,
            updatedAt: now,
            finishedAt: null,
            resumeAfter: resumeAfter ?? existing?.resumeAfter ?? null,
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
    if (job && job.kind === 'import' && !isTerminal(job)) {
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
        this.o.logger.error('import failed', {
          connectionId: job.connectionId,
          jobId: job.jobId,
          error: e instanceof Error ? e.message : String(e),
        });
      })
      .finally(() => this.running.delete(job.jobId));
  }

  private async run(initial: JobProgress, self: Running): Promise<void> {
    const { settings, clock, logger, jobs } = this.o;
    const signal = self.abort.signal;
    const now = () => isoOf(clock.now());
    let job = await jobs.put({ ...initial, state: 'running', updatedAt: now() });
    const retry = {
      retry: settings.retry,
      sleep: (ms: number, s?: AbortSignal) => clock.sleep(ms, s),
      signal,
      bounded: false,
      onRetry: (error: SyncError, attempt: number) => {
        logger.warn('import call failed; retrying', {
          connectionId: job.connectionId,
          jobId: job.jobId,
          code: error.code,
          attempt,
        });
      },
    };
    try {
      // Salesforce being unreachable for a while is no reason to fail the job.
      const client = await retrying(() => this.o.client(), retry);
      const fields = await retrying(() => this.o.fields(OBJECT), retry);
      if (job.total === null) {
        const count = await retrying(
          () =>
            client.query(`SELECT COUNT() FROM ${OBJECT}`, false, { priority: 'backfill', signal }),
          retry,
        );
        job = await jobs.put({ ...job, total: count.totalSize, updatedAt: now() });
      }
      for (;;) {
        signal.throwIfAborted();
        const soql = importQuery(OBJECT, fields, job.resumeAfter, settings.importPageSize);
        const page = await retrying(
          () => client.query(soql, false, { priority: 'backfill', signal }),
          retry,
        );
        const snap = snapshotMessages({
          connectionId: job.connectionId,
          object: OBJECT,
          raw: page.records,
          jobId: job.jobId,
          capturedBy: 'import',
          topics: this.o.topics,
        });
        await this.o.publisher.publish(snap.messages);
        this.o.metrics.changesCaptured.inc(
          { connection: job.connectionId, object: OBJECT, method: 'import' },
          snap.records.length,
        );
        const last = page.records.at(-1)?.['Id'];
        const done = job.done + snap.records.length;
        const finished = page.records.length < settings.importPageSize;
        job = await jobs.put({
          ...job,
          done,
          failed: job.failed + snap.invalid.length,
          resumeAfter: typeof last === 'string' ? last : job.resumeAfter,
          updatedAt: now(),
          ...(finished
            ? { state: 'completed', total: done, finishedAt: now() }
            : { total: Math.max(job.total ?? 0, done) }),
        });
        if (finished) {
          logger.info('import completed', {
            connectionId: job.connectionId,
            jobId: job.jobId,
            done,
          });
          return;
        }
      }
    } catch (e) {
      if (signal.aborted) {
        const cancelledBy = self.cancelledBy;
        if (cancelledBy !== undefined) {
          await jobs.put({ ...job, state: 'cancelled', updatedAt: now(), finishedAt: now() });
          logger.info('import cancelled', { jobId: job.jobId, by: cancelledBy });
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
