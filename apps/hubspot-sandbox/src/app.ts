import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.port.js';
import { HubSpotApiError } from './hubspot-errors.js';
import { associationRoutes } from './http/associations.routes.js';
import { setSource, type SandboxContext } from './http/context.js';
import { controlRoutes } from './http/control.routes.js';
import { FaultInjector } from './http/fault-injector.js';
import { objectRoutes } from './http/objects.routes.js';
import { oauthRoutes } from './http/oauth.routes.js';
import { propertyRoutes } from './http/properties.routes.js';
import {
  RATE_LIMIT_MESSAGES,
  RateLimiter,
  type Policy,
  type RateLimits,
} from './http/rate-limiter.js';
import { TokenRegistry, type TokenGrant } from './http/token-registry.js';
import {
  checkDeveloperKey,
  webhooksAppRoutes,
  WEBHOOKS_API_PREFIX,
} from './http/webhooks-app.routes.js';
import { PropertyRegistry } from './model/property-registry.js';
import { seed, type SeedRequest } from './seed.js';
import { CrmStore } from './store/crm-store.js';
import { systemClock } from './system.clock.js';
import { WebhookDispatcher, type WebhookSettings } from './webhooks/webhook-dispatcher.js';

export interface HubSpotSandboxOptions {
  /** Accepted bearer tokens; default one private-app token `sandbox-token` of app `appId`. */
  readonly tokens?: readonly TokenGrant[];
  readonly portalId?: number;
  readonly appId?: number;
  readonly clientId?: string;
  /** Signs webhooks (v3 HMAC key) and checks OAuth token requests. */
  readonly clientSecret?: string;
  /** The developer API key (`hapikey`) of the Webhooks v3 app API; default `sandbox-developer-key`. */
  readonly developerApiKey?: string;
  /** `null` switches a limit off. */
  readonly limits?: Partial<RateLimits>;
  readonly webhooks?: Partial<WebhookSettings>;
  readonly clock?: Clock;
  readonly seed?: SeedRequest;
  readonly autoCreateCompanies?: boolean;
}

export interface HubSpotSandbox {
  readonly app: FastifyInstance;
  readonly store: CrmStore;
  readonly webhooks: WebhookDispatcher;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  /** Stops webhook delivery and the HTTP server. */
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: RateLimits = {
  tenSecondly: 190,
  daily: 1_000_000,
  searchPerSecond: 5,
};

const GROUP_NAME = (appId: number) => `publicapi:app:${appId}`;

/** Builds the sandbox (not listening): call `app.listen({ port: 0 })` or `app.inject` in tests. */
export function createHubSpotSandbox(options: HubSpotSandboxOptions = {}): HubSpotSandbox {
  const clock = options.clock ?? systemClock;
  const appInfo = {
    portalId: options.portalId ?? 62515,
    appId: options.appId ?? 1_160_452,
    clientId: options.clientId ?? 'sandbox-client-id',
    clientSecret: options.clientSecret ?? 'sandbox-client-secret',
    developerApiKey: options.developerApiKey ?? 'sandbox-developer-key',
  };
  const limits: RateLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const registry = new PropertyRegistry();
  const store = new CrmStore(registry, clock, appInfo.portalId);
  const webhooks = new WebhookDispatcher(clock, appInfo, options.webhooks);
  // A target URL given at boot counts as configured then (as if set in the app's settings page).
  webhooks.appSettings();
  const webhookDefaults = { ...webhooks.settings };
  store.listener = webhooks;
  const limiter = new RateLimiter(clock, { ...limits });
  const faults = new FaultInjector();
  const tokens = new TokenRegistry(
    options.tokens ?? [{ token: 'sandbox-token', appId: appInfo.appId }],
  );
  const ctx: SandboxContext = {
    store,
    registry,
    clock,
    limiter,
    webhooks,
    faults,
    tokens,
    app: appInfo,
  };

  const boot = () => {
    store.settings.autoCreateCompanies = options.autoCreateCompanies ?? false;
    if (options.seed !== undefined) seed(store, options.seed);
  };
  const resetAll = () => {
    store.reset();
    webhooks.reset();
    Object.assign(webhooks.settings, webhookDefaults);
    limiter.limits = { ...limits };
    limiter.reset();
    faults.reset();
    tokens.reset();
    boot();
  };
  boot();

  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024, return503OnClosing: false });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof HubSpotApiError)
      return reply.code(error.statusCode).headers(error.headers).send(error.body);
    const e = error as { statusCode?: number; message?: string };
    if (e.statusCode !== undefined && e.statusCode < 500) {
      return reply.code(e.statusCode).send({
        status: 'error',
        message: e.message ?? 'Bad request',
        correlationId: randomUUID(),
        category: 'VALIDATION_ERROR',
      });
    }
    return reply.code(500).send({
      status: 'error',
      message: 'internal error',
      correlationId: randomUUID(),
      category: 'INTERNAL_ERROR',
    });
  });

  app.setNotFoundHandler((_request, reply) =>
    reply
      .code(404)
      .send({ status: 'error', message: 'resource not found', correlationId: randomUUID() }),
  );

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    if (url.startsWith('/__control') || url.startsWith('/oauth/')) return;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (url.startsWith(WEBHOOKS_API_PREFIX)) {
      // App-level API: the developer key, no portal rate limits (HubSpot counts developer
      // API calls apart from a portal's), armed faults apply.
      checkDeveloperKey(request, appInfo.developerApiKey);
      const injected = faults.takeStatus(url);
      if (injected !== undefined)
        throw new HubSpotApiError(
          injected,
          injected >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR',
          `Injected fault (${injected})`,
        );
      return;
    }
    const auth = request.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') === true ? auth.slice(7).trim() : undefined;
    const grant = bearer === undefined ? undefined : tokens.lookup(bearer, clock.now());
    if (grant === undefined) {
      throw new HubSpotApiError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    if (grant === 'expired')
      throw new HubSpotApiError(
        401,
        'EXPIRED_AUTHENTICATION',
        'The OAuth token used to make this call expired.',
      );
    const isSearch = request.method === 'POST' && (url.split('?')[0] ?? '').endsWith('/search');
    const decision = limiter.check(grant.token, isSearch);
    reply.headers(decision.headers);
    if (!decision.ok) throw rateLimited(decision.policy, appInfo.appId, decision.headers);
    const injected = faults.takeStatus(url);
    if (injected !== undefined) {
      if (injected === 429)
        throw rateLimited('TEN_SECONDLY_ROLLING', appInfo.appId, decision.headers);
      throw new HubSpotApiError(
        injected,
        injected >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR',
        `Injected fault (${injected})`,
      );
    }
    setSource(request, tokens.sourceOf(grant));
  });

  objectRoutes(app, ctx);
  associationRoutes(app, ctx);
  propertyRoutes(app, ctx);
  oauthRoutes(app, ctx);
  webhooksAppRoutes(app, ctx);
  controlRoutes(app, ctx, resetAll);

  return {
    app,
    store,
    webhooks,
    limiter,
    faults,
    async close() {
      await webhooks.close();
      await app.close();
    },
  };
}

/** HubSpot's 429 body (errorType RATE_LIMIT, policyName per policy). */
function rateLimited(
  policy: Policy,
  appId: number,
  headers: Record<string, string>,
): HubSpotApiError {
  const e = new HubSpotApiError(429, 'RATE_LIMIT', RATE_LIMIT_MESSAGES[policy], {}, headers);
  // HubSpot's rate-limit body has errorType/policyName/groupName instead of category.
  const { category: _category, ...rest } = e.body;
  Object.assign(e, {
    body: { ...rest, errorType: 'RATE_LIMIT', policyName: policy, groupName: GROUP_NAME(appId) },
  });
  return e;
}
