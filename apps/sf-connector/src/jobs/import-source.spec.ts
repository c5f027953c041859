import { describe, expect, it } from '@jest/globals';
import { ConnectorMetrics } from '@crm-sync/connector-kit';
import { JobProgress } from '@crm-sync/domain';
import { createLogger } from '@crm-sync/runtime';
import { SteppingClock } from '../../test/stepping-clock.js';
import { connectionsFromConfig, loadConfig } from '../config.js';
import { SalesforceBudget } from '../salesforce/budget.js';
import type { QueryPage, SalesforceApi } from '../salesforce/salesforce-api.port.js';
import { SalesforceClient } from '../salesforce/salesforce-client.js';
import { sfConnectorTopics } from '../topics.js';
import { ImportSource } from './import-source.js';
import type { SnapshotPage } from './snapshot-jobs.js';

const C = 'c-1';
const logger = createLogger('test', { level: 'error', write: () => undefined });

/**
 * An org's accounts behind the query port, as Salesforce pages them: an import query
 * (`… WHERE Id > 'x' ORDER BY Id ASC LIMIT n`) is answered in batches of `batch` records, the
 * rest behind `nextRecordsUrl`. `expireLocators` fails that many `queryMore` calls, as Salesforce
 * does for a locator it dropped.
 */
class PagingOrg {
  readonly calls: string[] = [];
  expireLocators = 0;
  private readonly cursors = new Map<string, Record<string, unknown>[]>();

  constructor(
    private readonly ids: readonly string[],
    private readonly batch: number,
  ) {}

  api(): SalesforceApi {
    const unsupported = () => Promise.reject(new Error('not part of an import'));
    return {
      describe: () => Promise.resolve([{ name: 'Id', type: 'id' }]),
      query: (soql) => Promise.resolve(this.query(soql)),
      queryMore: (url) => this.queryMore(url),
      getDeleted: unsupported,
      upsert: unsupported,
      update: unsupported,
      limits: () => Promise.resolve({ used: 0, max: 100_000 }),
      lastUsage: () => undefined,
    };
  }

  private query(soql: string): QueryPage {
    this.calls.push('query');
    if (soql.startsWith('SELECT COUNT()'))
      return { totalSize: this.ids.length, done: true, records: [] };
    const after = /WHERE Id > '([^']+)'/.exec(soql)?.[1];
    const limit = Number(/LIMIT (\d+)/.exec(soql)?.[1]);
    const rows = this.ids
      .filter((id) => after === undefined || id > after)
      .slice(0, limit)
      .map((id) => ({
        Id: id,
        Name: `Account ${id}`,
        SystemModstamp: '2026-11-28T12:00:00.000+0000',
        CreatedDate: '2026-11-28T12:00:00.000+0000',
      }));
    return this.page(`q${String(this.calls.length)}`, rows, rows.length);
  }

  private queryMore(url: string): Promise<QueryPage> {
    this.calls.push('queryMore');
    const rows = this.cursors.get(url);
    this.cursors.delete(url);
    if (this.expireLocators > 0 || rows === undefined) {
      this.expireLocators--;
      return Promise.reject(new Error('INVALID_QUERY_LOCATOR: invalid query locator'));
    }
    return Promise.resolve(this.page(url, rows, rows.length));
  }

  private page(locator: string, rows: Record<string, unknown>[], totalSize: number): QueryPage {
    const rest = rows.slice(this.batch);
    if (rest.length === 0) return { totalSize, done: true, records: rows };
    const next = `${locator}-${String(rows.length - rest.length)}`;
    this.cursors.set(next, rest);
    return { totalSize, done: false, nextRecordsUrl: next, records: rows.slice(0, this.batch) };
  }
}

async function runImport(org: PagingOrg, pageSize: number): Promise<SnapshotPage[]> {
  const clock = new SteppingClock();
  const [base] = connectionsFromConfig(loadConfig({ CONNECTION_ID: C }));
  if (!base) throw new Error('no connection');
  const settings = { ...base, importPageSize: pageSize };
  const budget = new SalesforceBudget(settings.budget, 100_000, clock);
  const client = new SalesforceClient(C, org.api(), budget, new ConnectorMetrics('test'));
  const source = new ImportSource({
    settings,
    client: () => Promise.resolve(client),
    fields: () => Promise.resolve(['Id', 'Name', 'SystemModstamp', 'CreatedDate']),
    topics: sfConnectorTopics(undefined),
    clock,
    logger,
  });
  const job = JobProgress.parse({
    jobId: 'j-1',
    connectionId: C,
    kind: 'import',
    state: 'running',
    done: 0,
    total: null,
    startedAt: '2026-11-28T12:00:00.000Z',
    updatedAt: '2026-11-28T12:00:00.000Z',
    finishedAt: null,
  });
  const pages: SnapshotPage[] = [];
  await source.pages(job, new AbortController().signal, (page) => {
    pages.push(page);
    return Promise.resolve();
  });
  return pages;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `001${String(i).padStart(15, '0')}`);

describe('ImportSource', () => {
  it('publishes every batch of a query answered in several, and goes on after the page', async () => {
    const org = new PagingOrg(ids(2_300), 500);
    const pages = await runImport(org, 1_000);
    expect(pages.map((p) => p.records)).toEqual([500, 500, 500, 500, 300]);
    expect(pages.map((p) => p.resumeAfter)).toEqual(
      [499, 999, 1_499, 1_999, 2_299].map((i) => ids(2_300)[i]),
    );
    expect(org.calls).toEqual(['query', 'queryMore', 'query', 'queryMore', 'query']);
  });

  it('queries again from the last account published when a batch’s locator is gone', async () => {
    const org = new PagingOrg(ids(1_200), 500);
    org.expireLocators = 1;
    const pages = await runImport(org, 1_000);
    const changes = sfConnectorTopics(undefined).salesforceChanges;
    const published = pages.flatMap((p) => p.messages.filter((m) => m.topic === changes));
    expect(pages.map((p) => p.records)).toEqual([500, 500, 200]);
    expect(published).toHaveLength(1_200);
    expect(new Set(published.map((m) => m.key)).size).toBe(1_200);
    expect(org.calls).toEqual(['query', 'queryMore', 'query', 'queryMore']);
  });

  it('ends after a whole page shorter than the page size, and not before', async () => {
    const org = new PagingOrg(ids(1_000), 2_000);
    const pages = await runImport(org, 1_000);
    expect(pages.map((p) => p.records)).toEqual([1_000, 0]);
    expect(org.calls).toEqual(['query', 'query']);
  });
});
