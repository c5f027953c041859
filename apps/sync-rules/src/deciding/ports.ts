import type { ConnectionConfig } from '../store/sync-store.port.js';

/** Where the decider gets a connection's settings and mappings from. */
export interface ConnectionSource {
  get(connectionId: string): Promise<ConnectionConfig | undefined>;
}

/** Time source: the domain reads no clock, the service passes `now` in from here. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
