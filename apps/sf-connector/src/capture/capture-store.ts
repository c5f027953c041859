import type { SalesforceObject } from '@crm-sync/domain';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import {
  loadCursor,
  storeCursor,
  storeSlices,
  type ObjectCursor,
  type StoredCursor,
  type StoredVersions,
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

interface SeenSliceDoc {
  _id: string;
  connectionId: string;
  object: SalesforceObject;
  /** `seenSliceOf(at)` of every version in it. */
  slice: number;
  seen: StoredVersions;
}

interface TombstoneDoc {
  _id: string;
  connectionId: string;
  /** Parallel arrays (FerretDB stores no nested arrays): record ids and their delete times (ms). */
  ids: string[];
  deletedAt: number[];
  updatedAt: Date;
}

/** Slice writes per bulk command (FerretDB holds a connection per operation until it ends). */
const SLICE_WRITES_PER_COMMAND = 50;

/**
 * Capture state in MongoDB: per connection one cursor document (`_id: connectionId`) with each
 * object's head, the seen versions in one document per object and second of SystemModstamp
 * (`_id: <connectionId>:<object>:<slice>`), and one tombstone document
 * (`_id: <connectionId>:tombstones`). A save writes only the slices that changed since the last
 * one, slices first: the stored versions are never behind the stored head's window in a way that
 * loses a change (a missing version only means the poll publishes it once more). Written only by
 * `_id`, read by `connectionId` at start. Single writer: the instance that owns the connection
 * (see ownership/), one write at a time.
 */
export class CaptureStore {
  private readonly cursors: Collection<CursorDoc>;
  private readonly seen: Collection<SeenSliceDoc>;
  private readonly tombstones: Collection<TombstoneDoc>;

  constructor(db: Db) {
    this.cursors = db.collection<CursorDoc>('sf_capture_cursors');
    this.seen = db.collection<SeenSliceDoc>('sf_capture_seen');
    this.tombstones = db.collection<TombstoneDoc>('sf_capture_tombstones');
  }

  async load(connectionId: string): Promise<CaptureSnapshot | undefined> {
    const [doc, deleted, slices] = await Promise.all([
      this.cursors.findOne({ _id: connectionId }),
      this.tombstones.findOne({ _id: `${connectionId}:tombstones` }),
      this.seen.find({ connectionId }).toArray(),
    ]);
    if (!doc) return undefined;
    const cursors: Partial<Record<SalesforceObject, ObjectCursor>> = {};
    for (const [object, stored] of Object.entries(doc.cursors) as [
      SalesforceObject,
      StoredCursor,
    ][]) {
      const own = slices.filter((s) => s.object === object).map((s) => s.seen);
      cursors[object] = loadCursor(stored, own);
    }
    return {
      cursors,
      cdcReplayId: doc.cdcReplayId,
      cdcSince: doc.cdcSince,
      tombstones: new Map((deleted?.ids ?? []).map((id, i) => [id, deleted?.deletedAt[i] ?? 0])),
    };
  }

  /**
   * Writes the cursors: first the versions of `changedSlices` (per object; an emptied slice is
   * deleted), then the heads and the CDC position.
   */
  async saveCursors(
    connectionId: string,
    cursors: Partial<Record<SalesforceObject, ObjectCursor>>,
    cdc: { readonly replayId: number | null; readonly since: number | null },
    changedSlices: ReadonlyMap<SalesforceObject, readonly number[]> = new Map(),
  ): Promise<void> {
    await this.saveSlices(connectionId, cursors, changedSlices);
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

  private async saveSlices(
    connectionId: string,
    cursors: Partial<Record<SalesforceObject, ObjectCursor>>,
    changedSlices: ReadonlyMap<SalesforceObject, readonly number[]>,
  ): Promise<void> {
    const ops: AnyBulkWriteOperation<SeenSliceDoc>[] = [];
    for (const [object, slices] of changedSlices) {
      const cursor = cursors[object];
      if (cursor === undefined || slices.length === 0) continue;
      for (const [slice, seen] of storeSlices(cursor, slices)) {
        const _id = `${connectionId}:${object}:${slice}`;
        ops.push(
          seen.length === 0
            ? { deleteOne: { filter: { _id } } }
            : {
                replaceOne: {
                  filter: { _id },
                  replacement: { connectionId, object, slice, seen },
                  upsert: true,
                },
              },
        );
      }
    }
    for (let i = 0; i < ops.length; i += SLICE_WRITES_PER_COMMAND) {
      await this.seen.bulkWrite(ops.slice(i, i + SLICE_WRITES_PER_COMMAND), { ordered: false });
    }
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
