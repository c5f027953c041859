import type { ApiBudgetReport } from '@crm-sync/domain';

/** The connectors' API budget reports of one connection (`api_budget`), read only. */
export interface BudgetReportReader {
  reports(connectionId: string): Promise<readonly ApiBudgetReport[]>;
}
