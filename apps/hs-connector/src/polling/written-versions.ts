import type { SearchHit } from '../hubspot/hubspot-api.port.js';

/**
 * The company versions this instance's write path has published: each HubSpot answer to our
 * writes, carried on its command result, once that result is committed to Kafka. A
 * reconciliation poll that finds a company at exactly such a version skips the read: the
 * engine has that version already. Without this, the poll after an import read back every
 * company the import wrote (up to 200,000 reads of the budget, at 50 a request).
 *
 * A cache, not a source of truth: a version it does not hold (forgotten, written by another
 * instance, or before a restart) is read as before. Only exact versions are skipped, so a later
 * edit by anyone, the same token included, is read. Bounded: past `max` versions the oldest
 * recorded go first.
 */
export class WrittenVersions {
  /** Per connection: company id → version (hs_lastmodifieddate, ms), oldest recorded first. */
  private readonly byConnection = new Map<string, Map<string, number>>();
  private count = 0;

  constructor(private readonly max: number) {
    if (!(max >= 0)) throw new RangeError(`written versions: max must be 0 or more, got ${max}`);
  }

  get size(): number {
    return this.count;
  }

  /** Versions of companies our writes produced, committed with their results. */
  record(connectionId: string, versions: Iterable<readonly [string, number]>): void {
    if (this.max === 0) return;
    let held = this.byConnection.get(connectionId);
    if (held === undefined) {
      held = new Map<string, number>();
      this.byConnection.set(connectionId, held);
    }
    for (const [id, version] of versions) {
      // Re-inserted: a newer write of a company counts as recorded now.
      if (held.delete(id)) this.count--;
      held.set(id, version);
      this.count++;
    }
    this.evict(held);
  }

  /**
   * The hits that are versions our writes published; those are forgotten here (the poll's
   * `seen` versions cover its overlap from then on).
   */
  takeOurs(connectionId: string, hits: readonly SearchHit[]): SearchHit[] {
    const held = this.byConnection.get(connectionId);
    if (held === undefined) return [];
    const ours = hits.filter((h) => held.get(h.id) === h.modifiedAt);
    for (const h of ours) held.delete(h.id);
    this.count -= ours.length;
    return ours;
  }

  /** Oldest first, from the connection just recorded into, then from the others. */
  private evict(first: Map<string, number>): void {
    if (this.count <= this.max) return;
    for (const held of [first, ...this.byConnection.values()]) {
      for (const id of held.keys()) {
        if (this.count <= this.max) return;
        held.delete(id);
        this.count--;
      }
    }
  }
}
