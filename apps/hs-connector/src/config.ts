import {
  DEFAULT_PORTS,
  httpEnv,
  kafkaEnv,
  kafkaFetchMaxBytes,
  logLevel,
  mongoEnv,
  parseConfig,
  type Env,
} from '@crm-sync/runtime';
import { z } from 'zod';

/** A positive integer, or `off` (also `0`) to switch a limit off. */
const limit = (fallback: number | 'off') =>
  z
    .string()
    .default(String(fallback))
    .transform((s, c) => {
      if (s === 'off' || s === '0') return null;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) {
        c.addIssue({ code: 'custom', message: 'expected a positive integer, 0 or off' });
        return z.NEVER;
      }
      return n;
    });

const millis = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

/** Comma-separated property names, added to the built-in lists (see `properties.ts`). */
const propertyList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9_]+$/, 'not a HubSpot property name')));

/** Everything hs-connector reads from its environment, parsed once at boot. */
export const HsConnectorEnv = z
  .object({
    ...httpEnv(DEFAULT_PORTS['hs-connector']),
    ...kafkaEnv,
    ...mongoEnv,
    LOG_LEVEL: logLevel,
    /** Consumer group prefix: instances with the same value share the work of every connection. */
    HS_CONNECTOR_GROUP: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('hs-connector'),
    /** The connection this deployment serves (its webhooks, polling, commands). */
    CONNECTION_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/)
      .default('default'),
    /** The HubSpot app's client secret: the key of webhook signatures and OAuth refreshes. A secret: env only. */
    HUBSPOT_CLIENT_SECRET: z.string().min(8, 'HUBSPOT_CLIENT_SECRET must be at least 8 characters'),
    /**
     * Our public webhook URL: the exact URL HubSpot calls and signs (when a proxy rewrites
     * scheme, host or path), and the target URL we register for the app.
     */
    HUBSPOT_WEBHOOK_URL: z.url().optional(),
    /**
     * The developer account's API key of the HubSpot app (`hapikey`). With it (and
     * HUBSPOT_WEBHOOK_URL) the connector sets the app's webhook target and subscriptions at
     * start-up. A secret: env only, never logged.
     */
    HUBSPOT_DEVELOPER_API_KEY: z.string().min(1).optional(),
    /** Private-app or OAuth access token. A secret: env only. */
    HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
    /** OAuth: with a refresh token (and HUBSPOT_CLIENT_ID) expired access tokens are renewed. */
    HUBSPOT_REFRESH_TOKEN: z.string().min(1).optional(),
    HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
    /** `https://api.hubapi.com`, or a sandbox. */
    HUBSPOT_BASE_URL: z.url().default('https://api.hubapi.com'),
    /** Our app id: HubSpot marks our writes with `sourceId` = it (echoes of our own writes). */
    HUBSPOT_APP_ID: z.string().regex(/^[0-9]+$/, 'HUBSPOT_APP_ID must be digits'),
    /** Requests per rolling 10 s (HubSpot: 100 Free/Starter, 190 Professional/Enterprise). */
    HUBSPOT_LIMIT_TEN_SECONDLY: limit(190),
    /** Requests per day (HubSpot: 250,000 to 1,000,000 by tier), shared with other apps' use. */
    HUBSPOT_LIMIT_DAILY: limit(250_000),
    /** CRM search requests per second (HubSpot: 5 per account). */
    HUBSPOT_LIMIT_SEARCH_PER_SECOND: limit(5),
    /** Share of each limit backfill (polling, sweeps) may use while live work flows. */
    HUBSPOT_BACKFILL_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
    /** Wait after a TEN_SECONDLY_ROLLING 429 before the next request of this connection. */
    HUBSPOT_RATE_LIMIT_PAUSE_MS: millis(1_000),
    HUBSPOT_REQUEST_TIMEOUT_MS: millis(30_000, 100),
    /** Tries per HubSpot request for transient faults (5xx, timeouts, 429), the first included. */
    HUBSPOT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    /** Batch requests in flight per partition batch (command writes, reads). */
    HUBSPOT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** HubSpot requests of one connection in flight at once (per instance), live ones first. */
    HUBSPOT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(4),
    /** Partitions each pipeline processes at once, each in its own Kafka transaction. */
    HS_CONNECTOR_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(6),
    /**
     * Most bytes of one fetch over all partitions of a pipeline: the messages held in memory at
     * once (kafkajs keeps a whole fetch until each of its batches is done). The command
     * consumers split it: each fetches at most its share. 4 MiB: kafkajs' 10 MiB
     * ran more partitions' batches at once, for ~10 % less CPU per upsert without limits and
     * ~45 MB more resident in the import; 2 MiB left the pooled upserts less full (see
     * docs/decisions.md).
     */
    HS_CONNECTOR_FETCH_MAX_BYTES: kafkaFetchMaxBytes(4_194_304),
    /**
     * Consumers of the command topic per instance: members of the one command group, each with
     * its own fetch loop, sharing the fetch bytes above and pooling their writes. kafkajs fetches
     * again only once every batch of its last fetch is done, so one consumer left the budget
     * idle at each fetch's tail, and sent its last inputs in part-filled requests (see
     * docs/decisions.md). With two, one's tail overlaps the other's fetch.
     */
    HS_CONNECTOR_COMMAND_CONSUMERS: z.coerce.number().int().min(1).max(16).default(2),
    /** Reconciliation polling: pause between polls, overlap re-read each time, first start. */
    HUBSPOT_POLL_INTERVAL_MS: millis(60_000, 10),
    HUBSPOT_POLL_LOOKBACK_MS: millis(120_000),
    /** Where the very first poll starts (ISO time); default: now minus the lookback. */
    HUBSPOT_POLL_START: z.iso.datetime({ offset: true }).optional(),
    /**
     * A poll waits while this many HubSpot commands wait in this instance (an import, a mass
     * sync), until they are down to a tenth, for at most the longest deferral; 0: polls never
     * wait. 2,000: about a second of writes at 190 requests per 10 s (see docs/decisions.md).
     */
    HUBSPOT_POLL_DEFER_AT_BACKLOG: z.coerce.number().int().min(0).default(2_000),
    HUBSPOT_POLL_MAX_DEFER_MS: millis(300_000),
    /** Full association and deletion sweep; 0 switches it off. */
    HUBSPOT_SWEEP_INTERVAL_MS: millis(6 * 60 * 60 * 1000),
    /**
     * Company versions our writes produced that polls skip instead of reading back (the latest
     * ones; ~100 bytes each). 120,000: a minute of writes at 190 requests per 10 s, one poll
     * interval. 0: polls read everything.
     */
    HUBSPOT_POLL_SKIP_WRITTEN_MAX: z.coerce.number().int().min(0).max(10_000_000).default(120_000),
    /** Extra properties to read (mapped custom properties, inclusion-list properties). */
    HUBSPOT_COMPANY_PROPERTIES: propertyList,
    HUBSPOT_CONTACT_PROPERTIES: propertyList,
    /** How often consumer lag is sampled for `/metrics`. */
    METRICS_LAG_INTERVAL_MS: millis(15_000, 100),
    /**
     * How often each connection's API budget use is written to MongoDB (`api_budget`), where the
     * settings API reads it; a report older than 3 intervals is ignored there.
     */
    API_BUDGET_REPORT_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
  })
  .superRefine((env, ctx) => {
    if (env.HUBSPOT_ACCESS_TOKEN === undefined && env.HUBSPOT_REFRESH_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUBSPOT_ACCESS_TOKEN'],
        message: 'set HUBSPOT_ACCESS_TOKEN, or HUBSPOT_REFRESH_TOKEN with HUBSPOT_CLIENT_ID',
      });
    }
    if (env.HUBSPOT_DEVELOPER_API_KEY !== undefined && env.HUBSPOT_WEBHOOK_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUBSPOT_WEBHOOK_URL'],
        message: 'HUBSPOT_DEVELOPER_API_KEY needs HUBSPOT_WEBHOOK_URL: the target URL to register',
      });
    }
    if ((env.HUBSPOT_REFRESH_TOKEN === undefined) !== (env.HUBSPOT_CLIENT_ID === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUBSPOT_CLIENT_ID'],
        message: 'HUBSPOT_REFRESH_TOKEN and HUBSPOT_CLIENT_ID go together',
      });
    }
  });
export type HsConnectorEnv = z.output<typeof HsConnectorEnv>;

/** API limits of one connection; `null` switches a limit off. */
export interface HubSpotLimits {
  readonly tenSecondly: number | null;
  readonly daily: number | null;
  readonly searchPerSecond: number | null;
  readonly backfillShare: number;
}

/** Everything one connection needs: credentials, API endpoint, limits, polling. */
export interface ConnectionConfig {
  readonly connectionId: string;
  readonly baseUrl: string;
  readonly accessToken: string | undefined;
  readonly oauth: { readonly clientId: string; readonly refreshToken: string } | undefined;
  readonly clientSecret: string;
  readonly appId: string;
  readonly limits: HubSpotLimits;
  readonly companyProperties: readonly string[];
  readonly contactProperties: readonly string[];
}

/** The HubSpot app whose webhook configuration we manage (app-wide, not per portal). */
export interface WebhookAppConfig {
  readonly appId: string;
  readonly baseUrl: string;
  readonly developerApiKey: string;
  readonly targetUrl: string;
}

/** Service-wide settings (same for every connection). */
export interface HsConnectorConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error';
  readonly KAFKA_BROKERS: readonly string[];
  readonly KAFKA_TOPIC_PREFIX: string | undefined;
  readonly MONGO_URL: string;
  readonly MONGO_DB: string;
  readonly group: string;
  readonly partitionsConcurrently: number;
  /** Most bytes of one fetch over all partitions of a pipeline (split among its consumers). */
  readonly fetchMaxBytes: number;
  /** Consumers (group members) of the command topic in this instance. */
  readonly commandConsumers: number;
  readonly webhook: {
    readonly connectionId: string;
    readonly publicUrl: string | undefined;
    /** Set: the connector ensures the app's webhook target and subscriptions at start-up. */
    readonly app: WebhookAppConfig | undefined;
  };
  readonly http: {
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly concurrency: number;
    readonly maxInFlight: number;
    readonly rateLimitPauseMs: number;
  };
  readonly polling: {
    readonly intervalMs: number;
    readonly lookbackMs: number;
    readonly startAt: number | undefined;
    readonly sweepIntervalMs: number;
    /** Versions of our own writes remembered so that polls skip them (`WrittenVersions`). */
    readonly skipWrittenMax: number;
    /** Commands waiting at which a poll waits, for at most `maxDeferMs` (0: never waits). */
    readonly deferAtBacklog: number;
    readonly maxDeferMs: number;
  };
  readonly metricsLagIntervalMs: number;
  readonly budgetReportIntervalMs: number;
  /** connectionId → its settings; one deployment can serve many connections. */
  readonly connections: ReadonlyMap<string, ConnectionConfig>;
}

export function loadConfig(env: Env): HsConnectorConfig {
  return toConfig(parseConfig(HsConnectorEnv, env));
}

/** The flat environment describes one connection; the service is built around the map. */
export function toConfig(env: HsConnectorEnv): HsConnectorConfig {
  const connection: ConnectionConfig = {
    connectionId: env.CONNECTION_ID,
    baseUrl: env.HUBSPOT_BASE_URL.replace(/\/+$/, ''),
    accessToken: env.HUBSPOT_ACCESS_TOKEN,
    oauth:
      env.HUBSPOT_REFRESH_TOKEN === undefined || env.HUBSPOT_CLIENT_ID === undefined
        ? undefined
        : { clientId: env.HUBSPOT_CLIENT_ID, refreshToken: env.HUBSPOT_REFRESH_TOKEN },
    clientSecret: env.HUBSPOT_CLIENT_SECRET,
    appId: env.HUBSPOT_APP_ID,
    limits: {
      tenSecondly: env.HUBSPOT_LIMIT_TEN_SECONDLY,
      daily: env.HUBSPOT_LIMIT_DAILY,
      searchPerSecond: env.HUBSPOT_LIMIT_SEARCH_PER_SECOND,
      backfillShare: env.HUBSPOT_BACKFILL_SHARE,
    },
    companyProperties: env.HUBSPOT_COMPANY_PROPERTIES,
    contactProperties: env.HUBSPOT_CONTACT_PROPERTIES,
  };
  return {
    HOST: env.HOST,
    PORT: env.PORT,
    LOG_LEVEL: env.LOG_LEVEL,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
    MONGO_URL: env.MONGO_URL,
    MONGO_DB: env.MONGO_DB,
    group: env.HS_CONNECTOR_GROUP,
    partitionsConcurrently: env.HS_CONNECTOR_PARTITIONS_CONCURRENTLY,
    fetchMaxBytes: env.HS_CONNECTOR_FETCH_MAX_BYTES,
    commandConsumers: env.HS_CONNECTOR_COMMAND_CONSUMERS,
    webhook: {
      connectionId: env.CONNECTION_ID,
      publicUrl: env.HUBSPOT_WEBHOOK_URL,
      app:
        env.HUBSPOT_DEVELOPER_API_KEY === undefined || env.HUBSPOT_WEBHOOK_URL === undefined
          ? undefined
          : {
              appId: env.HUBSPOT_APP_ID,
              baseUrl: connection.baseUrl,
              developerApiKey: env.HUBSPOT_DEVELOPER_API_KEY,
              targetUrl: env.HUBSPOT_WEBHOOK_URL,
            },
    },
    http: {
      timeoutMs: env.HUBSPOT_REQUEST_TIMEOUT_MS,
      maxAttempts: env.HUBSPOT_MAX_ATTEMPTS,
      concurrency: env.HUBSPOT_CONCURRENCY,
      maxInFlight: env.HUBSPOT_MAX_IN_FLIGHT,
      rateLimitPauseMs: env.HUBSPOT_RATE_LIMIT_PAUSE_MS,
    },
    polling: {
      intervalMs: env.HUBSPOT_POLL_INTERVAL_MS,
      lookbackMs: env.HUBSPOT_POLL_LOOKBACK_MS,
      startAt:
        env.HUBSPOT_POLL_START === undefined ? undefined : Date.parse(env.HUBSPOT_POLL_START),
      sweepIntervalMs: env.HUBSPOT_SWEEP_INTERVAL_MS,
      skipWrittenMax: env.HUBSPOT_POLL_SKIP_WRITTEN_MAX,
      deferAtBacklog: env.HUBSPOT_POLL_DEFER_AT_BACKLOG,
      maxDeferMs: env.HUBSPOT_POLL_MAX_DEFER_MS,
    },
    metricsLagIntervalMs: env.METRICS_LAG_INTERVAL_MS,
    budgetReportIntervalMs: env.API_BUDGET_REPORT_INTERVAL_MS,
    connections: new Map([[connection.connectionId, connection]]),
  };
}
