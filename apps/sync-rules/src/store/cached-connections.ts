import type { ConnectionConfig, SyncStore } from './sync-store.port.js';

/**
 * Settings and mappings are read for every work item but change rarely: keep them in memory for
 * a short time. The control consumer of this instance invalidates on change; the TTL bounds how
 * long another instance's view can lag behind.
 */
export class CachedConnections {
  private readonly cache = new Map<
    string,
    { value: ConnectionConfig | undefined; until: number }
  >();

  constructor(
    private readonly store: SyncStore,
    private readonly ttlMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(connectionId: string): Promise<ConnectionConfig | undefined> {
    const hit = this.cache.get(connectionId);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await this.store.getConnection(connectionId);
    this.cache.set(connectionId, { value, until: this.now() + this.ttlMs });
    return value;
  }

  invalidate(connectionId: string): void {
    this.cache.delete(connectionId);
  }
}
