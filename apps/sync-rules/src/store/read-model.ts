import type { DecisionRecorded } from '@crm-sync/domain';
import type { Consumer, Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { AnyBulkWriteOperation as BulkOp, Db, Document } from 'mongodb';

type ReadModelDoc = Document & { _id: string };
type AnyBulkWriteOperation = BulkOp<ReadModelDoc>;
import { decodeRecord } from './state/state-changelog.js';
import { SEP } from './state/table.js';

/** Read-model `_id`s: the row id with `:` between its parts (`<connectionId>:<accountId>`). */
const readModelId = (rowId: string) => rowId.split(SEP).join(':');

/**
 * Writes sync-rules' state and decision history into MongoDB for the settings API ("why did this
 * record (not) sync?", links, errors), off the hot path: it follows the state changelog and the
 * decisions topic in its own consumer group and writes each batch with one unordered bulkWrite
 * per collection (the last version of a document in a batch wins). Writes are idempotent (replace
 * by `_id`), so at-least-once delivery is enough. It lags under load and catches up; the engine
 * never reads it.
 *
 * Collections (each document also has `connectionId`): `links` (`_id` connection:accountId),
 * `accounts`, `companies`, `associations`, `hubspot_contacts`, `salesforce_contacts`,
 * `pending_creates`, `sync_errors` (connection:system:recordId:code) and `decisions`
 * (connection:decisionId, with `recordId` = the decision's subject record).
 */
export class ReadModelSink {
  private consumer: Consumer | undefined;
  /** Documents written (for tests and logs). */
  written = 0;

  constructor(
    private readonly options: {
      readonly kafka: Kafka;
      readonly db: Db;
      readonly stateTopic: string;
      readonly decisionsTopic: string;
      readonly groupId: string;
      readonly logger: Logger;
    },
  ) {}

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
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 2 * 1_048_576,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [stateTopic, decisionsTopic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        const ops =
          batch.topic === stateTopic
            ? this.stateOps(batch.messages)
            : this.decisionOps(batch.messages);
        for (const [collection, byId] of ops) {
          const writes = [...byId.values()];
          if (writes.length === 0) continue;
          await this.options.db
            .collection<ReadModelDoc>(collection)
            .bulkWrite(writes, { ordered: false });
          this.written += writes.length;
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private stateOps(
    messages: readonly { key: Buffer | null; value: Buffer | null }[],
  ): Map<string, Map<string, AnyBulkWriteOperation>> {
    const ops = new Map<string, Map<string, AnyBulkWriteOperation>>();
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
      if (!r) continue;
      const _id = readModelId(r.id);
      const connectionId = r.id.slice(0, r.id.indexOf(SEP));
      const byId = ops.get(r.table) ?? new Map<string, AnyBulkWriteOperation>();
      ops.set(r.table, byId);
      byId.set(
        _id,
        r.row === null || r.row === undefined
          ? { deleteOne: { filter: { _id } } }
          : {
              replaceOne: {
                filter: { _id },
                replacement: { connectionId, ...(r.row as Document) },
                upsert: true,
              },
            },
      );
    }
    return ops;
  }

  private decisionOps(
    messages: readonly { value: Buffer | null }[],
  ): Map<string, Map<string, AnyBulkWriteOperation>> {
    const byId = new Map<string, AnyBulkWriteOperation>();
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
        replaceOne: {
          filter: { _id },
          replacement: {
            connectionId: d.connectionId,
            recordId: d.payload.subject.recordId,
            ...d.payload,
          },
          upsert: true,
        },
      });
    }
    return new Map([['decisions', byId]]);
  }
}
