import type { SalesforceObject } from '@crm-sync/domain';
import { initialCursor, type ObjectCursor, type Tombstones } from './capture-state.js';
import type { CaptureSnapshot, CaptureStore } from './capture-store.js';

/**
 * The capture state of one owned connection while it runs: the poller and the CDC pump read it
 * and move it on (only after Kafka acknowledged what they published), and it is written to
 * MongoDB by one writer, one write at a time. What is stored is therefore never ahead of Kafka;
 * after a crash the next owner re-reads from the stored cursor and publishes at most a few
 * duplicates, never a gap.
 */
export class CaptureLedger {
  private cursors: Partial<Record<SalesforceObject, ObjectCursor>>;
  private replayId: number | null;
  private since: number | null;
  private deleted: Tombstones;
  private storedTombstones: Tombstones;
  private writing: Promise<void> = Promise.resolve();
  /** The last publication's turn (see `publication`). */
  private publishing: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly connectionId: string,
    private readonly store: CaptureStore,
    private readonly now: () => number,
    snapshot: CaptureSnapshot | undefined,
  ) {
    this.cursors = { ...(snapshot?.cursors ?? {}) };
    this.replayId = snapshot?.cdcReplayId ?? null;
    this.since = snapshot?.cdcSince ?? null;
    this.deleted = snapshot?.tombstones ?? new Map();
    this.storedTombstones = this.deleted;
  }

  static async open(
    connectionId: string,
    store: CaptureStore,
    now: () => number,
  ): Promise<CaptureLedger> {
    return new CaptureLedger(connectionId, store, now, await store.load(connectionId));
  }

  /** The object's cursor; a connection seen for the first time starts now (imports cover the past). */
  cursor(object: SalesforceObject): ObjectCursor {
    return (this.cursors[object] ??= initialCursor(this.now()));
  }

  updateCursor(object: SalesforceObject, next: (c: ObjectCursor) => ObjectCursor): void {
    this.cursors[object] = next(this.cursor(object));
    this.dirty = true;
  }

  get tombstones(): Tombstones {
    return this.deleted;
  }

  updateTombstones(next: (t: Tombstones) => Tombstones): void {
    const t = next(this.deleted);
    if (t !== this.deleted) {
      this.deleted = t;
      this.dirty = true;
    }
  }

  get cdcReplayId(): number | null {
    return this.replayId;
  }

  setCdcReplayId(replayId: number): void {
    if (this.replayId === null || replayId > this.replayId) {
      this.replayId = replayId;
      this.dirty = true;
    }
  }

  /** Since when (ms) the CDC stream has had no gap; null before the first subscription. */
  get cdcSince(): number | null {
    return this.since;
  }

  /** CDC subscribed: a fresh stream (no replay) starts a new continuous period. */
  cdcSubscribed(replayed: boolean): void {
    if (replayed && this.since !== null) return;
    this.since = this.now();
    this.dirty = true;
  }

  /**
   * Runs `work` once every earlier publication of this connection has settled. The poller and
   * the CDC pump each decide what to publish from the state, publish it and move the state on
   * within one turn, so neither decides on a state the other is about to move: a version CDC
   * published is in `seen` before a poll classifies it, and a poll never publishes a change
   * after CDC published it.
   */
  publication<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.publishing.then(work);
    this.publishing = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Writes the current state (after any write in progress); resolves when it is stored. */
  save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.writing.then(() => this.write());
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Asks for a write within `ms` (CDC publishes often; one write covers many batches). */
  saveSoon(ms: number, onError: (e: unknown) => void): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch(onError);
    }, ms);
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const tombstones = this.deleted;
    const changedSlices = new Map(
      (Object.entries(this.cursors) as [SalesforceObject, ObjectCursor][]).map(([object, c]) => [
        object,
        c.seen.takeChangedSlices(),
      ]),
    );
    try {
      await this.store.saveCursors(
        this.connectionId,
        this.cursors,
        { replayId: this.replayId, since: this.since },
        changedSlices,
      );
      if (tombstones !== this.storedTombstones) {
        await this.store.saveTombstones(this.connectionId, tombstones);
        this.storedTombstones = tombstones;
      }
    } catch (e) {
      this.dirty = true;
      for (const [object, slices] of changedSlices) {
        this.cursors[object]?.seen.restoreChangedSlices(slices);
      }
      throw e;
    }
  }
}
