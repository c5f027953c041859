import type { Priority } from '@crm-sync/connector-kit';

/**
 * At most `limit` requests of a connection in flight, live ones first when slots are scarce.
 * Requests take a slot before their budget permit, so a permit is spent the moment it is
 * granted: the time between our count and HubSpot's stays short, and so does HubSpot's queue.
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
