import type { ObjectType } from '../hubspot/hubspot-api.port.js';

/** How far polling of one object got: everything modified up to `watermark` was reported. */
export interface PollCursor {
  /** Epoch ms. */
  readonly watermark: number;
  /** Versions reported within the lookback overlap (id → hs_lastmodifieddate ms). */
  readonly seen: ReadonlyMap<string, number>;
}

/** Progress of the periodic full sweep (associations of every contact, then the recycle bins). */
export interface SweepState {
  /** A pass is under way (else the last one is complete). */
  readonly running: boolean;
  readonly phase: SweepPhase;
  /** Paging cursor within the phase. */
  readonly after: string | undefined;
  /** When the current (or last) pass started, epoch ms. */
  readonly startedAt: number;
  /** Deletions archived at or after this instant are reported by the pass. */
  readonly deletedSince: number;
  /** When the last pass completed; the next starts one interval later. */
  readonly completedAt: number | undefined;
}

export type SweepPhase = 'associations' | 'companies' | 'contacts';

/**
 * Durable state of polling. Exactly one instance polls a connection (see `PollOwnership`), so
 * every document has a single writer; a zombie writer during a hand-over can only make the
 * next poll re-read (every value written covers only what its writer already reported).
 */
export interface PollStateStore {
  loadCursor(connectionId: string, object: ObjectType): Promise<PollCursor | undefined>;
  saveCursor(connectionId: string, object: ObjectType, cursor: PollCursor): Promise<void>;
  /** The last known companies of each contact; contacts never seen are absent. */
  loadAssociations(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, readonly string[]>>;
  saveAssociations(
    connectionId: string,
    companiesOfContact: ReadonlyMap<string, readonly string[]>,
  ): Promise<void>;
  loadSweep(connectionId: string): Promise<SweepState | undefined>;
  saveSweep(connectionId: string, state: SweepState): Promise<void>;
}
