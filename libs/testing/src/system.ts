import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createKafka } from '@crm-sync/kafka';
import { createLogger, nodeFlagsFor, PROCESS_ENV } from '@crm-sync/runtime';
import { MongoClient } from 'mongodb';
import { deleteTopicsWithPrefix } from './kafka.js';

const quiet = createLogger('system', { level: 'warn', write: (l) => process.stderr.write(l) });

/** The processes of one crm-sync system, in start order (they stop in reverse). */
export const SYSTEM_PROCESSES = [
  'salesforce-sandbox',
  'hubspot-sandbox',
  'sync-rules',
  'sf-connector',
  'hs-connector',
  'settings-api',
] as const;
export type SystemProcess = (typeof SYSTEM_PROCESSES)[number];

/**
 * The HubSpot sandbox's app (its defaults): our writes carry the app id; the developer key lets
 * hs-connector register its webhook target and subscriptions. `userToken` belongs to no app:
 * what it writes is a person's change (not one of ours), as tests need.
 */
export const SANDBOX_HUBSPOT = {
  appId: '1160452',
  clientSecret: 'sandbox-client-secret',
  token: 'sandbox-token',
  developerApiKey: 'sandbox-developer-key',
  userToken: 'sandbox-user-token',
} as const;

export interface SystemOptions {
  /** The repository root (built apps are under `apps/<name>/dist/main.js`). */
  readonly root: string;
  readonly kafkaBrokers: readonly string[];
  readonly mongoUrl: string;
  /** Fixed ports (`./dev up`); by default free ones are picked. */
  readonly ports?: Partial<Record<SystemProcess, number>>;
  /** Isolates topics, consumer groups and the database (tests); none for `./dev up`. */
  readonly isolate?: boolean;
  /** The database name (default: `crm_sync`, or a fresh one when isolated). */
  readonly mongoDb?: string;
  readonly connectionId: string;
  /** Extra environment per process (seeds, limits, poll intervals). */
  readonly env?: Partial<Record<SystemProcess, Readonly<Record<string, string>>>>;
  readonly logDir: string;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly healthTimeoutMs?: number;
}

export interface RunningSystem {
  readonly urls: Readonly<Record<SystemProcess, string>>;
  readonly logs: Readonly<Record<SystemProcess, string>>;
  /** An admin API key of the settings API (bootstrap key of this run). */
  readonly adminKey: string;
  readonly connectionId: string;
  readonly topicPrefix: string | undefined;
  readonly mongoDb: string;
  /** PIDs, for memory figures. */
  readonly pids: Readonly<Record<SystemProcess, number>>;
  /**
   * Settles when a process ends that `stop` did not end (a crash, or a signal from elsewhere):
   * which one, and how. Never settles for a system that is only ever stopped.
   */
  readonly exited: Promise<SystemExit>;
  /**
   * Stops the processes in reverse start order (SIGTERM, then SIGKILL after `graceMs`); an
   * isolated system then deletes its topics, and the database it named itself.
   */
  stop(graceMs?: number): Promise<void>;
}

/** A process of the system that ended on its own: its exit code, or the signal that ended it. */
export interface SystemExit {
  readonly name: SystemProcess;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Where ports for child processes come from: below the kernel's range for outgoing connections'
 * local ports (`ip_local_port_range`, 32768 on Linux by default). A port the OS picks with
 * `listen(0)` lies inside that range, so between our probe and the child's `listen` an outgoing
 * socket (a Kafka client of a service starting alongside) could take it: EADDRINUSE.
 */
function readChildPortRange(): { readonly from: number; readonly to: number } {
  let ephemeralFrom = 32_768;
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    if (Number.isInteger(first) && first > 12_000) ephemeralFrom = first;
  } catch {
    // not Linux: keep the default
  }
  return { from: 10_000, to: ephemeralFrom - 1 };
}

/** Read once per process: the range does not change while tests run. */
let childPortRange: { readonly from: number; readonly to: number } | undefined;

/** Ports this process handed out already (two children must not get the same one). */
const handedOut = new Set<number>();

/** Whether 127.0.0.1:`port` can be bound now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A free TCP port on 127.0.0.1 for a child process to bind (see `readChildPortRange`). */
export async function freePort(): Promise<number> {
  const { from, to } = (childPortRange ??= readChildPortRange());
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + randomInt(to - from + 1);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${String(from)}-${String(to)} after 200 tries`);
}

const HEALTH_PATH: Record<SystemProcess, string> = {
  'salesforce-sandbox': '/__control/health',
  'hubspot-sandbox': '/__control/health',
  'sync-rules': '/health',
  'sf-connector': '/health',
  'hs-connector': '/health',
  'settings-api': '/health',
};

/**
 * Starts the whole system as separate processes, the way it runs in production: both CRM
 * sandboxes, sync-rules, both connectors and the settings API, wired to each other, to Kafka and
 * to the database, and waits until every one is healthy. `./dev up` and the e2e tests use it.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const run = randomBytes(4).toString('hex');
  const prefix = options.isolate ? `e2e-${run}` : undefined;
  const mongoDb = options.mongoDb ?? (options.isolate ? `e2e_${run}` : 'crm_sync');
  const group = (name: string) => (prefix ? `${prefix}-${name}` : name);
  const ports = {} as Record<SystemProcess, number>;
  for (const p of SYSTEM_PROCESSES) ports[p] = options.ports?.[p] ?? (await freePort());
  const url = (p: SystemProcess) => `http://127.0.0.1:${ports[p]}`;
  const adminKey = `csk_bootstrap_${randomBytes(24).toString('hex')}`;

  const common: Record<string, string> = {
    HOST: '127.0.0.1',
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    MONGO_URL: options.mongoUrl,
    MONGO_DB: mongoDb,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...(prefix ? { KAFKA_TOPIC_PREFIX: prefix } : {}),
  };
  const env: Record<SystemProcess, Record<string, string>> = {
    'salesforce-sandbox': {},
    // No webhook target here: hs-connector registers it, and its subscriptions, through the
    // Webhooks v3 API at start-up, as it does with a real HubSpot app.
    'hubspot-sandbox': {
      HUBSPOT_SANDBOX_TOKENS: `${SANDBOX_HUBSPOT.token},${SANDBOX_HUBSPOT.userToken}:none`,
      HUBSPOT_DEVELOPER_API_KEY: SANDBOX_HUBSPOT.developerApiKey,
    },
    'sync-rules': {
      SYNC_RULES_GROUP: group('sync-rules'),
      HUBSPOT_APP_ID: SANDBOX_HUBSPOT.appId,
    },
    'sf-connector': {
      SF_CONNECTOR_GROUP: group('sf-connector'),
      SF_ENGINE_GROUP: group('sync-rules-decide'),
      CONNECTION_ID: options.connectionId,
      SF_LOGIN_URL: url('salesforce-sandbox'),
    },
    'hs-connector': {
      HS_CONNECTOR_GROUP: group('hs-connector'),
      CONNECTION_ID: options.connectionId,
      HUBSPOT_BASE_URL: url('hubspot-sandbox'),
      HUBSPOT_ACCESS_TOKEN: SANDBOX_HUBSPOT.token,
      HUBSPOT_CLIENT_SECRET: SANDBOX_HUBSPOT.clientSecret,
      HUBSPOT_APP_ID: SANDBOX_HUBSPOT.appId,
      HUBSPOT_WEBHOOK_URL: `${url('hs-connector')}/webhooks/hubspot`,
      HUBSPOT_DEVELOPER_API_KEY: SANDBOX_HUBSPOT.developerApiKey,
    },
    'settings-api': {
      CRM_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SETTINGS_API_BOOTSTRAP_KEY: adminKey,
      DEMO_CONNECTION_ID: options.connectionId,
      LAG_CONSUMER_GROUPS: [
        group('sync-rules-route'),
        group('sync-rules-decide'),
        group('sync-rules-read-model'),
      ].join(','),
    },
  };

  mkdirSync(options.logDir, { recursive: true });
  const started: { name: SystemProcess; child: ChildProcess }[] = [];
  const logs = {} as Record<SystemProcess, string>;
  let stopping = false;
  let reportExit: (exit: SystemExit) => void = () => undefined;
  const exited = new Promise<SystemExit>((resolve) => {
    reportExit = resolve;
  });
  const stopProcesses = async (graceMs = 15_000) => {
    stopping = true;
    for (const { child } of [...started].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    }
  };
  try {
    for (const name of SYSTEM_PROCESSES) {
      logs[name] = path.join(options.logDir, `${name}.log`);
      const out = createWriteStream(logs[name], { flags: 'a' });
      const child = spawn(
        process.execPath,
        [...nodeFlagsFor(name), path.join(options.root, 'apps', name, 'dist', 'main.js')],
        {
          env: {
            ...PROCESS_ENV,
            ...process.env,
            ...common,
            ...env[name],
            ...options.env?.[name],
            PORT: String(ports[name]),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group: a terminal's Ctrl-C reaches the launcher alone, which stops
          // the services before the sandboxes they call. Signalled all at once, the sandboxes
          // went first and sf-connector's commands in flight waited out their 15 s grace.
          detached: true,
        },
      );
      child.stdout.pipe(out);
      child.stderr.pipe(out);
      child.once('exit', (code, signal) => {
        if (!stopping) reportExit({ name, code, signal });
      });
      started.push({ name, child });
    }
    await Promise.all(
      started.map(({ name, child }) =>
        waitHealthy(
          name,
          child,
          `${url(name)}${HEALTH_PATH[name]}`,
          logs[name],
          options.healthTimeoutMs ?? 90_000,
        ),
      ),
    );
  } catch (error) {
    await stopProcesses(2_000);
    throw error;
  }
  // A broker that keeps every isolated run's topics slows down, and in the end runs out of heap.
  const stop = async (graceMs?: number) => {
    await stopProcesses(graceMs);
    if (prefix === undefined) return;
    await deleteTopicsWithPrefix(
      createKafka({ brokers: options.kafkaBrokers, clientId: `${prefix}-cleanup`, logger: quiet }),
      `${prefix}.`,
    );
    if (options.mongoDb !== undefined) return;
    const mongo = new MongoClient(options.mongoUrl);
    try {
      await mongo.connect();
      await mongo.db(mongoDb).dropDatabase();
    } finally {
      await mongo.close();
    }
  };
  const urls = {} as Record<SystemProcess, string>;
  const pids = {} as Record<SystemProcess, number>;
  for (const { name, child } of started) {
    urls[name] = url(name);
    pids[name] = child.pid ?? 0;
  }
  return {
    urls,
    logs,
    adminKey,
    connectionId: options.connectionId,
    topicPrefix: prefix,
    mongoDb,
    pids,
    exited,
    stop,
  };
}

/** Polls `url` until it answers 2xx; fails fast when the process exits, or at the deadline. */
export async function waitHealthy(
  name: string,
  child: ChildProcess,
  url: string,
  log: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}; see ${log}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not healthy at ${url} in time; see ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
