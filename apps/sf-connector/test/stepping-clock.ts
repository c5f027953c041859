import type { Clock } from '@crm-sync/connector-kit';

/** A clock whose sleeps return at once and move time on: unit tests see every wait, wait none. */
export class SteppingClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private current = Date.parse('2026-11-28T12:00:00.000Z')) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    return Promise.resolve();
  }
}
