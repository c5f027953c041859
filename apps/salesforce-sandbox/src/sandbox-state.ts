import type { AuthService } from './auth.js';
import type { QueryEngine } from './query.js';
import type { Store } from './store.js';
import type { Clock } from './time.js';

/** Mutable settings and services one sandbox instance shares between its route groups. */
export interface SandboxState {
  readonly store: Store;
  readonly queries: QueryEngine;
  readonly auth: AuthService;
  readonly clock: Clock;
  /** Newest API version served; `/services/data/` lists 31.0 up to it. */
  readonly apiVersion: string;
  readonly versions: readonly string[];
  limits: { max: number; used: number; day: string };
  latencyMs: number;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
