import type { ConnectorMetrics, Priority } from '@crm-sync/connector-kit';
import type { SalesforceObject } from '@crm-sync/domain';
import type { SalesforceBudget } from './budget.js';
import { whenAnswered } from './call-answered.js';
import { syncErrorOf } from './errors.js';
import type {
  DeletedRecord,
  DescribedField,
  QueryPage,
  SalesforceApi,
  SaveResult,
  WriteRecord,
} from './salesforce-api.port.js';

/** Who is asking: budget priority and the signal that ends waiting on shutdown. */
export interface CallContext {
  readonly priority: Priority;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The Salesforce API as the rest of the connector uses it: every call waits for the connection's
 * budget, is counted (metrics), and fails with a classified `SyncError`. Retrying is the
 * caller's decision (it knows whether a record or a whole batch is at stake).
 */
export class SalesforceClient {
  constructor(
    readonly connectionId: string,
    private readonly api: SalesforceApi,
    readonly budget: SalesforceBudget,
    private readonly metrics: ConnectorMetrics,
  ) {}

  private async run<T>(operation: string, ctx: CallContext, fn: () => Promise<T>): Promise<T> {
    const permit = await this.budget.acquire(ctx.priority, ctx.signal);
    const labels = { connection: this.connectionId, crm: 'salesforce', operation };
    try {
      const result = await whenAnswered(permit.answered, fn);
      this.metrics.apiCalls.inc({ ...labels, status: 'ok' });
      this.budget.succeeded();
      this.budget.observe(this.api.lastUsage());
      return result;
    } catch (e) {
      const error = syncErrorOf(e);
      this.metrics.apiCalls.inc({ ...labels, status: error.code });
      this.metrics.errors.inc({ connection: this.connectionId, category: error.category });
      if (error.category === 'rate_limit') this.budget.limitExceeded();
      throw error;
    } finally {
      permit.release();
    }
  }

  describe(object: SalesforceObject, ctx: CallContext): Promise<readonly DescribedField[]> {
    return this.run('describe', ctx, () => this.api.describe(object));
  }

  query(soql: string, scanAll: boolean, ctx: CallContext): Promise<QueryPage> {
    return this.run(scanAll ? 'queryAll' : 'query', ctx, () => this.api.query(soql, { scanAll }));
  }

  queryMore(nextRecordsUrl: string, ctx: CallContext): Promise<QueryPage> {
    return this.run('queryMore', ctx, () => this.api.queryMore(nextRecordsUrl));
  }

  getDeleted(
    object: SalesforceObject,
    start: number,
    end: number,
    ctx: CallContext,
  ): Promise<readonly DeletedRecord[]> {
    return this.run('getDeleted', ctx, () => this.api.getDeleted(object, start, end));
  }

  upsert(
    object: SalesforceObject,
    externalIdField: string,
    records: readonly WriteRecord[],
    ctx: CallContext,
  ): Promise<readonly SaveResult[]> {
    return this.run('upsert', ctx, () => this.api.upsert(object, externalIdField, records));
  }

  update(
    object: SalesforceObject,
    records: readonly WriteRecord[],
    ctx: CallContext,
  ): Promise<readonly SaveResult[]> {
    return this.run('update', ctx, () => this.api.update(object, records));
  }
}
