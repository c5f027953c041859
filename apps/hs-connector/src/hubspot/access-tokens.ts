import type { Client } from '@hubspot/api-client';
import type { Logger } from '@crm-sync/runtime';

export interface OAuthCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/**
 * Keeps a connection's client authenticated. Private-app tokens do not expire; OAuth access
 * tokens do (30 minutes), and are renewed with the refresh token when HubSpot answers 401. One
 * renewal at a time: concurrent 401s share it.
 */
export class AccessTokens {
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly client: Client,
    private readonly oauth: OAuthCredentials | undefined,
    private readonly logger: Logger,
  ) {}

  /** Gets a first access token when only a refresh token is configured. */
  async ensure(hasAccessToken: boolean): Promise<void> {
    if (!hasAccessToken && !(await this.refresh())) {
      throw new Error('no HubSpot access token and no way to obtain one');
    }
  }

  refresh(): Promise<boolean> {
    this.inFlight ??= this.renew().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async renew(): Promise<boolean> {
    const oauth = this.oauth;
    if (oauth === undefined) return false;
    try {
      const token = await this.client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        oauth.clientId,
        oauth.clientSecret,
        oauth.refreshToken,
      );
      this.client.setAccessToken(token.accessToken);
      this.logger.info('hubspot access token renewed', { expiresIn: token.expiresIn });
      return true;
    } catch (e) {
      this.logger.error('hubspot access token renewal failed', {
        status: (e as { code?: unknown }).code,
      });
      return false;
    }
  }
}
