import type { DecisionRecorded } from '@crm-sync/domain';
import type { Consumer, Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation as BulkOp,
  type Db,
  type Document,
} from 'mongodb';

import type { ReadModelYield } from './read-model-yield.js';
import { latestChange } from './state/row-codecs.js';
import { decodeRecord } from './state/state-changelog.js';
import { SEP } from './state/table.js';

type ReadModelDoc = Document & { _id: string };
type AnyBulkWriteOperation = BulkOp<ReadModelDoc>;

/** Read-model `_id`s: the row id with `:` between its parts (`<connectionId>:<accountId>`). */
const readModelId = (rowId: string) => rowId.split(SEP).join(':');

/**
 * The changelog tables the settings API reads, and what of each row it reads
 * (apps/settings-api/src/status/sync-state.ts), from the rows' stored form (`row-codecs.ts`).
 * The others (contacts, associations, pending creates, cancelled jobs) serve the engine only,
 * which keeps them in memory and in the changelog; so do the record values and the links' write
 * ledgers: the read model holds no CRM field values but a company's account id. Small documents
 * are what FerretDB writes fastest.
 */
const pick =
  (...fields: readonly string[]) =>
  (row: Document): Document =>
    Object.fromEntries(fields.map((f) => [f, row[f] as unknown]));

const READ_MODEL_ROWS: ReadonlyMap<string, (row: Document) => Document> = new Map([
  ['links', pick('accountId', 'companyId', 'linkedAt', 'via', 'deletedOn')],
  // Of the change times, the latest only ("last change" in a record's status).
  [
    'accounts',
    (a: Document) => ({
      ...pick('accountId', 'createdDate', 'deleted')(a),
      changedAt: latestChange(a, 'fieldTimes', 'fieldChangedAt'),
    }),
  ],
  [
    'companies',
    (c: Document) => ({
      ...pick('companyId', 'autoCreated', 'deleted')(c),
      changedAt: latestChange(c, 'propertyTimes', 'propertyChangedAt'),
      properties: {
        salesforceaccountid:
          (c['properties'] as Record<string, unknown> | undefined)?.['salesforceaccountid'] ?? null,
      },
    }),
  ],
  ['sync_errors', (e: Document) => e],
]);

/** The changelog tables copied into the read model. */
export const READ_MODEL_TABLES: ReadonlySet<string> = new Set(READ_MODEL_ROWS.keys());

/**
 * Update operations per command. FerretDB 1.24 (SQLite) keeps each operation's read cursor, and
 * with it one of its 100 pooled SQLite connections, open until the whole command ends: a command
 * of 100 updates or more waits forever for a connection. Real MongoDB has no such limit; small
 * commands cost it little.
 */
const UPDATES_PER_COMMAND = 50;
/** Inserts per command (FerretDB inserts a command in one SQLite transaction). */
const INSERTS_PER_COMMAND = 1_000;
const DUPLICATE_KEY = 11000;

/**
 * Writes sync-rules' state and decision history into MongoDB for the settings API ("why did this
 * record (not) sync?", links, errors), off the hot path: it follows the state changelog and the
 * decisions topic in its own consumer group. Rows of the tables the API reads are written by
 * `_id` (the last version of a document in a batch wins): inserted, and replaced if one was
 * there already, in unordered bulk writes. Decisions never change: a redelivered one is refused
 * as a duplicate and skipped. Writes are idempotent, so at-least-once delivery is enough. It
 * lags under load and catches up; the engine never reads it. While the engine has a backlog it
 * may pause altogether (`yieldTo`): its database writes would take the machine from the sync.
 *
 * Collections (each document also has `connectionId`): `links` (`_id` connection:accountId),
 * `accounts`, `companies`, `sync_errors` (connection:system:recordId:code) and `decisions`
 * (connection:decisionId, with `recordId` = the decision's subject record).
 */
export class ReadModelSink {
  private consumer: Consumer | undefined;
  private yieldTimer: NodeJS.Timeout | undefined;
  /** Documents written (for tests and logs). */
  written = 0;
  /** Decisions refused as already written (redeliveries). */
  duplicateDecisions = 0;
  /** Pauses made for the engine so far (for tests and logs). */
  pauses = 0;

  constructor(
    private readonly options: {
      readonly kafka: Kafka;
      readonly db: Db;
      readonly stateTopic: string;
      readonly decisionsTopic: string;
      readonly groupId: string;
      readonly logger: Logger;
      /**
       * Pauses the sink while the engine has a backlog (`ReadModelYield`), checked every
       * `everyMs`. Without it the sink follows its topics all the time.
       */
      readonly yieldTo?: {
        readonly backlog: () => number;
        readonly policy: ReadModelYield;
        readonly nowMs: () => number;
        readonly everyMs: number;
      };
    },
  ) {}

  /** Whether the sink is paused for the engine now. */
  get yielding(): boolean {
    return this.options.yieldTo?.policy.paused ?? false;
  }

  /** The topics its consumer does not fetch now (paused), as the consumer itself says. */
  pausedTopics(): string[] {
    return (this.consumer?.paused() ?? []).map((p) => p.topic).sort();
  }

  async ensureIndexes(): Promise<void> {
    const { db } = this.options;
    await db.collection('decisions').createIndex({ connectionId: 1, recordId: 1, decidedAt: 1 });
    await db.collection('sync_errors').createIndex({ connectionId: 1, recordId: 1 });
  }

  async start(): Promise<void> {
    const { kafka, groupId, stateTopic, decisionsTopic } = this.options;
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      // Under load, wait for bigger batches: a row written several times in a moment (an
      // account's snapshot, link and echo) is then written to the database once.
      minBytes: 1_048_576,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 2 * 1_048_576,
      maxBytes: 4 * 1_048_576,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [stateTopic, decisionsTopic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        if (batch.topic === stateTopic) {
          for (const [collection, byId] of this.stateDocs(batch.messages))
            await this.write(collection, byId);
        } else {
          // Decisions never change: one already there is a redelivery, and is skipped.
          const redelivered = await this.insertNew('decisions', this.decisionDocs(batch.messages));
          this.duplicateDecisions += redelivered.length;
        }
      },
    });
    this.followEngine(consumer);
  }

  /** Pauses and resumes the sink's topics as `yieldTo`'s policy says. */
  private followEngine(consumer: Consumer): void {
    const { yieldTo, stateTopic, decisionsTopic, logger } = this.options;
    if (yieldTo === undefined) return;
    const topics = [{ topic: stateTopic }, { topic: decisionsTopic }];
    this.yieldTimer = setInterval(() => {
      const backlog = yieldTo.backlog();
      const step = yieldTo.policy.step(yieldTo.nowMs(), backlog);
      if (step === undefined) return;
      if (step.action === 'pause') {
        consumer.pause(topics);
        this.pauses += 1;
        logger.info('read model paused for the engine', { reason: step.reason, backlog });
      } else {
        consumer.resume(topics);
        logger.info('read model follows its topics again', { reason: step.reason, backlog });
      }
    }, yieldTo.everyMs);
    this.yieldTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.yieldTimer);
    this.yieldTimer = undefined;
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  /** The last version of each document per collection in these messages (`null`: deleted). */
  private stateDocs(
    messages: readonly { key: Buffer | null; value: Buffer | null }[],
  ): Map<string, Map<string, ReadModelDoc | null>> {
    const docs = new Map<string, Map<string, ReadModelDoc | null>>();
    for (const m of messages) {
      let r;
      try {
        r = decodeRecord(m.key?.toString('utf8') ?? null, m.value?.toString('utf8') ?? null);
      } catch (error) {
        this.options.logger.error('unreadable state record not written to the read model', {
          error,
        });
        continue;
      }
      const project = r && READ_MODEL_ROWS.get(r.table);
      if (!r || !project) continue;
      const _id = readModelId(r.id);
      const connectionId = r.id.slice(0, r.id.indexOf(SEP));
      const byId = docs.get(r.table) ?? new Map<string, ReadModelDoc | null>();
      docs.set(r.table, byId);
      byId.set(
        _id,
        r.row === null || r.row === undefined ? null : { _id, connectionId, ...project(r.row) },
      );
    }
    return docs;
  }

  /**
   * Each document as its last version says: inserted first, since most documents a busy sink
   * writes are new (an import writes each account, company and link once or twice), and FerretDB
   * inserts a document for a fraction of an upsert. Those refused as existing are then replaced,
   * and deleted ones deleted.
   */
  private async write(collection: string, byId: ReadonlyMap<string, ReadModelDoc | null>) {
    const docs = [...byId.values()].filter((d): d is ReadModelDoc => d !== null);
    const existing = await this.insertNew(collection, docs);
    const writes: AnyBulkWriteOperation[] = [];
    for (const [_id, doc] of byId) {
      if (doc === null) writes.push({ deleteOne: { filter: { _id } } });
    }
    for (const doc of existing) {
      writes.push({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } });
    }
    const coll = this.options.db.collection<ReadModelDoc>(collection);
    for (let i = 0; i < writes.length; i += UPDATES_PER_COMMAND) {
      await coll.bulkWrite(writes.slice(i, i + UPDATES_PER_COMMAND), { ordered: false });
    }
    this.written += writes.length;
  }

  /**
   * Inserts `docs` in unordered commands and returns those refused because their `_id` exists.
   * Any other refusal throws, so that the batch is fetched again.
   */
  private async insertNew(
    collection: string,
    docs: readonly ReadModelDoc[],
  ): Promise<ReadModelDoc[]> {
    const coll = this.options.db.collection<ReadModelDoc>(collection);
    const existing: ReadModelDoc[] = [];
    for (let i = 0; i < docs.length; i += INSERTS_PER_COMMAND) {
      const chunk = docs.slice(i, i + INSERTS_PER_COMMAND);
      try {
        await coll.insertMany(chunk, { ordered: false });
        this.written += chunk.length;
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const refused = [error.writeErrors].flat();
        if (refused.some((e) => e.code !== DUPLICATE_KEY)) throw error;
        this.written += chunk.length - refused.length;
        for (const e of refused) {
          const doc = chunk[e.index];
          if (doc !== undefined) existing.push(doc);
        }
      }
    }
    return existing;
  }

  private decisionDocs(messages: readonly { value: Buffer | null }[]): ReadModelDoc[] {
    const byId = new Map<string, ReadModelDoc>();
    for (const m of messages) {
      let d: DecisionRecorded;
      try {
        d = JSON.parse(m.value?.toString('utf8') ?? 'null') as DecisionRecorded;
        if (typeof d.id !== 'string') continue;
      } catch {
        continue;
      }
      const _id = `${d.connectionId}:${d.id}`;
      byId.set(_id, {
        _id,
        connectionId: d.connectionId,
        recordId: d.payload.subject.recordId,
        ...d.payload,
      });
    }
    return [...byId.values()];
  }
}
