import type { Clock } from '@crm-sync/connector-kit';
import type { JobProgress, SalesforceObject, SyncError } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import { importQuery } from '../capture/records.js';
import type { ConnectionSettings } from '../config.js';
import { retrying } from '../salesforce/errors.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';
import type { SnapshotPage, SnapshotSource } from './snapshot-jobs.js';
import { snapshotMessages } from './snapshots.js';

const OBJECT: SalesforceObject = 'Account';

/**
 * "Import Salesforce accounts" (R3): every account, in pages ordered by Id, as snapshot events
 * (and account states). A page resumes after the last Id published. Queries spend the backfill
 * budget; Salesforce being unreachable for a while is retried, not a reason to fail the job.
 */
export class ImportSource implements SnapshotSource {
  readonly kind = 'import';

  constructor(
    private readonly o: {
      readonly settings: ConnectionSettings;
      readonly client: () => Promise<SalesforceClient>;
      readonly fields: (object: SalesforceObject) => Promise<readonly string[]>;
      readonly topics: SfConnectorTopics;
      readonly clock: Clock;
      readonly logger: Logger;
    },
  ) {}

  async count(job: JobProgress, signal: AbortSignal): Promise<number> {
    const client = await this.retry(job, signal, () => this.o.client());
    const count = await this.retry(job, signal, () =>
      client.query(`SELECT COUNT() FROM ${OBJECT}`, false, { priority: 'backfill', signal }),
    );
    return count.totalSize;
  }

  async pages(
    job: JobProgress,
    signal: AbortSignal,
    publish: (page: SnapshotPage) => Promise<void>,
  ): Promise<void> {
    const { settings } = this.o;
    const client = await this.retry(job, signal, () => this.o.client());
    const fields = await this.retry(job, signal, () => this.o.fields(OBJECT));
    const ctx = { priority: 'backfill', signal } as const;
    let after = job.resumeAfter;
    for (;;) {
      signal.throwIfAborted();
      const soql = importQuery(OBJECT, fields, after, settings.importPageSize);
      // Salesforce may answer one query in several batches (the batch size we ask for, or fewer
      // for wide records): the page is whole once the last batch says `done`. Each batch is
      // published as it comes, so a page never sits in memory whole.
      let batch = await this.retry(job, signal, () => client.query(soql, false, ctx));
      let read = 0;
      let whole = true;
      for (;;) {
        read += batch.records.length;
        after = await this.publishBatch(job, batch.records, after, publish);
        const next = batch.done ? undefined : batch.nextRecordsUrl;
        if (next === undefined) break;
        try {
          batch = await client.queryMore(next, ctx);
        } catch (e) {
          if (signal.aborted) throw e;
          // A query locator does not outlive a long pause (Salesforce drops idle ones): the
          // page goes on with a new query from the last account published.
          this.o.logger.warn('import batch failed; querying again from the last account', {
            connectionId: job.connectionId,
            jobId: job.jobId,
            error: e instanceof Error ? e.message : String(e),
          });
          whole = false;
          break;
        }
      }
      if (whole && read < settings.importPageSize) return;
    }
  }

  /** Publishes one batch of the import's accounts; returns the Id it resumes after. */
  private async publishBatch(
    job: JobProgress,
    raw: readonly Readonly<Record<string, unknown>>[],
    after: string | null,
    publish: (page: SnapshotPage) => Promise<void>,
  ): Promise<string | null> {
    const snap = snapshotMessages({
      connectionId: job.connectionId,
      object: OBJECT,
      raw,
      jobId: job.jobId,
      capturedBy: 'import',
      topics: this.o.topics,
    });
    const last = raw.at(-1)?.['Id'];
    const resumeAfter = typeof last === 'string' ? last : after;
    await publish({
      messages: snap.messages,
      records: snap.records.length,
      invalid: snap.invalid,
      resumeAfter,
    });
    return resumeAfter;
  }

  private retry<T>(job: JobProgress, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    return retrying(call, {
      retry: this.o.settings.retry,
      sleep: (ms: number, s?: AbortSignal) => this.o.clock.sleep(ms, s),
      signal,
      bounded: false,
      onRetry: (error: SyncError, attempt: number) => {
        this.o.logger.warn('import call failed; retrying', {
          connectionId: job.connectionId,
          jobId: job.jobId,
          code: error.code,
          attempt,
        });
      },
    });
  }
}
