import type { SalesforceObject } from '@crm-sync/domain';
import type { Collection, Db } from 'mongodb';
import {
  loadCursor,
  storeCursor,
  type ObjectCursor,
  type StoredCursor,
  type Tombstones,
} from './capture-state.js';

/** Everything change capture of one connection remembers between runs. */
export interface CaptureSnapshot {
  readonly cursors: Partial<Record<SalesforceObject, ObjectCursor>>;
  /** Replay id of the last CDC event published to Kafka (null: none yet). */
  readonly cdcReplayId: number | null;
  /** Since when the CDC stream has been continuous (ms; null: never subscribed). */
  readonly cdcSince: number | null;
  readonly tombstones: Tombstones;
}

interface CursorDoc {
  _id: string;
  connectionId: string;
  cursors: Partial<Record<SalesforceObject, StoredCursor>>;
  cdcReplayId: number | null;
  cdcSince: number | null;
  updatedAt: Date;
}

interface TombstoneDoc {
  _id: string;
  connectionId: string;
  /** Parallel arrays (FerretDB stores no nested arrays): record ids and their delete times (ms). */
  ids: string[];
  deletedAt: number[];
  updatedAt: Date;
}

/**
 * Capture state in MongoDB: per connection one cursor document (`_id: connectionId`) and one
 * tombstone document (`_id: <connectionId>:tombstones`), read and written only by `_id`.
 * Single writer: the instance that owns the connection (see ownership/), one write at a time.
 */
export class CaptureStore {
  private readonly cursors: Collection<CursorDoc>;
  private readonly tombstones: Collection<TombstoneDoc>;

  constructor(db: Db) {
    this.cursors = db.collection<CursorDoc>('sf_capture_cursors');
    this.tombstones = db.collection<TombstoneDoc>('sf_capture_tombstones');
  }

  async load(connectionId: string): Promise<CaptureSnapshot | undefined> {
    const [doc, deleted] = await Promise.all([
      this.cursors.findOne({ _id: connectionId }),
      this.tombstones.findOne({ _id: `${connectionId}:tombstones` }),
    ]);
    if (!doc) return undefined;
    const cursors: Partial<Record<SalesforceObject, ObjectCursor>> = {};
    for (const [object, stored] of Object.entries(doc.cursors) as [
      SalesforceObject,
      StoredCursor,
    ][]) {
      cursors[object] = loadCursor(stored);
    }
    return {
      cursors,
      cdcReplayId: doc.cdcReplayId,
      cdcSince: doc.cdcSince,
      tombstones: new Map((deleted?.ids ?? []).map((id, i) => [id, deleted?.deletedAt[i] ?? 0])),
    };
  }

  async saveCursors(
    connectionId: string,
    cursors: Partial<Record<SalesforceObject, ObjectCursor>>,
    cdc: { readonly replayId: number | null; readonly since: number | null },
  ): Promise<void> {
    const stored: Partial<Record<SalesforceObject, StoredCursor>> = {};
    for (const [object, cursor] of Object.entries(cursors) as [SalesforceObject, ObjectCursor][]) {
      stored[object] = storeCursor(cursor);
    }
    await this.cursors.replaceOne(
      { _id: connectionId },
      {
        connectionId,
        cursors: stored,
        cdcReplayId: cdc.replayId,
        cdcSince: cdc.since,
        updatedAt: new Date(),
      },
      { upsert: true },
    );
  }

  async saveTombstones(connectionId: string, tombstones: Tombstones): Promise<void> {
    await this.tombstones.replaceOne(
      { _id: `${connectionId}:tombstones` },
      {
        connectionId,
        ids: [...tombstones.keys()],
        deletedAt: [...tombstones.values()],
        updatedAt: new Date(),
      },
      { upsert: true },
    );
  }
}
