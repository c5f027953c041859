import { randomBytes } from 'node:crypto';
import type { WriteSource } from '../store/crm-store.js';
import { safeEqual } from '../webhooks/signature.js';

export interface TokenGrant {
  readonly token: string;
  /** Tokens of an app (private app or OAuth) write with changeSource INTEGRATION and sourceId = app id. */
  readonly appId?: number;
  readonly expiresAt?: number;
}

/** Private-app tokens from config plus OAuth access/refresh tokens the sandbox issued. */
export class TokenRegistry {
  private readonly access = new Map<string, TokenGrant>();
  private readonly refresh = new Map<string, { appId: number }>();
  private readonly configured: TokenGrant[];

  constructor(configured: readonly TokenGrant[]) {
    this.configured = [...configured];
    this.reset();
  }

  reset(): void {
    this.access.clear();
    this.refresh.clear();
    for (const g of this.configured) this.access.set(g.token, g);
  }

  /** Looks a bearer token up; the map lookup is by hash, the final check in constant time. */
  lookup(token: string, now: number): TokenGrant | 'expired' | undefined {
    const grant = this.access.get(token);
    if (grant === undefined || !safeEqual(grant.token, token)) return undefined;
    if (grant.expiresAt !== undefined && grant.expiresAt <= now) return 'expired';
    return grant;
  }

  sourceOf(grant: TokenGrant): WriteSource {
    return grant.appId === undefined
      ? { changeSource: 'API' }
      : { changeSource: 'INTEGRATION', sourceId: String(grant.appId) };
  }

  issue(
    appId: number,
    now: number,
    ttlSeconds: number,
  ): { accessToken: string; refreshToken: string } {
    const accessToken = `sandbox-oauth-${randomBytes(18).toString('hex')}`;
    const refreshToken = `sandbox-refresh-${randomBytes(18).toString('hex')}`;
    this.access.set(accessToken, { token: accessToken, appId, expiresAt: now + ttlSeconds * 1000 });
    this.refresh.set(refreshToken, { appId });
    return { accessToken, refreshToken };
  }

  refreshGrant(refreshToken: string): { appId: number } | undefined {
    return this.refresh.get(refreshToken);
  }
}
