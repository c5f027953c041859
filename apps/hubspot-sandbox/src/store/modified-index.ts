import { toEpochMillis } from '../model/property-registry.js';
import type { Filter } from '../search/filter-evaluator.js';

/**
 * Records by last-modified instant. Writes are O(1) (bucket per millisecond); the sorted list of
 * instants is rebuilt lazily on the next range query, so 200k writes between two polls stay cheap.
 */
export class ModifiedIndex {
  private readonly buckets = new Map<number, Set<string>>();
  private sorted: number[] | undefined;

  set(id: string, previousIso: string | undefined, at: number): void {
    if (previousIso !== undefined) this.delete(id, previousIso);
    let bucket = this.buckets.get(at);
    if (bucket === undefined) {
      this.buckets.set(at, (bucket = new Set()));
      this.sorted = undefined;
    }
    bucket.add(id);
  }

  delete(id: string, iso: string | undefined): void {
    if (iso === undefined) return;
    const at = Date.parse(iso);
    const bucket = this.buckets.get(at);
    if (bucket === undefined) return;
    bucket.delete(id);
    if (bucket.size === 0) {
      this.buckets.delete(at);
      this.sorted = undefined;
    }
  }

  /** Ids whose instant satisfies a range filter, or undefined if the filter is not a range. */
  rangeFor(f: Filter): string[] | undefined {
    const low = f.value === undefined ? undefined : toEpochMillis(f.value);
    const high = f.highValue === undefined ? undefined : toEpochMillis(f.highValue);
    let from = -Infinity;
    let to = Infinity;
    let fromOpen = false;
    let toOpen = false;
    const op = f.operator;
    if (op === 'GT' || op === 'GTE') {
      if (low === undefined) return undefined;
      from = low;
      fromOpen = op === 'GT';
    } else if (op === 'LT' || op === 'LTE') {
      if (low === undefined) return undefined;
      to = low;
      toOpen = op === 'LT';
    } else if (op === 'BETWEEN') {
      if (low === undefined || high === undefined) return undefined;
      from = low;
      to = high;
    } else if (op === 'EQ') {
      if (low === undefined) return undefined;
      from = to = low;
    } else return undefined;
    const sorted = (this.sorted ??= [...this.buckets.keys()].sort((a, b) => a - b));
    const out: string[] = [];
    for (let i = lowerBound(sorted, from); i < sorted.length; i++) {
      const at = sorted[i];
      if (at === undefined || at > to || (toOpen && at === to)) break;
      if (fromOpen && at === from) continue;
      for (const id of this.buckets.get(at) ?? []) out.push(id);
    }
    return out;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
