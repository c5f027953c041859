import type { ApiBudgetReport } from '@crm-sync/domain';
import type { BudgetReportStore } from './budget-report-store.port.js';

/** `BudgetReportStore` in a map, for unit tests; `failing` makes the next saves throw. */
export class InMemoryBudgetReportStore implements BudgetReportStore {
  readonly reports = new Map<string, ApiBudgetReport>();
  /** Every save in order (tests count writes). */
  readonly saves: ApiBudgetReport[] = [];
  failing: Error | undefined;

  save(report: ApiBudgetReport): Promise<void> {
    if (this.failing) return Promise.reject(this.failing);
    this.reports.set(report._id, structuredClone(report));
    this.saves.push(report);
    return Promise.resolve();
  }

  prune(connectionIds: readonly string[], before: Date): Promise<number> {
    let n = 0;
    for (const [id, r] of this.reports) {
      if (connectionIds.includes(r.connectionId) && Date.parse(r.updatedAt) < before.getTime()) {
        this.reports.delete(id);
        n++;
      }
    }
    return Promise.resolve(n);
  }
}
