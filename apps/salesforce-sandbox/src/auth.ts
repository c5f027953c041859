import { createHmac, randomBytes } from 'node:crypto';
import { ORG_ID, USER_ID } from './ids.js';
import type { Clock } from './time.js';

export interface AuthOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** When set, the password grant checks them; otherwise any username/password is accepted. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tokenTtlMs: number;
}

interface Session {
  readonly expiresAt: number;
}

export type TokenResponse = Record<string, string>;

/** Access and refresh tokens of the emulated org (OAuth 2.0 web server, password, client credentials, refresh). */
export class AuthService {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Set<string>();
  private readonly codes = new Set<string>();

  constructor(
    readonly options: AuthOptions,
    private readonly clock: Clock,
  ) {}

  /** Org Id + '!' + random, like real session ids. */
  private newToken(): string {
    return `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
  }

  issue(instanceUrl: string, loginUrl: string, withRefresh: boolean): TokenResponse {
    const accessToken = this.newToken();
    const now = this.clock.now();
    this.sessions.set(accessToken, { expiresAt: now + this.options.tokenTtlMs });
    const id = `${loginUrl}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(now);
    const signature = createHmac('sha256', this.options.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    const res: TokenResponse = {
      access_token: accessToken,
      instance_url: instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature,
      scope: 'api refresh_token',
    };
    if (withRefresh) {
      const refresh = `5Aep861${randomBytes(40).toString('base64url')}`;
      this.refreshTokens.add(refresh);
      res['refresh_token'] = refresh;
    }
    return res;
  }

  issueCode(): string {
    const code = `aPrx${randomBytes(24).toString('base64url')}`;
    this.codes.add(code);
    return code;
  }

  consumeCode(code: string): boolean {
    return this.codes.delete(code);
  }

  hasRefreshToken(token: string): boolean {
    return this.refreshTokens.has(token);
  }

  revoke(token: string): void {
    this.sessions.delete(token);
    this.refreshTokens.delete(token);
  }

  /** Is this bearer token a live session? */
  check(token: string | undefined): boolean {
    if (!token) return false;
    const s = this.sessions.get(token);
    if (!s) return false;
    if (s.expiresAt <= this.clock.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }

  /** Ends every access token now (refresh tokens stay valid): forces clients through refresh. */
  expireAll(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  checkClient(
    clientId: string | undefined,
    clientSecret: string | undefined,
    requireSecret: boolean,
  ): 'ok' | 'invalid_client_id' | 'invalid_client' {
    if (clientId !== this.options.clientId) return 'invalid_client_id';
    if ((requireSecret || clientSecret !== undefined) && clientSecret !== this.options.clientSecret)
      return 'invalid_client';
    return 'ok';
  }

  checkUser(username: string | undefined, password: string | undefined): boolean {
    if (!username || !password) return false;
    if (this.options.username !== undefined && username !== this.options.username) return false;
    if (this.options.password !== undefined && password !== this.options.password) return false;
    return true;
  }
}

/** Extracts the token from `Authorization: Bearer x` or `OAuth x`. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim());
  return m?.[1];
}
