import type { IsoDateTime, SalesforceValue } from '../contracts/common.js';
import type { DecisionOf } from '../contracts/decisions.js';
import { isBlank } from '../mapping/convert.js';

/** How this deployment marks its writes: the `Sforce-Call-Options` client name and the HubSpot app id. */
export interface OwnOrigin {
  readonly salesforceClientName: string;
  readonly hubspotAppId: string;
}

/** Origin marks carried by an incoming change (null fields: not known, e.g. polling). */
export type ChangeOriginMarks =
  | { readonly system: 'salesforce'; readonly changeOrigin: string | null }
  | { readonly system: 'hubspot'; readonly sourceId: string | null };

/** A value we wrote to one side and whose echo has not come back yet. */
export interface PendingWrite {
  readonly value: SalesforceValue;
  readonly writtenAt: IsoDateTime;
}

/**
 * Per link and per side: field → our writes not yet echoed, oldest first. Recorded when a command
 * is issued (not when its result arrives: the echo can overtake the result).
 */
export type WriteLedger = Readonly<Record<string, readonly PendingWrite[]>>;

/** Bound per field, so a side that never echoes (a field the CRM rewrites) cannot grow it forever. */
export const MAX_PENDING_WRITES_PER_FIELD = 10;

/** Adds writes to the ledger (pure: returns a new ledger). */
export function recordWrites(
  ledger: WriteLedger,
  values: Readonly<Record<string, SalesforceValue>>,
  writtenAt: IsoDateTime,
): WriteLedger {
  const next: Record<string, readonly PendingWrite[]> = { ...ledger };
  for (const [field, value] of Object.entries(values)) {
    next[field] = [...(ledger[field] ?? []), { value, writtenAt }].slice(
      -MAX_PENDING_WRITES_PER_FIELD,
    );
  }
  return next;
}

/**
 * Is this origin mark ours? Salesforce CDC `changeOrigin` looks like
 * `com/salesforce/api/rest/61.0;client=crm-sync`; a bare client name is accepted too.
 */
export function isOwnOrigin(origin: ChangeOriginMarks, own: OwnOrigin): boolean {
  if (origin.system === 'hubspot')
    return origin.sourceId !== null && origin.sourceId === own.hubspotAppId;
  if (origin.changeOrigin === null) return false;
  const client = /(?:^|;)\s*client=([^;]*)/.exec(origin.changeOrigin)?.[1] ?? origin.changeOrigin;
  return client.trim() === own.salesforceClientName;
}

/** Loose equality across representations: 100 vs "100", true vs "true", "" vs null, same instant. */
export function sameWrittenValue(a: SalesforceValue, b: SalesforceValue): boolean {
  if (isBlank(a) || isBlank(b)) return isBlank(a) && isBlank(b);
  if (String(a) === String(b)) return true;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  if (
    typeof a === 'string' &&
    typeof b === 'string' &&
    /^\d{4}-\d{2}-\d{2}T/.test(a) &&
    /^\d{4}-\d{2}-\d{2}T/.test(b)
  ) {
    return (
      Date.parse(a.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) ===
      Date.parse(b.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
    );
  }
  return false;
}

export interface EchoCheck {
  /** True when every changed field is an echo: the change must not be synced. */
  readonly echo: boolean;
  /** The decision to record when `echo`. */
  readonly decision: DecisionOf<'skip'> | null;
  readonly echoFields: readonly string[];
  /** Fields to sync (R9 runs on these only). */
  readonly genuineFields: readonly string[];
  /** The ledger after this change: store it in place of the old one. */
  readonly ledger: WriteLedger;
}

/**
 * Is an incoming change (its changed mapped fields and their values, in the side's own terms) an
 * echo of our writes? Per field:
 * 1. its value equals one of our pending writes → echo; that write and all older ones are
 *    consumed (polling may skip intermediate values, so the newest equal write is matched);
 * 2. else the origin mark is ours → echo (the CRM reformatted our value, or the write is stale),
 *    the oldest pending write is consumed; except when the field has no pending write while
 *    another field of the same change has one: that is a side effect of our write (a Salesforce
 *    trigger runs under our change origin) and real data to sync;
 * 3. else → genuine, and the field's pending writes are dropped (a human change supersedes them,
 *    so a later human change back to an old value of ours is not mistaken for an echo).
 * Both signals are needed: origin marks are absent on polled changes and HubSpot changeSource can
 * be generic, while values alone cannot tell our stale write from a human edit. Every write is
 * consumed by at most one echo and no echo produces a write, so an edit storm settles.
 */
export function detectEcho(input: {
  readonly origin: ChangeOriginMarks;
  readonly own: OwnOrigin;
  readonly changed: Readonly<Record<string, SalesforceValue>>;
  readonly ledger: WriteLedger;
}): EchoCheck {
  const ours = isOwnOrigin(input.origin, input.own);
  const fields = Object.keys(input.changed);
  const anyPending = fields.some((f) => (input.ledger[f]?.length ?? 0) > 0);
  const ledger: Record<string, readonly PendingWrite[]> = { ...input.ledger };
  const echoFields: string[] = [];
  const genuineFields: string[] = [];
  for (const field of fields) {
    const value = input.changed[field] ?? null;
    const pending = input.ledger[field] ?? [];
    let match = -1;
    pending.forEach((w, i) => {
      if (sameWrittenValue(w.value, value)) match = i;
    });
    if (match >= 0) {
      echoFields.push(field);
      ledger[field] = pending.slice(match + 1);
    } else if (ours && (pending.length > 0 || !anyPending)) {
      echoFields.push(field);
      ledger[field] = pending.slice(1);
    } else {
      genuineFields.push(field);
      ledger[field] = [];
    }
  }
  const compact = Object.fromEntries(
    Object.entries(ledger).filter(([, writes]) => writes.length > 0),
  );
  const echo = echoFields.length > 0 && genuineFields.length === 0;
  return {
    echo,
    decision: echo ? { kind: 'skip', reasons: ['ECHO_OF_OWN_WRITE'] } : null,
    echoFields,
    genuineFields,
    ledger: compact,
  };
}
