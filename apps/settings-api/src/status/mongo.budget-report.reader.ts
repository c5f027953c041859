import { API_BUDGET_COLLECTION, ApiBudgetReport } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { Collection, Db, Document } from 'mongodb';
import type { BudgetReportReader } from './budget-report.reader.js';

type Raw = Document & { _id: string };

/**
 * Reads the connectors' budget reports (connector-kit's `BudgetReporter`): a handful of
 * documents per connection (one per connector instance and CRM). A document that does not parse
 * is skipped with a warning, like the other read models here.
 */
export class MongoBudgetReportReader implements BudgetReportReader {
  private readonly reportDocs: Collection<Raw>;

  constructor(
    db: Db,
    private readonly logger: Logger,
  ) {
    this.reportDocs = db.collection(API_BUDGET_COLLECTION);
  }

  async reports(connectionId: string): Promise<readonly ApiBudgetReport[]> {
    const docs = await this.reportDocs.find({ connectionId }).limit(1_000).toArray();
    return docs.flatMap((d) => {
      const parsed = ApiBudgetReport.safeParse(d);
      if (parsed.success) return [parsed.data];
      this.logger.warn('skipped an api budget report this API cannot read', {
        documentId: d._id,
        reason: parsed.error.issues[0]?.message,
      });
      return [];
    });
  }
}
