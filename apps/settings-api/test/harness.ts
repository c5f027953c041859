import { randomBytes } from 'node:crypto';
import { ControlMessage, topicName, TOPICS } from '@crm-sync/domain';
import type { RunningService } from '@crm-sync/runtime';
import { testInfra, testServiceConfig, waitFor } from '@crm-sync/testing';
import { MongoClient, type Db } from 'mongodb';
import type { SettingsApiOptions } from '../src/app.module.js';
import { loadConfig, type SettingsApiConfig } from '../src/config.js';
import { startSettingsApi } from '../src/main.js';

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Raw request body (sent as is), for malformed-input tests. */
  readonly raw?: string;
  /** API key; defaults to the harness's admin key. `null` sends no Authorization header. */
  readonly key?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The settings API started in-process on port 0 against the real broker and a fresh database. */
export interface Harness {
  readonly service: RunningService;
  readonly config: SettingsApiConfig;
  readonly url: string;
  /** An admin key (the bootstrap key). */
  readonly adminKey: string;
  readonly controlTopic: string;
  /** The service's own database, for writing sync-rules-shaped documents and reading ours. */
  readonly db: Db;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** Stops the service only (the database stays, e.g. to start it again on the same state). */
  stopService(): Promise<void>;
  /** Stops the service if running, drops the database and disconnects. */
  close(): Promise<void>;
}

export async function startHarness(
  env: Readonly<Record<string, string>> = {},
  options: SettingsApiOptions = {},
): Promise<Harness> {
  const base = testServiceConfig();
  const adminKey = `bootstrap-${randomBytes(24).toString('hex')}`;
  const config = loadConfig({
    ...Object.fromEntries(
      Object.entries(base).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
    ),
    CRM_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SETTINGS_API_BOOTSTRAP_KEY: adminKey,
    LAG_CONSUMER_GROUPS: '',
    ...env,
  });
  const service = await startSettingsApi(config, options);
  const client = new MongoClient(testInfra().mongoUrl);
  await client.connect();
  const db = client.db(config.MONGO_DB);
  const url = service.url;
  let running = true;
  const stopService = async () => {
    if (!running) return;
    running = false;
    await service.app.close();
  };
  return {
    service,
    config,
    url,
    adminKey,
    controlTopic: topicName(TOPICS.syncControl.ref, config.KAFKA_TOPIC_PREFIX),
    db,
    async call(method, path, o = {}) {
      const key = o.key === undefined ? adminKey : o.key;
      const headers: Record<string, string> = {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      };
      const res = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(o.raw !== undefined
          ? { body: o.raw }
          : o.body !== undefined
            ? { body: JSON.stringify(o.body) }
            : {}),
      });
      const text = await res.text();
      return { status: res.status, body: parseJson(text), text };
    },
    stopService,
    async close() {
      await stopService();
      await db.dropDatabase();
      await client.close();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The control messages of one connection seen so far, parsed with the domain contract. */
export function controlOf(
  messages: readonly { readonly value: string; readonly key: string | undefined }[],
  connectionId: string,
): ControlMessage[] {
  return messages
    .filter((m) => m.key === connectionId)
    .map((m) => ControlMessage.parse(JSON.parse(m.value)));
}

/** Waits until `count` control messages of `type` for the connection have arrived; returns them. */
export async function waitForControl<T extends ControlMessage['type']>(
  messages: readonly { readonly value: string; readonly key: string | undefined }[],
  connectionId: string,
  type: T,
  count = 1,
): Promise<Extract<ControlMessage, { type: T }>[]> {
  return waitFor(
    () => {
      const found = controlOf(messages, connectionId).filter(
        (m): m is Extract<ControlMessage, { type: T }> => m.type === type,
      );
      return found.length >= count ? found : undefined;
    },
    { description: `${String(count)} ${type} for ${connectionId}` },
  );
}
