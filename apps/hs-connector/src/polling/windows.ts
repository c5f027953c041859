import {
  SEARCH_PAGE_SIZE,
  SEARCH_RESULT_CAP,
  type ModifiedQuery,
  type ObjectType,
  type SearchHit,
  type SearchPage,
} from '../hubspot/hubspot-api.port.js';

/** A span of hs_lastmodifieddate, epoch ms, both ends inclusive. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/**
 * A window holding `total` matches is split when the search API could not page through it
 * (10,000 results at most per query) and it is wider than one millisecond.
 */
export function mustSplit(total: number, w: TimeWindow, cap: number = SEARCH_RESULT_CAP): boolean {
  return total >= cap && w.to > w.from;
}

/** Two halves that cover the window exactly, earlier first. */
export function splitWindow(w: TimeWindow): readonly [TimeWindow, TimeWindow] {
  if (!(w.to > w.from)) throw new RangeError(`cannot split [${w.from}, ${w.to}]`);
  const mid = w.from + Math.floor((w.to - w.from) / 2);
  return [
    { from: w.from, to: mid },
    { from: mid + 1, to: w.to },
  ];
}

/** The range a poll covers: from the watermark minus the lookback overlap up to now. */
export function pollRange(watermark: number, lookbackMs: number, now: number): TimeWindow {
  return { from: Math.max(0, watermark - lookbackMs), to: Math.max(now, watermark) };
}

/** One page of a scan; `windowDone` marks the last page of a window (a safe checkpoint). */
export interface ScanStep {
  readonly window: TimeWindow;
  readonly hits: readonly SearchHit[];
  readonly windowDone: boolean;
}

export type Search = (query: ModifiedQuery) => Promise<SearchPage>;

/**
 * Every record modified within `range`, oldest window first. A window the search API cannot
 * page through (≥ 10,000 matches) is halved until it can, or until it is one millisecond wide;
 * inside a window, pages are keyset-paged by id (`hs_object_id > last id`, ascending), so every
 * request starts at offset 0 and the 10,000 cap never applies, not even to 20,000 records that
 * share one millisecond. The first page of a window also tells its total; a window that must be
 * split costs that one request.
 */
export async function* scanModified(
  search: Search,
  object: ObjectType,
  range: TimeWindow,
  pageSize: number = SEARCH_PAGE_SIZE,
  cap: number = SEARCH_RESULT_CAP,
): AsyncGenerator<ScanStep> {
  const pending: TimeWindow[] = [range];
  for (let w = pending.pop(); w !== undefined; w = pending.pop()) {
    const query = { object, from: w.from, to: w.to, limit: pageSize };
    let page = await search({ ...query, afterId: undefined });
    if (mustSplit(page.total, w, cap)) {
      const [earlier, later] = splitWindow(w);
      pending.push(later, earlier);
      continue;
    }
    for (;;) {
      const last = page.hits.at(-1);
      const done = last === undefined || page.hits.length < pageSize;
      yield { window: w, hits: page.hits, windowDone: done };
      if (done) break;
      page = await search({ ...query, afterId: last.id });
    }
  }
}
