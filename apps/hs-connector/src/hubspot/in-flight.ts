import type { Priority } from '@crm-sync/connector-kit';

/**
 * At most `limit` requests of a connection in flight, live ones first when slots are scarce.
 * A request takes its slot once it has its budget permit (`GuardedCalls`), so a slot is held
 * only while a request is out: a backfill request that waited for its permit behind live work
 * while holding a slot once stalled every live write for seconds. The permit's pace keeps
 * HubSpot's queue short; a permit that waits for a slot is counted from its grant, which only
 * errs on the safe side.
 */
export class InFlightSlots {
  private used = 0;
  private readonly waiting: { readonly priority: Priority; readonly grant: () => void }[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`in-flight limit must be at least 1, got ${limit}`);
  }

  async acquire(priority: Priority): Promise<void> {
    if (this.used < this.limit && this.waiting.length === 0) {
      this.used++;
      return;
    }
    await new Promise<void>((grant) => {
      this.waiting.push({ priority, grant });
    });
  }

  release(): void {
    const i = this.waiting.findIndex((w) => w.priority === 'live');
    const next = this.waiting.splice(i >= 0 ? i : 0, 1)[0];
    if (next === undefined) this.used--;
    else next.grant();
  }

  get inFlight(): number {
    return this.used;
  }
}
