import type { Collection, Db } from 'mongodb';
import type { ObjectType } from '../hubspot/hubspot-api.port.js';
import type { PollCursor, PollStateStore, SweepState } from './poll-state.port.js';

interface CursorDoc {
  _id: string;
  connectionId: string;
  object: ObjectType;
  watermark: number;
  /** Seen versions as two parallel lists (FerretDB stores no nested arrays). */
  seenIds: string[];
  seenAt: number[];
  updatedAt: string;
}

/** Contacts are kept in buckets of ids, so one page of contacts is one or two documents. */
interface AssociationBucketDoc {
  _id: string;
  connectionId: string;
  /** `c<contactId>` → company ids (prefixed: field names must not look like array indexes). */
  contacts: Record<string, string[]>;
}

interface SweepDoc extends Omit<SweepState, 'after' | 'completedAt'> {
  _id: string;
  connectionId: string;
  after: string | null;
  completedAt: number | null;
}

const BUCKET = 1_000;

/**
 * Poll state in MongoDB. Reads and writes go by `_id` only (FerretDB pushes only `_id`
 * equality down); every document has one writer, the poll owner of its connection.
 */
export class MongoPollState implements PollStateStore {
  private readonly cursors: Collection<CursorDoc>;
  private readonly buckets: Collection<AssociationBucketDoc>;
  private readonly sweeps: Collection<SweepDoc>;

  constructor(db: Db) {
    this.cursors = db.collection('hs_poll_cursors');
    this.buckets = db.collection('hs_association_snapshots');
    this.sweeps = db.collection('hs_sweeps');
  }

  async loadCursor(connectionId: string, object: ObjectType): Promise<PollCursor | undefined> {
    const doc = await this.cursors.findOne({ _id: `${connectionId}:${object}` });
    if (doc === null) return undefined;
    const seen = new Map<string, number>();
    doc.seenIds.forEach((id, i) => seen.set(id, doc.seenAt[i] ?? 0));
    return { watermark: doc.watermark, seen };
  }

  async saveCursor(connectionId: string, object: ObjectType, cursor: PollCursor): Promise<void> {
    const _id = `${connectionId}:${object}`;
    await this.cursors.replaceOne(
      { _id },
      {
        connectionId,
        object,
        watermark: cursor.watermark,
        seenIds: [...cursor.seen.keys()],
        seenAt: [...cursor.seen.values()],
        updatedAt: new Date().toISOString(),
      },
      { upsert: true },
    );
  }

  async loadAssociations(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, readonly string[]>> {
    const buckets = [...new Set(contactIds.map(bucketOf))];
    const docs = await Promise.all(
      buckets.map((b) => this.buckets.findOne({ _id: `${connectionId}:${b}` })),
    );
    const known = new Map<string, string[]>();
    for (const doc of docs) {
      for (const [field, companies] of Object.entries(doc?.contacts ?? {}))
        known.set(field.slice(1), companies);
    }
    const out = new Map<string, readonly string[]>();
    for (const id of contactIds) {
      const companies = known.get(id);
      if (companies !== undefined) out.set(id, companies);
    }
    return out;
  }

  async saveAssociations(
    connectionId: string,
    companiesOfContact: ReadonlyMap<string, readonly string[]>,
  ): Promise<void> {
    const byBucket = new Map<number, Record<string, string[]>>();
    for (const [id, companies] of companiesOfContact) {
      const fields = byBucket.get(bucketOf(id)) ?? {};
      fields[`contacts.c${id}`] = [...companies];
      byBucket.set(bucketOf(id), fields);
    }
    for (const [bucket, fields] of byBucket) {
      await this.buckets.updateOne(
        { _id: `${connectionId}:${bucket}` },
        { $set: { connectionId, ...fields } },
        { upsert: true },
      );
    }
  }

  async loadSweep(connectionId: string): Promise<SweepState | undefined> {
    const doc = await this.sweeps.findOne({ _id: connectionId });
    if (doc === null) return undefined;
    return {
      running: doc.running,
      phase: doc.phase,
      // A missing paging cursor is stored as null.
      after: doc.after ?? undefined,
      startedAt: doc.startedAt,
      deletedSince: doc.deletedSince,
      completedAt: doc.completedAt ?? undefined,
    };
  }

  async saveSweep(connectionId: string, state: SweepState): Promise<void> {
    await this.sweeps.replaceOne(
      { _id: connectionId },
      {
        connectionId,
        ...state,
        after: state.after ?? null,
        completedAt: state.completedAt ?? null,
      },
      { upsert: true },
    );
  }
}

function bucketOf(contactId: string): number {
  return Math.floor(Number(contactId) / BUCKET);
}
