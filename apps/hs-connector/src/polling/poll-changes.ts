import type { HubSpotChangeEvent } from '@crm-sync/domain';
import {
  BOOKKEEPING_PROPERTIES,
  changedSince,
  modifiedAt,
  originFromHistory,
  recordChangeEvent,
} from '../changes/change-events.js';
import type { HubSpotRecord, ObjectType, SearchHit } from '../hubspot/hubspot-api.port.js';

/** Seen records of the lookback overlap: id → the hs_lastmodifieddate already reported. */
export type SeenVersions = ReadonlyMap<string, number>;

/** At most this many versions are remembered; forgetting one only means reporting it again. */
export const MAX_SEEN = 50_000;

/**
 * What polling reports for a record it found modified. Created after `since` (and not seen
 * before) → `created` with every property; else `updated` with the properties whose newest
 * version is after what was last reported (or after `since`), none → nothing to report.
 * The origin comes from the property history (the webhook's fields are not there).
 */
export function polledChange(
  connectionId: string,
  object: ObjectType,
  record: HubSpotRecord,
  since: number,
  previouslyReported: number | undefined,
): HubSpotChangeEvent | undefined {
  const readable = Object.keys(record.properties).filter((p) => !BOOKKEEPING_PROPERTIES.has(p));
  const created = previouslyReported === undefined && Date.parse(record.createdAt) >= since;
  const recent = new Set(
    changedSince(record, previouslyReported ?? since, previouslyReported !== undefined),
  );
  const changed = created ? readable : readable.filter((p) => recent.has(p));
  if (changed.length === 0) return undefined;
  return recordChangeEvent({
    connectionId,
    object,
    recordId: record.id,
    changeType: created ? 'created' : 'updated',
    record,
    changedProperties: changed.sort(),
    changedAt: modifiedAt(record),
    origin: originFromHistory(record, changed),
    capturedBy: 'poll',
  });
}

/** Hits whose version was not reported yet (the lookback overlap re-finds reported ones). */
export function unseen(hits: readonly SearchHit[], seen: SeenVersions): SearchHit[] {
  return hits.filter((h) => seen.get(h.id) !== h.modifiedAt);
}

/**
 * The versions to remember after a checkpoint at `watermark`: those the next poll's overlap
 * can find again (modified at or after `watermark - lookbackMs`), newest first when too many.
 */
export function rememberSeen(
  seen: SeenVersions,
  watermark: number,
  lookbackMs: number,
  max: number = MAX_SEEN,
): Map<string, number> {
  const keep = [...seen].filter(([, at]) => at >= watermark - lookbackMs);
  if (keep.length > max) keep.sort((a, b) => b[1] - a[1]).splice(max);
  return new Map(keep);
}

/**
 * Association changes of one contact between two readings. A contact seen for the first time
 * has no "before": its current companies are reported as added only when asked (it was created
 * or modified in the polled range), else they become the baseline silently.
 */
export function associationDiff(
  before: readonly string[] | undefined,
  after: readonly string[],
  reportFirstSight: boolean,
): { readonly added: string[]; readonly removed: string[] } {
  if (before === undefined) return { added: reportFirstSight ? [...after] : [], removed: [] };
  const was = new Set(before);
  const now = new Set(after);
  return {
    added: after.filter((c) => !was.has(c)),
    removed: before.filter((c) => !now.has(c)),
  };
}
