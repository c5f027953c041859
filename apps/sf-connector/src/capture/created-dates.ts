/**
 * CreatedDate of records seen recently, by Id. A CDC UPDATE does not carry CreatedDate, which
 * the change contract requires; without this, every CDC round with updates would cost a query.
 * A record's CreatedDate never changes, so an entry is never stale; a miss only costs the query.
 * Bounded: the oldest entries go first.
 */
export class CreatedDates {
  private readonly byId = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  get(id: string): number | undefined {
    return this.byId.get(id);
  }

  remember(id: string, createdDate: number): void {
    if (this.byId.has(id)) return;
    this.byId.set(id, createdDate);
    if (this.byId.size > this.max) {
      const oldest = this.byId.keys().next();
      if (oldest.done !== true) this.byId.delete(oldest.value);
    }
  }

  get size(): number {
    return this.byId.size;
  }
}
