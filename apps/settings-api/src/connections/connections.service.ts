import type { Logger } from '@crm-sync/runtime';
import type { ControlPublisher } from '../control/control-publisher.js';
import { conflict, notFound } from '../http/errors.js';
import type { JobRecord } from '../jobs/job.js';
import type { JobStore } from '../jobs/job.store.js';
import type { Clock } from '../shared/clock.js';
import type { Connection } from './connection.js';
import type { ConnectionStore, Revision } from './connection.store.js';

/** What a change decided: the connection as it will be, what to tell the system, jobs it starts. */
export interface PlannedChange {
  readonly connection: Connection;
  readonly messages: readonly string[];
  readonly jobs?: readonly JobRecord[];
}

export interface ChangeOutcome {
  readonly connection: Connection;
  readonly changed: boolean;
  readonly jobs: readonly JobRecord[];
}

/** A claim older than this whose writer has not finished is taken to be orphaned and completed. */
export const DEFAULT_STALE_CLAIM_MS = 15_000;

/**
 * Reads and changes connections through the revision protocol of `ConnectionStore`:
 * claim revision n+1 → publish its messages → record its jobs → write the current state.
 * Publishing before the current state moves on means no writer can base a later revision on one
 * whose messages are not out yet, so control messages leave in revision order. A failed publish
 * withdraws the claim (nothing happened, 503); a writer that died after claiming is completed by
 * whoever next reads the connection once the claim is `staleClaimMs` old (publishing again with the
 * same envelope ids is harmless: consumers de-duplicate, and settings messages carry whole states).
 */
export class Connections {
  constructor(
    private readonly store: ConnectionStore,
    private readonly jobs: JobStore,
    private readonly publisher: ControlPublisher,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly staleClaimMs = DEFAULT_STALE_CLAIM_MS,
  ) {}

  /** The current state, completing an orphaned change first; 404 when there is no such connection. */
  async get(id: string): Promise<Connection> {
    let current = await this.store.get(id);
    if (current === undefined) {
      const first = await this.store.revision(id, 1);
      if (first === undefined || !this.isStale(first)) throw notFound(`No connection "${id}".`);
      current = await this.complete(first);
    }
    for (;;) {
      const next = await this.store.revision(id, current.revision + 1);
      if (next === undefined || !this.isStale(next)) return current;
      current = await this.complete(next);
    }
  }

  async list(after: string | undefined, limit: number): Promise<Connection[]> {
    return this.store.list(after, limit);
  }

  /** Revision 1. 409 when the id is taken (even by a creation still in progress). */
  async create(planned: PlannedChange, createdBy: string): Promise<Connection> {
    const revision = this.revision(planned, 1, createdBy);
    if (!(await this.store.claim(revision))) {
      throw conflict(`A connection "${planned.connection.id}" exists already.`, {
        code: 'CONNECTION_EXISTS',
      });
    }
    return this.apply(revision);
  }

  /**
   * Applies `plan` to the current state. `plan` returns undefined for "nothing to change" and
   * throws an ApiError to refuse; it may run again if an orphaned change had to be completed.
   */
  async change(
    id: string,
    changedBy: string,
    plan: (current: Connection) => PlannedChange | undefined,
  ): Promise<ChangeOutcome> {
    const current = await this.get(id);
    const planned = plan(current);
    if (planned === undefined) return { connection: current, changed: false, jobs: [] };
    const revision = this.revision(planned, current.revision + 1, changedBy);
    if (!(await this.store.claim(revision))) {
      throw conflict(
        'The connection was changed by another request at the same moment; read it again and retry.',
        { code: 'CONCURRENT_CHANGE' },
      );
    }
    return { connection: await this.apply(revision), changed: true, jobs: revision.jobs };
  }

  private revision(planned: PlannedChange, n: number, changedBy: string): Revision {
    const at = this.clock.now().toISOString();
    return {
      connectionId: planned.connection.id,
      revision: n,
      createdAt: at,
      changedBy,
      connection: { ...planned.connection, revision: n, updatedAt: at, updatedBy: changedBy },
      messages: planned.messages,
      jobs: planned.jobs ?? [],
    };
  }

  private async apply(revision: Revision): Promise<Connection> {
    try {
      await this.publisher.publish(revision.connectionId, revision.messages);
    } catch (e) {
      await this.store.release(revision.connectionId, revision.revision);
      throw e;
    }
    return this.record(revision);
  }

  private async complete(revision: Revision): Promise<Connection> {
    this.logger.warn('completing an orphaned connection change', {
      connectionId: revision.connectionId,
      revision: revision.revision,
    });
    await this.publisher.publish(revision.connectionId, revision.messages);
    return this.record(revision);
  }

  private async record(revision: Revision): Promise<Connection> {
    const publishedAt = this.clock.now().toISOString();
    for (const job of revision.jobs) await this.jobs.put({ ...job, publishedAt });
    await this.store.put(revision.connection);
    this.logger.info('connection changed', {
      connectionId: revision.connectionId,
      revision: revision.revision,
      changedBy: revision.changedBy,
      messages: revision.messages.length,
      jobIds: revision.jobs.map((j) => j.jobId),
    });
    return revision.connection;
  }

  private isStale(revision: Revision): boolean {
    return this.clock.now().getTime() - Date.parse(revision.createdAt) >= this.staleClaimMs;
  }
}
