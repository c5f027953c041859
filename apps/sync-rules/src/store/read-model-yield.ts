/**
 * When the read model stops following its topics to leave the machine to the engine, and when it
 * follows them again. Its database writes cost about as much CPU as the engine's own work (in
 * sync-rules and the database together), so while the engine has a backlog they slow the sync
 * itself (figures in docs/decisions.md). The read model is a view: it may trail, and catches up
 * once the engine has.
 */
export interface ReadModelYieldSettings {
  /** Engine backlog (messages) at which the read model pauses; 0: it never does. */
  readonly pauseAt: number;
  /** Backlog at or under which it follows its topics again. */
  readonly resumeAt: number;
  /** Longest pause: past it, the read model follows its topics whatever the backlog... */
  readonly maxPauseMs: number;
  /** ...for at least this long before it may pause again, so a long backlog never starves it. */
  readonly minFollowMs: number;
}

export type YieldReason = 'engine-backlog' | 'engine-caught-up' | 'longest-pause';

/** A change of course: what to do and why (for the log). */
export interface YieldStep {
  readonly action: 'pause' | 'resume';
  readonly reason: YieldReason;
}

/** Defaults of `yieldSettings`: a pause lasts at most 2 minutes, then it follows for 30 s. */
const MAX_PAUSE_MS = 120_000;

/**
 * The settings for a pause threshold: resume at a tenth of it, follow for a quarter of the
 * longest pause after one.
 */
export function yieldSettings(pauseAt: number, maxPauseMs = MAX_PAUSE_MS): ReadModelYieldSettings {
  return {
    pauseAt,
    resumeAt: Math.floor(pauseAt / 10),
    maxPauseMs,
    minFollowMs: Math.floor(maxPauseMs / 4),
  };
}

/**
 * The pause/resume policy, fed the time and the engine's backlog (pure: no clock, no Kafka).
 * Hysteresis between `pauseAt` and `resumeAt` keeps it from flapping around one threshold.
 */
export class ReadModelYield {
  private pausedSince: number | undefined;
  private followUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: ReadModelYieldSettings) {}

  get paused(): boolean {
    return this.pausedSince !== undefined;
  }

  /** What to change now, if anything. */
  step(nowMs: number, backlog: number): YieldStep | undefined {
    const { pauseAt, resumeAt, maxPauseMs, minFollowMs } = this.settings;
    if (this.pausedSince === undefined) {
      if (pauseAt === 0 || backlog < pauseAt || nowMs < this.followUntil) return undefined;
      this.pausedSince = nowMs;
      return { action: 'pause', reason: 'engine-backlog' };
    }
    if (backlog <= resumeAt) {
      this.pausedSince = undefined;
      return { action: 'resume', reason: 'engine-caught-up' };
    }
    if (nowMs - this.pausedSince >= maxPauseMs) {
      this.pausedSince = undefined;
      this.followUntil = nowMs + minFollowMs;
      return { action: 'resume', reason: 'longest-pause' };
    }
    return undefined;
  }
}
