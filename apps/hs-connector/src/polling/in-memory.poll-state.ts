import type { ObjectType } from '../hubspot/hubspot-api.port.js';
import type { PollCursor, PollStateStore, SweepState } from './poll-state.port.js';

/** The in-memory twin of the poll state (unit tests). */
export class InMemoryPollState implements PollStateStore {
  readonly cursors = new Map<string, PollCursor>();
  readonly associations = new Map<string, readonly string[]>();
  readonly sweeps = new Map<string, SweepState>();

  loadCursor(connectionId: string, object: ObjectType): Promise<PollCursor | undefined> {
    return Promise.resolve(this.cursors.get(`${connectionId}:${object}`));
  }

  saveCursor(connectionId: string, object: ObjectType, cursor: PollCursor): Promise<void> {
    this.cursors.set(`${connectionId}:${object}`, { ...cursor, seen: new Map(cursor.seen) });
    return Promise.resolve();
  }

  loadAssociations(
    connectionId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, readonly string[]>> {
    const out = new Map<string, readonly string[]>();
    for (const id of contactIds) {
      const known = this.associations.get(`${connectionId}:${id}`);
      if (known !== undefined) out.set(id, known);
    }
    return Promise.resolve(out);
  }

  saveAssociations(
    connectionId: string,
    companiesOfContact: ReadonlyMap<string, readonly string[]>,
  ): Promise<void> {
    for (const [id, companies] of companiesOfContact)
      this.associations.set(`${connectionId}:${id}`, [...companies]);
    return Promise.resolve();
  }

  loadSweep(connectionId: string): Promise<SweepState | undefined> {
    return Promise.resolve(this.sweeps.get(connectionId));
  }

  saveSweep(connectionId: string, state: SweepState): Promise<void> {
    this.sweeps.set(connectionId, state);
    return Promise.resolve();
  }
}
