import type { Logger } from '@crm-sync/runtime';
import type { Collection, Db, Document, Filter } from 'mongodb';
import type { z } from 'zod';
import {
  AccountDoc,
  CompanyDoc,
  CountsDoc,
  DecisionDoc,
  ErrorDoc,
  LinkDoc,
  type ConnectionCounts,
  type ErrorFilter,
  type SyncStateReader,
} from './sync-state.js';

type Raw = Document & { _id: string };

/**
 * Reads sync-rules' read model (apps/sync-rules/src/store/read-model.ts): `links`, `decisions`,
 * `sync_errors`, `accounts`, `companies`, whose documents are keyed `<connectionId>:<record id>`
 * (errors `<connectionId>:<system>:<recordId>:<code>`), and `sync_counts` (`_id` = connection id:
 * the engine's record counts, so a status counts no collection). Lookups by record go by `_id` where the
 * keys allow (the only fast lookup on FerretDB); history and error lists filter by `connectionId`
 * and `recordId`, which sync-rules indexes on real MongoDB. The read model is written
 * asynchronously from sync-rules' changelog, so it can lag the engine by a moment.
 */
export class MongoSyncStateReader implements SyncStateReader {
  private readonly links: Collection<Raw>;
  private readonly decisionDocs: Collection<Raw>;
  private readonly errorDocs: Collection<Raw>;
  private readonly accounts: Collection<Raw>;
  private readonly companies: Collection<Raw>;
  private readonly countDocs: Collection<Raw>;

  constructor(
    db: Db,
    private readonly logger: Logger,
  ) {
    this.links = db.collection('links');
    this.decisionDocs = db.collection('decisions');
    this.errorDocs = db.collection('sync_errors');
    this.accounts = db.collection('accounts');
    this.companies = db.collection('companies');
    this.countDocs = db.collection('sync_counts');
  }

  async linkByAccount(c: string, accountId: string): Promise<LinkDoc | undefined> {
    return this.one(LinkDoc, await this.links.findOne({ _id: key(c, accountId) }));
  }

  /**
   * A linked company names its account in `salesforceaccountid`, so the link is usually one `_id`
   * lookup away; otherwise (the property not written back yet) it is found by a filter on `links`.
   */
  async linkByCompany(c: string, companyId: string): Promise<LinkDoc | undefined> {
    const company = await this.companies.findOne({ _id: key(c, companyId) });
    const named: unknown = (company?.['properties'] as Record<string, unknown> | undefined)?.[
      'salesforceaccountid'
    ];
    if (typeof named === 'string' && named.length > 0) {
      const link = await this.linkByAccount(c, named);
      if (link?.companyId === companyId) return link;
    }
    return this.one(LinkDoc, await this.links.findOne({ connectionId: c, companyId }));
  }

  async decisions(c: string, recordIds: readonly string[], limit: number): Promise<DecisionDoc[]> {
    const docs = await this.decisionDocs
      .find({ connectionId: c, recordId: { $in: [...recordIds] } })
      .sort({ decidedAt: -1 })
      .limit(limit)
      .toArray();
    return this.all(DecisionDoc, docs);
  }

  async errors(c: string, recordIds: readonly string[]): Promise<ErrorDoc[]> {
    const docs = await this.errorDocs
      .find({ connectionId: c, recordId: { $in: [...recordIds] } })
      .sort({ _id: 1 })
      .limit(100)
      .toArray();
    return this.errorsOf(docs);
  }

  async account(c: string, accountId: string): Promise<AccountDoc | undefined> {
    return this.one(AccountDoc, await this.accounts.findOne({ _id: key(c, accountId) }));
  }

  async company(c: string, companyId: string): Promise<CompanyDoc | undefined> {
    return this.one(CompanyDoc, await this.companies.findOne({ _id: key(c, companyId) }));
  }

  async errorPage(
    c: string,
    filter: ErrorFilter,
    after: string | undefined,
    limit: number,
  ): Promise<ErrorDoc[]> {
    const query = errorQuery(c, filter);
    if (after !== undefined) query._id = { $gt: after };
    const docs = await this.errorDocs.find(query).sort({ _id: 1 }).limit(limit).toArray();
    return this.errorsOf(docs);
  }

  async errorCount(c: string, filter: ErrorFilter): Promise<number> {
    return this.errorDocs.countDocuments(errorQuery(c, filter));
  }

  /**
   * One document, the counts sync-rules keeps as its state changes. Only a document without the
   * error counts (written by an engine older than them, or none yet) makes the errors counted
   * here: two aggregations that scan and parse every error document on FerretDB.
   */
  async counts(c: string): Promise<ConnectionCounts> {
    const counts = this.one(CountsDoc, await this.countDocs.findOne({ _id: c }));
    const errors =
      counts?.failingRecords !== undefined && counts.errorsByCategory !== undefined
        ? { failingRecords: counts.failingRecords, errorsByCategory: counts.errorsByCategory }
        : await this.countErrors(c);
    return {
      links: counts?.links ?? 0,
      linksWithDeletedSide: counts?.linksWithDeletedSide ?? 0,
      accounts: counts?.accounts ?? 0,
      companies: counts?.companies ?? 0,
      countedAt: counts?.countedAt ?? null,
      ...errors,
    };
  }

  private async countErrors(
    c: string,
  ): Promise<Pick<ConnectionCounts, 'failingRecords' | 'errorsByCategory'>> {
    const [failing, byCategory] = await Promise.all([
      this.errorDocs
        .aggregate<{ n: number }>([
          { $match: { connectionId: c } },
          { $group: { _id: { system: '$system', recordId: '$recordId' } } },
          { $count: 'n' },
        ])
        .toArray(),
      this.errorDocs
        .aggregate<{ _id: unknown; n: number }>([
          { $match: { connectionId: c } },
          { $group: { _id: '$category', n: { $sum: 1 } } },
        ])
        .toArray(),
    ]);
    return {
      failingRecords: failing[0]?.n ?? 0,
      errorsByCategory: Object.fromEntries(
        byCategory.flatMap((g) => (typeof g._id === 'string' ? [[g._id, g.n] as const] : [])),
      ),
    };
  }

  private errorsOf(docs: Raw[]): ErrorDoc[] {
    return docs.flatMap((d) => {
      const parsed = this.one(ErrorDoc, d);
      return parsed === undefined ? [] : [{ ...parsed, id: d._id }];
    });
  }

  private one<S extends z.ZodType>(schema: S, doc: Raw | null): z.output<S> | undefined {
    if (doc === null) return undefined;
    const parsed = schema.safeParse(doc);
    if (parsed.success) return parsed.data;
    this.logger.warn('skipped a sync-rules document this API cannot read', {
      documentId: doc._id,
      reason: parsed.error.issues[0]?.message,
    });
    return undefined;
  }

  private all<S extends z.ZodType>(schema: S, docs: Raw[]): z.output<S>[] {
    return docs.flatMap((d) => {
      const parsed = this.one(schema, d);
      return parsed === undefined ? [] : [parsed];
    });
  }
}

function key(connectionId: string, recordId: string): string {
  return `${connectionId}:${recordId}`;
}

function errorQuery(c: string, f: ErrorFilter): Filter<Raw> {
  return {
    connectionId: c,
    ...(f.category === undefined ? {} : { category: f.category }),
    ...(f.system === undefined ? {} : { system: f.system }),
    ...(f.recordId === undefined ? {} : { recordId: f.recordId }),
    ...(f.code === undefined ? {} : { code: f.code }),
  };
}
