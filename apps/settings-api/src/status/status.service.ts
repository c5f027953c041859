import type { Connections } from '../connections/connections.service.js';
import type { Clock } from '../shared/clock.js';
import { apiBudgetUsed } from './api-budget-used.js';
import type { BudgetReportReader } from './budget-report.reader.js';
import type { LagProbe } from './consumer-lag.js';
import { errorItem, recordStatus } from './record-status.js';
import type {
  ConnectionStatusView,
  ErrorListQuery,
  ErrorPage,
  RecordStatusView,
} from './status.schemas.js';
import type { LinkDoc, SyncStateReader } from './sync-state.js';

const HISTORY = 100;

/**
 * Record and connection status, read from sync-rules' state and the connectors' budget
 * reports; nothing here writes.
 */
export class StatusService {
  constructor(
    private readonly connections: Connections,
    private readonly reader: SyncStateReader,
    private readonly lagProbe: LagProbe,
    private readonly budgets: BudgetReportReader,
    private readonly clock: Clock,
  ) {}

  async company(connectionId: string, companyId: string): Promise<RecordStatusView> {
    await this.connections.get(connectionId);
    const link = await this.reader.linkByCompany(connectionId, companyId);
    return this.record(
      connectionId,
      { system: 'hubspot', object: 'company', recordId: companyId },
      link,
      {
        companyId,
        accountId: link?.accountId,
      },
    );
  }

  async account(connectionId: string, accountId: string): Promise<RecordStatusView> {
    await this.connections.get(connectionId);
    const link = await this.reader.linkByAccount(connectionId, accountId);
    return this.record(
      connectionId,
      { system: 'salesforce', object: 'Account', recordId: accountId },
      link,
      { accountId, companyId: link?.companyId },
    );
  }

  async connection(connectionId: string): Promise<ConnectionStatusView> {
    const connection = await this.connections.get(connectionId);
    const [counts, lag, reports] = await Promise.all([
      this.reader.counts(connectionId),
      this.lagProbe.lag(),
      this.budgets.reports(connectionId),
    ]);
    const settings = connection.settings;
    return {
      connectionId,
      syncCompanies: settings.syncCompanies,
      syncEnabledAt: settings.syncEnabledAt,
      revision: connection.revision,
      counts: {
        linked: counts.links,
        linkedWithDeletedSide: counts.linksWithDeletedSide,
        failingRecords: counts.failingRecords,
        excluded: {
          accounts: Math.max(0, counts.accounts - counts.links),
          companies: Math.max(0, counts.companies - counts.links),
        },
        known: { accounts: counts.accounts, companies: counts.companies },
        countedAt: counts.countedAt,
      },
      errorsByCategory: counts.errorsByCategory,
      lag,
      apiBudget: {
        shares: settings.apiBudget,
        used: apiBudgetUsed(reports, this.clock.now()),
        note: 'Used per CRM, as the connectors report it every few seconds (per instance, summed here; reports older than 3 intervals are left out). `daily` is the whole org’s or portal’s day as the CRM reports it where it does, else the engine’s own count.',
      },
    };
  }

  async errors(connectionId: string, query: ErrorListQuery): Promise<ErrorPage> {
    await this.connections.get(connectionId);
    const limit = query.limit ?? 50;
    const filter = {
      category: query.category,
      system: query.system,
      recordId: query.recordId,
      code: query.code,
    };
    const [page, total] = await Promise.all([
      this.reader.errorPage(connectionId, filter, query.cursor, limit),
      this.reader.errorCount(connectionId, filter),
    ]);
    return {
      items: page.map(errorItem),
      total,
      nextCursor: page.length === limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  private async record(
    connectionId: string,
    record: RecordStatusView['record'],
    link: LinkDoc | undefined,
    ids: { readonly accountId: string | undefined; readonly companyId: string | undefined },
  ): Promise<RecordStatusView> {
    const recordIds = [ids.accountId, ids.companyId].filter((x): x is string => x !== undefined);
    const [decisions, errors, account, company] = await Promise.all([
      this.reader.decisions(connectionId, recordIds, HISTORY),
      this.reader.errors(connectionId, recordIds),
      ids.accountId === undefined ? undefined : this.reader.account(connectionId, ids.accountId),
      ids.companyId === undefined ? undefined : this.reader.company(connectionId, ids.companyId),
    ]);
    return recordStatus({ connectionId, record, link, errors, decisions, account, company });
  }
}
