import Fastify, { type FastifyInstance } from 'fastify';
import { AuthService } from './auth.js';
import { SfError } from './errors.js';
import { registerCometd } from './http/cometd.js';
import { registerControl } from './http/control.js';
import { registerOAuth } from './http/oauth.js';
import { registerRest } from './http/rest.js';
import { QueryEngine } from './query.js';
import { dayOf, type SandboxState } from './sandbox-state.js';
import { seed, type SeedOptions } from './seed.js';
import { Store } from './store.js';
import { systemClock, type Clock } from './time.js';

export { ManualClock, systemClock, sfDateTime, type Clock } from './time.js';
export { Store, type WriteContext } from './store.js';
export { makeId, normalizeId, idChecksum, ORG_ID, USER_ID } from './ids.js';
export type { SeedOptions } from './seed.js';

export interface SalesforceSandboxOptions {
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port?: number;
  readonly apiVersion?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tokenTtlMs?: number;
  readonly dailyApiLimit?: number;
  readonly clock?: Clock;
  readonly cdcRetention?: number;
  readonly cometdConnectTimeoutMs?: number;
  readonly seed?: SeedOptions;
  /** Fastify request logging (off by default: it costs throughput). */
  readonly logger?: boolean;
}

export interface SalesforceSandbox {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly state: SandboxState;
  /** Base URL once listening (login URL and instance URL are the same). */
  readonly url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULTS = {
  apiVersion: '62.0',
  clientId: 'sandbox-client-id',
  clientSecret: 'sandbox-client-secret',
  tokenTtlMs: 2 * 60 * 60_000,
  dailyApiLimit: 1_000_000,
} as const;

/** Builds the sandbox (not yet listening). */
export function buildSalesforceSandbox(options: SalesforceSandboxOptions = {}): SalesforceSandbox {
  const clock = options.clock ?? systemClock;
  const apiVersion = options.apiVersion ?? DEFAULTS.apiVersion;
  const store = new Store(clock, options.cdcRetention ?? 500_000);
  const major = Number.parseInt(apiVersion, 10);
  const versions: string[] = [];
  for (let v = 31; v <= major; v++) versions.push(`${v}.0`);
  const state: SandboxState = {
    store,
    queries: new QueryEngine(store),
    auth: new AuthService(
      {
        clientId: options.clientId ?? DEFAULTS.clientId,
        clientSecret: options.clientSecret ?? DEFAULTS.clientSecret,
        username: options.username,
        password: options.password,
        tokenTtlMs: options.tokenTtlMs ?? DEFAULTS.tokenTtlMs,
      },
      clock,
    ),
    clock,
    apiVersion,
    versions,
    limits: {
      max: options.dailyApiLimit ?? DEFAULTS.dailyApiLimit,
      used: 0,
      day: dayOf(clock.now()),
    },
    latencyMs: 0,
  };
  if (options.seed) seed(store, options.seed);

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 50 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    forceCloseConnections: true,
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  // DELETE and other body-less requests sometimes carry a JSON content type with an empty body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const s = body as string;
    if (s === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(s));
    } catch {
      done(new SfError(400, 'JSON_PARSER_ERROR', `Unexpected character in JSON body`), undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof SfError) {
      reply.code(err.status).send(err.toBody());
      return;
    }
    const e = err as { statusCode?: number; message?: string };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) req.log.error(err);
    reply.code(status).send([
      {
        message: e.message ?? 'error',
        errorCode: status === 500 ? 'UNKNOWN_EXCEPTION' : 'JSON_PARSER_ERROR',
      },
    ]);
  });
  app.setNotFoundHandler((_req, reply) => {
    reply
      .code(404)
      .send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  registerOAuth(app, state);
  registerRest(app, state);
  registerCometd(app, state, { connectTimeoutMs: options.cometdConnectTimeoutMs ?? 110_000 });
  registerControl(app, state);

  let url = '';
  const sandbox: SalesforceSandbox = {
    app,
    store,
    state,
    get url() {
      return url;
    },
    async listen() {
      const addr = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
      url = addr.replace('[::1]', 'localhost');
      return url;
    },
    async close() {
      await app.close();
    },
  };
  return sandbox;
}

/** Builds the sandbox and starts listening (port 0 by default): `{ app, url, store, close() }`. */
export async function createSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<SalesforceSandbox> {
  const sandbox = buildSalesforceSandbox(options);
  await sandbox.listen();
  return sandbox;
}
