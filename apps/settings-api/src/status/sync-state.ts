import { CrmSystem, DecisionRecord, SyncErrorData } from '@crm-sync/domain';
import { z } from 'zod';

/**
 * The documents sync-rules' read model holds (apps/sync-rules/src/store/read-model.ts, row shapes
 * in apps/sync-rules/src/store/sync-store.port.ts), as this API
 * reads them. It never writes them. Each is parsed leniently (unknown fields ignored) and one that
 * does not parse is skipped with a warning, so a newer sync-rules never breaks a status page.
 */
export const LinkDoc = z.object({
  accountId: z.string(),
  companyId: z.string(),
  linkedAt: z.string(),
  via: z.string(),
  deletedOn: z.enum(['salesforce', 'hubspot']).nullable().default(null),
});
export type LinkDoc = z.infer<typeof LinkDoc>;

export const DecisionDoc = DecisionRecord.extend({ recordId: z.string() });
export type DecisionDoc = z.infer<typeof DecisionDoc>;

export const ErrorDoc = SyncErrorData.extend({
  system: CrmSystem,
  recordId: z.string(),
  occurredAt: z.string(),
});
export type ErrorDoc = z.infer<typeof ErrorDoc> & { readonly id: string };

/** The latest of per-field change times (ISO date-times), or null. */
function latestOf(times: Readonly<Record<string, string>> | undefined): string | null {
  let best: string | null = null;
  for (const t of Object.values(times ?? {})) {
    if (!Number.isNaN(Date.parse(t)) && (best === null || Date.parse(t) > Date.parse(best)))
      best = t;
  }
  return best;
}

const times = z.record(z.string(), z.string()).optional();

/**
 * `changedAt`: the record's last change. Documents written before sync-rules kept only that hold
 * every field's time instead (`fieldChangedAt`, `propertyChangedAt`): the latest of them.
 */
export const AccountDoc = z
  .object({
    accountId: z.string(),
    changedAt: z.string().nullable().optional(),
    fieldChangedAt: times,
    deleted: z.boolean().default(false),
  })
  .transform(({ fieldChangedAt, changedAt, ...doc }) => ({
    ...doc,
    changedAt: changedAt ?? latestOf(fieldChangedAt),
  }));
export type AccountDoc = z.infer<typeof AccountDoc>;

export const CompanyDoc = z
  .object({
    companyId: z.string(),
    changedAt: z.string().nullable().optional(),
    propertyChangedAt: times,
    deleted: z.boolean().default(false),
  })
  .transform(({ propertyChangedAt, changedAt, ...doc }) => ({
    ...doc,
    changedAt: changedAt ?? latestOf(propertyChangedAt),
  }));
export type CompanyDoc = z.infer<typeof CompanyDoc>;

/** sync-rules' record counts of a connection (apps/sync-rules/src/store/counts-writer.ts). */
export const CountsDoc = z.object({
  links: z.number().int(),
  linksWithDeletedSide: z.number().int(),
  accounts: z.number().int(),
  companies: z.number().int(),
  /** Kept by the engine since November 2026; a document without them is counted from sync_errors. */
  failingRecords: z.number().int().optional(),
  errorsByCategory: z.record(z.string(), z.number().int()).optional(),
  countedAt: z.string(),
});

export interface ErrorFilter {
  readonly category?: string | undefined;
  readonly system?: string | undefined;
  readonly recordId?: string | undefined;
  readonly code?: string | undefined;
}

export interface ConnectionCounts {
  readonly links: number;
  readonly linksWithDeletedSide: number;
  readonly accounts: number;
  readonly companies: number;
  /** When sync-rules counted these figures; null until it has. */
  readonly countedAt: string | null;
  readonly failingRecords: number;
  readonly errorsByCategory: Readonly<Record<string, number>>;
}

/** Read access to sync-rules' state. */
export interface SyncStateReader {
  linkByAccount(connectionId: string, accountId: string): Promise<LinkDoc | undefined>;
  linkByCompany(connectionId: string, companyId: string): Promise<LinkDoc | undefined>;
  /** Newest first. */
  decisions(
    connectionId: string,
    recordIds: readonly string[],
    limit: number,
  ): Promise<DecisionDoc[]>;
  errors(connectionId: string, recordIds: readonly string[]): Promise<ErrorDoc[]>;
  account(connectionId: string, accountId: string): Promise<AccountDoc | undefined>;
  company(connectionId: string, companyId: string): Promise<CompanyDoc | undefined>;
  /** Ordered by id; `after` is the last id of the previous page. */
  errorPage(
    connectionId: string,
    filter: ErrorFilter,
    after: string | undefined,
    limit: number,
  ): Promise<ErrorDoc[]>;
  errorCount(connectionId: string, filter: ErrorFilter): Promise<number>;
  counts(connectionId: string): Promise<ConnectionCounts>;
}
