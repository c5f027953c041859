import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { safeEqual } from '../webhooks/signature.js';
import type { SandboxContext } from './context.js';

const ACCESS_TOKEN_TTL_SECONDS = 1800;

/**
 * OAuth token endpoint (`POST /oauth/v1/token`, form encoded): authorization_code and refresh_token
 * grants for the configured app. Any authorization code is accepted: the sandbox has no consent screen.
 */
export function oauthRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/oauth/v1/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const fail = (status: string, message: string) =>
      reply.code(400).send({ status, message, correlationId: randomUUID() });
    if (form['client_id'] !== ctx.app.clientId)
      return fail('BAD_CLIENT_ID', 'missing or unknown client id');
    if (!safeEqual(form['client_secret'] ?? '', ctx.app.clientSecret))
      return fail('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    const now = ctx.clock.now();
    switch (form['grant_type']) {
      case 'authorization_code': {
        if (!form['code']) return fail('BAD_AUTH_CODE', 'missing or unknown auth code');
        if (!form['redirect_uri']) return fail('BAD_REDIRECT_URI', 'redirect_uri is required');
        const t = ctx.tokens.issue(ctx.app.appId, now, ACCESS_TOKEN_TTL_SECONDS);
        return {
          token_type: 'bearer',
          access_token: t.accessToken,
          refresh_token: t.refreshToken,
          expires_in: ACCESS_TOKEN_TTL_SECONDS,
        };
      }
      case 'refresh_token': {
        const grant = ctx.tokens.refreshGrant(form['refresh_token'] ?? '');
        if (grant === undefined)
          return fail('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
        const t = ctx.tokens.issue(grant.appId, now, ACCESS_TOKEN_TTL_SECONDS);
        return {
          token_type: 'bearer',
          access_token: t.accessToken,
          refresh_token: form['refresh_token'],
          expires_in: ACCESS_TOKEN_TTL_SECONDS,
        };
      }
      default:
        return fail('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
  });
}
