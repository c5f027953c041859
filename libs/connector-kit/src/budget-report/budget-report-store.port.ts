import type { ApiBudgetReport } from '@crm-sync/domain';

/**
 * Where budget reports go (`api_budget`). Real adapter: `MongoBudgetReportStore`; twin for unit
 * tests: `InMemoryBudgetReportStore`.
 */
export interface BudgetReportStore {
  /** Replaces the report with the same `_id` (or inserts it): one write, no transaction. */
  save(report: ApiBudgetReport): Promise<void>;
  /** Deletes reports of these connections last updated before `before` (dead instances' leftovers). */
  prune(connectionIds: readonly string[], before: Date): Promise<number>;
}
