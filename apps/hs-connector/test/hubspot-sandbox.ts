import path from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * The HubSpot sandbox, in this process, for integration tests. It is an app, and Nx forbids
 * apps importing apps, so it is loaded by path, as a process loads its entry point; the types
 * below are the part of its surface the tests use (see apps/hubspot-sandbox/README.md).
 */
export interface SandboxOptions {
  readonly appId?: number;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The Webhooks v3 app API's `hapikey` (default `sandbox-developer-key`). */
  readonly developerApiKey?: string;
  readonly tokens?: readonly { readonly token: string; readonly appId?: number }[];
  readonly limits?: {
    readonly tenSecondly?: number | null;
    readonly daily?: number | null;
    readonly searchPerSecond?: number | null;
  };
  readonly webhooks?: { readonly batchWindowMs?: number; readonly retryBaseMs?: number };
  /** The sandbox's time (token expiry, rate windows); a test may move it by hand. */
  readonly clock?: { now(): number };
}

interface StoredObject {
  readonly id: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly archived: boolean;
}

interface SandboxInstance {
  readonly app: {
    listen(options: { port: number; host: string }): Promise<string>;
    addHook(name: 'onRequest', hook: (request: object) => Promise<void>): void;
    addHook(
      name: 'preHandler',
      hook: (request: { url: string; method: string }) => Promise<void>,
    ): void;
    addHook(
      name: 'onResponse',
      hook: (
        request: { url: string; method: string },
        reply: { statusCode: number },
      ) => Promise<void>,
    ): void;
    readonly server: { address(): AddressInfo | string | null };
  };
  readonly store: {
    count(type: 'companies' | 'contacts'): number;
    all(type: 'companies' | 'contacts'): StoredObject[];
  };
  close(): Promise<void>;
}

interface SandboxModule {
  createHubSpotSandbox(options: SandboxOptions): SandboxInstance;
}

export const SANDBOX_TOKEN = 'sandbox-token';
export const SANDBOX_APP_ID = 1_160_452;
export const SANDBOX_CLIENT_ID = 'sandbox-client-id';
export const SANDBOX_SECRET = 'sandbox-client-secret';
export const SANDBOX_DEVELOPER_KEY = 'sandbox-developer-key';

/** A sandbox listening on a free port, with a log of the API requests it received. */
export interface RunningSandbox {
  readonly url: string;
  readonly instance: SandboxInstance;
  /** Every CRM API request (not the control API): arrival time (ms) and the status answered. */
  readonly requests: {
    readonly at: number;
    readonly method: string;
    readonly url: string;
    readonly status: number;
  }[];
  /**
   * Called for every CRM API request once its body is read (and any latency waited), just
   * before the sandbox carries it out: a test can act at the exact moment a write happens.
   */
  beforeHandler: ((request: { url: string; method: string }) => void) | undefined;
  control(path: string, body?: unknown, method?: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const entry = path.resolve(import.meta.dirname, '../../hubspot-sandbox/src/index.ts');
  const module = (await import(entry)) as SandboxModule;
  const instance = module.createHubSpotSandbox({
    appId: SANDBOX_APP_ID,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_SECRET,
    tokens: [{ token: SANDBOX_TOKEN, appId: SANDBOX_APP_ID }],
    ...options,
  });
  const requests: RunningSandbox['requests'][number][] = [];
  const arrivals = new WeakMap<object, number>();
  instance.app.addHook('onRequest', (request) => {
    arrivals.set(request, Date.now());
    return Promise.resolve();
  });
  instance.app.addHook('onResponse', (request, reply) => {
    if (!request.url.startsWith('/__control')) {
      requests.push({
        at: arrivals.get(request) ?? Date.now(),
        method: request.method,
        url: request.url,
        status: reply.statusCode,
      });
    }
    return Promise.resolve();
  });
  instance.app.addHook('preHandler', (request) => {
    if (!request.url.startsWith('/__control')) running.beforeHandler?.(request);
    return Promise.resolve();
  });
  await instance.app.listen({ port: 0, host: '127.0.0.1' });
  const address = instance.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  const running: RunningSandbox = {
    url,
    instance,
    requests,
    beforeHandler: undefined,
    async control(p, body, method = 'POST') {
      const res = await fetch(`${url}/__control${p}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`sandbox control ${p}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    close: () => instance.close(),
  };
  return running;
}

/** The most requests that arrived within any rolling window of `windowMs`. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
