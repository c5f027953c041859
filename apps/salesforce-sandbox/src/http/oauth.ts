import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearer } from '../auth.js';
import { ORG_ID, USER_ID } from '../ids.js';
import type { SandboxState } from '../sandbox-state.js';

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

/** OAuth 2.0 endpoints of the emulated login server (the sandbox is its own login and instance URL). */
export function registerOAuth(app: FastifyInstance, state: SandboxState): void {
  const { auth } = state;

  app.post('/services/oauth2/token', async (req, reply) => {
    const p = (req.body ?? {}) as Record<string, string | undefined>;
    const url = baseUrl(req);
    const fail = (error: string, description: string, code = 400) => {
      reply.code(code);
      return { error, error_description: description };
    };
    switch (p['grant_type']) {
      case 'client_credentials': {
        const c = auth.checkClient(p['client_id'], p['client_secret'], true);
        if (c !== 'ok')
          return fail(
            c,
            c === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials',
          );
        return auth.issue(url, url, false);
      }
      case 'password': {
        const c = auth.checkClient(p['client_id'], p['client_secret'], true);
        if (c !== 'ok')
          return fail(
            c,
            c === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials',
          );
        if (!auth.checkUser(p['username'], p['password']))
          return fail('invalid_grant', 'authentication failure');
        return auth.issue(url, url, false);
      }
      case 'authorization_code': {
        const c = auth.checkClient(p['client_id'], p['client_secret'], false);
        if (c !== 'ok')
          return fail(
            c,
            c === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials',
          );
        if (!p['code'] || !auth.consumeCode(p['code']))
          return fail('invalid_grant', 'invalid authorization code');
        return auth.issue(url, url, true);
      }
      case 'refresh_token': {
        const c = auth.checkClient(p['client_id'], p['client_secret'], false);
        if (c !== 'ok')
          return fail(
            c,
            c === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials',
          );
        if (!p['refresh_token'] || !auth.hasRefreshToken(p['refresh_token']))
          return fail('invalid_grant', 'expired access/refresh token');
        const res = auth.issue(url, url, false);
        return res;
      }
      default:
        return fail('unsupported_grant_type', 'grant type not supported');
    }
  });

  // Web server flow, auto-approved: redirects straight back with a code.
  app.get('/services/oauth2/authorize', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q['client_id'] !== auth.options.clientId) {
      reply.code(400);
      return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
    }
    const redirect = new URL(q['redirect_uri'] ?? `${baseUrl(req)}/callback`);
    redirect.searchParams.set('code', auth.issueCode());
    if (q['state']) redirect.searchParams.set('state', q['state']);
    return reply.redirect(redirect.toString(), 302);
  });

  app.post('/services/oauth2/revoke', (req) => {
    const p = (req.body ?? {}) as Record<string, string | undefined>;
    if (p['token']) auth.revoke(p['token']);
    return {};
  });

  const identity = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const q = req.query as Record<string, string | undefined>;
    const token = q['oauth_token'] ?? bearer(req.headers.authorization);
    if (!auth.check(token)) {
      reply.code(403);
      return 'Bad_OAuth_Token';
    }
    const url = baseUrl(req);
    return {
      id: `${url}/id/${ORG_ID}/${USER_ID}`,
      user_id: USER_ID,
      organization_id: ORG_ID,
      username: auth.options.username ?? 'integration@crm-sync.sandbox',
      display_name: 'Integration User',
      email: 'integration@crm-sync.sandbox',
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      urls: {
        rest: `${url}/services/data/v{version}/`,
        query: `${url}/services/data/v{version}/query/`,
        sobjects: `${url}/services/data/v{version}/sobjects/`,
      },
    };
  };
  app.get('/id/:org/:user', identity);
  app.get('/services/oauth2/userinfo', identity);
}
