// Helpers for the contract tests: an in-process sandbox on port 0 and jsforce connections to it.
import { createRequire } from 'node:module';
import {
  createSalesforceSandbox,
  DEFAULTS,
  ManualClock,
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
} from '../src/index.js';

const require = createRequire(import.meta.url);
/** The unmodified official client. */
export const jsforce = require('jsforce') as typeof import('jsforce');
export const { StreamingExtension } =
  require('jsforce/lib/api/streaming.js') as typeof import('jsforce/lib/api/streaming.js');
export type Connection = InstanceType<typeof jsforce.Connection>;

export interface Harness {
  readonly sandbox: SalesforceSandbox;
  readonly clock: ManualClock;
  readonly url: string;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Password-flow login through jsforce, with `callOptions.client` set. */
  connect(client?: string): Promise<Connection>;
}

export async function startHarness(options: SalesforceSandboxOptions = {}): Promise<Harness> {
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00.000Z'));
  const sandbox = await createSalesforceSandbox({
    clock,
    cometdConnectTimeoutMs: 2_000,
    ...options,
  });
  const url = sandbox.url;
  return {
    sandbox,
    clock,
    url,
    async control(method, path, body) {
      const res = await fetch(`${url}/__control${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as never;
      if (!res.ok)
        throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async connect(client = 'crm-sync-test') {
      const conn = new jsforce.Connection({
        oauth2: {
          loginUrl: url,
          clientId: DEFAULTS.clientId,
          clientSecret: DEFAULTS.clientSecret,
          redirectUri: `${url}/callback`,
        },
        version: '62.0',
        callOptions: { client },
      });
      await conn.login('integration@example.com', 'password');
      return conn;
    },
  };
}
