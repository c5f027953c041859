import type { Clock } from '@crm-sync/connector-kit';
import { groupLag, type Admin } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';

/** How far the sync engine is behind on the changes jobs publish. */
export interface EngineBacklog {
  /** Messages it has yet to process; undefined when unknown (it never committed any). */
  behind(): Promise<number | undefined>;
}

/** The engine's backlog as Kafka sees it: its consumer group's lag on the change topic. */
export class KafkaEngineBacklog implements EngineBacklog {
  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  behind(): Promise<number | undefined> {
    return groupLag(this.admin, this.groupId, this.topic);
  }
}

export interface LookAheadSettings {
  /** Engine backlog (messages) at which a job waits before its next page; 0: jobs never wait. */
  readonly maxAhead: number;
  /** How often the backlog is read, while waiting and while publishing. */
  readonly checkMs: number;
  /**
   * Longest wait: an engine still behind then is taken as stalled (stopped, or failing), and
   * jobs publish without waiting until it is seen catching up again.
   */
  readonly maxWaitMs: number;
}

/** Who waits, for the log. */
export interface LookAheadJob {
  readonly connectionId: string;
  readonly jobId: string;
  readonly kind: string;
}

/**
 * Keeps jobs (imports, replays) at most `maxAhead` messages ahead of the sync engine, which
 * decides their changes in order with the live ones. Kafka would hold any backlog, but one a
 * job builds costs twice: a live change made meanwhile queues behind it (200,000 imported
 * accounts are ~100 s of the engine's work at HubSpot's 190 requests per 10 s), and on a shared
 * machine reading Salesforce far ahead takes the CPU the engine needs (docs/decisions.md).
 *
 * Before each page a job asks for `room`: while the backlog is at `maxAhead` or more, it waits,
 * so that at the limit it publishes at the engine's pace, a page at a time. (Waiting until the
 * engine was down to half read Salesforce at full speed in between, in bursts that took the
 * engine's CPU as before.) The backlog is read at most every `checkMs`; between reads, pages
 * published since count on top of the last reading. A read that fails does not hold a job up:
 * it goes on as if the backlog were unknown.
 */
export class LookAhead {
  private readAt = Number.NEGATIVE_INFINITY;
  private estimate: number | undefined;
  /** Set after a wait reached `maxWaitMs`; cleared once the engine is seen catching up. */
  private stalled = false;
  /** The last read failed (logged once, not at every page). */
  private failing = false;

  constructor(
    private readonly o: {
      readonly backlog: EngineBacklog;
      readonly settings: LookAheadSettings;
      readonly clock: Clock;
      readonly logger: Logger;
    },
  ) {}

  /** Resolves when `job` may publish its next page; rejects when `signal` aborts the wait. */
  async room(job: LookAheadJob, signal: AbortSignal): Promise<void> {
    const { settings, clock, logger } = this.o;
    if (settings.maxAhead === 0) return;
    if (clock.now() - this.readAt >= settings.checkMs) await this.read();
    if (this.stalled && (this.estimate ?? 0) <= settings.maxAhead / 2) this.stalled = false;
    if (this.stalled || this.estimate === undefined || this.estimate < settings.maxAhead) return;
    const since = clock.now();
    const log = { ...job, behind: this.estimate, maxAhead: settings.maxAhead };
    // At the limit a job waits before most pages: debug, not info, or an import floods the log.
    logger.debug('job waits for the sync engine to catch up', log);
    for (;;) {
      await clock.sleep(settings.checkMs, signal);
      const behind = await this.read();
      const waitedMs = clock.now() - since;
      if (behind === undefined || behind < settings.maxAhead) {
        logger.debug('job goes on', { ...log, behind, waitedMs });
        return;
      }
      if (waitedMs >= settings.maxWaitMs) {
        this.stalled = true;
        logger.warn('sync engine still behind after the longest wait; jobs go on without waiting', {
          ...log,
          behind,
          waitedMs,
        });
        return;
      }
    }
  }

  /** A page of `changes` messages went out. */
  published(changes: number): void {
    if (this.estimate !== undefined) this.estimate += changes;
  }

  private async read(): Promise<number | undefined> {
    try {
      this.estimate = await this.o.backlog.behind();
      this.failing = false;
    } catch (error) {
      this.estimate = undefined;
      if (!this.failing) {
        this.o.logger.warn('cannot read the sync engine backlog; jobs go on without waiting', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      this.failing = true;
    }
    this.readAt = this.o.clock.now();
    return this.estimate;
  }
}
