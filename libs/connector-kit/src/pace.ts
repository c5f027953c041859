/**
 * Pacing of permits under a limit per window (GCRA): `burstShare` of the limit at once, then one
 * permit every `windowMs / limit`. A CRM answers a steady stream faster than a burst, which
 * queues at its end and is answered late.
 */
export class Pace {
  /** When the next permit is due if none had been taken ahead of time. */
  private dueAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly burstShare: number,
  ) {}

  /** Earliest time `cost` permits fit the pace of `limit` per window: now, or later. */
  at(now: number, cost: number, limit: number): number {
    const burst = Math.max(1, Math.floor(limit * this.burstShare));
    const at = Math.max(now, this.dueAt) + (cost - burst) * (this.windowMs / limit);
    return at - now < 1e-6 ? now : at; // sums of fractional intervals: ignore rounding residue
  }

  /** `cost` permits were taken at `now`. */
  take(now: number, cost: number, limit: number): void {
    this.dueAt = Math.max(now, this.dueAt) + cost * (this.windowMs / limit);
  }
}
