// Test helpers: the Salesforce sandbox in-process, sf-connector booted against it, and readers
// of the topics it writes. Each harness has its own topic prefix, consumer groups and database.
import {
  TOPICS,
  topicName,
  type ChangeEvent,
  type CommandResult,
  type SalesforceCommand,
} from '@crm-sync/domain';
import type { Kafka, Producer } from '@crm-sync/kafka';
import type { RunningService } from '@crm-sync/runtime';
import {
  collect,
  deleteTopicsWithPrefix,
  testKafka,
  testServiceConfig,
  uniqueName,
  waitFor,
  type Collector,
} from '@crm-sync/testing';
import { Connection } from 'jsforce';
// The sandbox is started in-process (port 0), as its own tests do; it is an app, not a lib, hence
// the boundary rule's exception for this one test import.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  createSalesforceSandbox,
  ManualClock,
  type SalesforceSandbox,
} from '../../salesforce-sandbox/src/index.js';
import { loadConfig } from '../src/config.js';
import { SfConnector } from '../src/connector.js';
import { startSfConnector } from '../src/main.js';

/** For a sandbox whose time a test moves by hand (`startSandbox({ clock })`). */
export { ManualClock };

export const SANDBOX_CLIENT = { id: 'sandbox-client-id', secret: 'sandbox-client-secret' };

export async function startSandbox(
  options: Parameters<typeof createSalesforceSandbox>[0] = {},
): Promise<SalesforceSandbox> {
  // A large daily allocation: the connector stretches its poll interval to the budget, and tests
  // want fast polls (the limit tests set their own).
  return createSalesforceSandbox({
    cometdConnectTimeoutMs: 2_000,
    dailyApiLimit: 100_000_000,
    ...options,
  });
}

/** Calls the sandbox's `/__control` API. */
export async function control<T = unknown>(
  sandbox: SalesforceSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${sandbox.url}/__control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A jsforce connection of someone else (a person, another integration) writing to the org. */
export async function otherClient(sandbox: SalesforceSandbox, client = 'ui'): Promise<Connection> {
  const conn = new Connection({
    oauth2: {
      loginUrl: sandbox.url,
      clientId: SANDBOX_CLIENT.id,
      clientSecret: SANDBOX_CLIENT.secret,
    },
    version: '62.0',
    callOptions: { client },
  });
  await conn.login('someone@example.com', 'secret');
  return conn;
}

/** Environment of an sf-connector for one test: fast polls and retries, its own everything. */
export function connectorEnv(
  sandbox: SalesforceSandbox,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const base = testServiceConfig();
  return {
    ...Object.fromEntries(
      Object.entries(base).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
    ),
    CONNECTION_ID: uniqueName('conn'),
    SF_CONNECTOR_GROUP: uniqueName('sfc'),
    SF_LOGIN_URL: sandbox.url,
    SF_AUTH_FLOW: 'client_credentials',
    SF_CLIENT_ID: SANDBOX_CLIENT.id,
    SF_CLIENT_SECRET: SANDBOX_CLIENT.secret,
    SF_POLL_INTERVAL_MS: '150',
    SF_POLL_OVERLAP_MS: '60000',
    SF_RETRY_BASE_MS: '20',
    SF_RETRY_MAX_MS: '200',
    SF_LIMIT_PAUSE_MS: '150',
    LOG_LEVEL: process.env['SFC_LOG_LEVEL'] ?? 'warn',
    ...overrides,
  };
}

export interface ConnectorUnderTest {
  readonly service: RunningService;
  readonly connector: SfConnector;
  readonly env: Record<string, string>;
  readonly connectionId: string;
  readonly topics: SfConnector['topics'];
  stop(): Promise<void>;
}

export async function startConnector(env: Record<string, string>): Promise<ConnectorUnderTest> {
  const service = await startSfConnector(loadConfig(env));
  const connector = service.app.get(SfConnector);
  const connectionId = env['CONNECTION_ID'] ?? 'default';
  return {
    service,
    connector,
    env,
    connectionId,
    topics: connector.topics,
    stop: () => service.app.close(),
  };
}

/** Waits until the connector owns its connection and has finished `cycles` polls. */
export async function waitForPolls(c: ConnectorUnderTest, cycles = 1): Promise<number> {
  const runtime = c.connector.runtime(c.connectionId);
  return waitFor(
    () => {
      const n = runtime.poller?.cycles ?? 0;
      return n >= cycles ? n : undefined;
    },
    { description: `${cycles} poll cycles`, timeoutMs: 30_000 },
  );
}

/** Kafka access of a test: a producer and collectors that are all stopped together. */
export class TopicsUnderTest {
  readonly kafka: Kafka = testKafka();
  private producer: Producer | undefined;
  private readonly collectors: Collector[] = [];

  constructor(private readonly prefix: string) {}

  name(id: keyof typeof TOPICS): string {
    return topicName(TOPICS[id].ref, this.prefix);
  }

  async collect(id: keyof typeof TOPICS): Promise<Collector> {
    const c = await collect(this.kafka, this.name(id));
    this.collectors.push(c);
    return c;
  }

  async send(id: keyof typeof TOPICS, messages: { key: string; value: string }[]): Promise<void> {
    if (!this.producer) {
      // Idempotent: a send retried after "not the leader" must not write the batch twice.
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    for (let i = 0; i < messages.length; i += 500) {
      await this.producer.send({ topic: this.name(id), messages: messages.slice(i, i + 500) });
    }
  }

  /** Stops the readers and deletes the test's topics (a broker full of them runs out of heap). */
  async stop(): Promise<void> {
    for (const c of this.collectors) await c.stop();
    await this.producer?.disconnect();
    await deleteTopicsWithPrefix(this.kafka, `${this.prefix}.`);
  }
}

const parsed = new WeakMap<Collector, unknown[]>();

/** The collected values as JSON, parsed once each (tests poll these many times a second). */
export function values<T>(c: Collector): T[] {
  let list = parsed.get(c);
  if (!list) parsed.set(c, (list = []));
  for (let i = list.length; i < c.messages.length; i++) {
    list.push(JSON.parse(c.messages[i]?.value ?? 'null'));
  }
  return list as T[];
}

export function changes(c: Collector): ChangeEvent[] {
  return values<ChangeEvent>(c);
}

export function results(c: Collector): CommandResult[] {
  return values<CommandResult>(c);
}

export type { SalesforceSandbox, SalesforceCommand };
