import type { Logger } from '@crm-sync/runtime';

interface Loop {
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

/**
 * Runs one poll loop per owned connection. A connection that is no longer owned has its loop
 * aborted; one owned again starts only after its previous loop has ended, so one process never
 * polls a connection twice at once.
 */
export class PollScheduler {
  private readonly loops = new Map<string, Loop>();
  /** Each connection's latest loop, running or ended: a new loop starts after it. */
  private readonly previous = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly run: (connectionId: string, signal: AbortSignal) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Applies a new set of owned connections. */
  update(owned: ReadonlySet<string>): void {
    for (const [id, loop] of this.loops) {
      if (!owned.has(id)) {
        loop.abort.abort();
        this.loops.delete(id);
      }
    }
    if (this.stopped) return;
    for (const id of owned) {
      if (this.loops.has(id)) continue;
      const abort = new AbortController();
      const previous = this.previous.get(id) ?? Promise.resolve();
      const done = previous
        .then(() => (abort.signal.aborted ? undefined : this.run(id, abort.signal)))
        .catch((error: unknown) => {
          this.logger.error('poll loop ended with an error', { connectionId: id, error });
        });
      this.previous.set(id, done);
      this.loops.set(id, { abort, done });
    }
  }

  /** Connections polled by this instance now. */
  get polling(): string[] {
    return [...this.loops.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops.values()) loop.abort.abort();
    this.loops.clear();
    await Promise.all(this.previous.values());
  }
}
