import { API_BUDGET_COLLECTION, type ApiBudgetReport } from '@crm-sync/domain';
import type { Collection, Db } from 'mongodb';
import type { BudgetReportStore } from './budget-report-store.port.js';

/**
 * Budget reports in MongoDB (or FerretDB): one `replaceOne` upsert by `_id` per report, so it
 * needs no transaction and a report is always whole.
 */
export class MongoBudgetReportStore implements BudgetReportStore {
  private readonly reports: Collection<ApiBudgetReport>;

  constructor(db: Db) {
    this.reports = db.collection<ApiBudgetReport>(API_BUDGET_COLLECTION);
  }

  async save(report: ApiBudgetReport): Promise<void> {
    await this.reports.replaceOne({ _id: report._id }, report, { upsert: true });
  }

  async prune(connectionIds: readonly string[], before: Date): Promise<number> {
    // ISO times of one format compare as strings in time order.
    const { deletedCount } = await this.reports.deleteMany({
      connectionId: { $in: [...connectionIds] },
      updatedAt: { $lt: before.toISOString() },
    });
    return deletedCount;
  }
}
