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
    let after = job.resumeAfter;
    for (;;) {
      signal.throwIfAborted();
      const soql = importQuery(OBJECT, fields, after, settings.importPageSize);
      const page = await this.retry(job, signal, () =>
        client.query(soql, false, { priority: 'backfill', signal }),
      );
      const snap = snapshotMessages({
        connectionId: job.connectionId,
        object: OBJECT,
        raw: page.records,
        jobId: job.jobId,
        capturedBy: 'import',
        topics: this.o.topics,
      });
      const last = page.records.at(-1)?.['Id'];
      after = typeof last === 'string' ? last : after;
      await publish({
        messages: snap.messages,
        records: snap.records.length,
        invalid: snap.invalid,
        resumeAfter: after,
      });
      if (page.records.length < settings.importPageSize) return;
    }
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
