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
import { SalesforceObject } from '@crm-sync/domain';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const share = z.coerce.number().gt(0).max(1);
/** Records per query page or batch: Salesforce takes 200–2,000. */
const queryPageSize = z.coerce.number().int().min(200).max(2000).default(500);
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
/** Secrets: read from the environment only, never echoed (parseConfig omits values). */
const secret = z.string().min(1).optional();

/** Everything sf-connector reads from its environment, parsed once at boot. */
export const SfConnectorConfig = z
  .object({
    ...httpEnv(DEFAULT_PORTS['sf-connector']),
    ...kafkaEnv,
    ...mongoEnv,
    LOG_LEVEL: logLevel,
    /** Consumer group prefix: instances with the same value share the work. */
    SF_CONNECTOR_GROUP: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('sf-connector'),

    /** The connection this deployment serves (one per env; the code runs a map of them). */
    CONNECTION_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/)
      .default('default'),
    /** OAuth login server; the token response names the instance unless SF_INSTANCE_URL is set. */
    SF_LOGIN_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['salesforce-sandbox']}`),
    SF_INSTANCE_URL: z.url().optional(),
    /** `client_credentials` (integration user of the connected app), `password`, or `refresh_token`. */
    SF_AUTH_FLOW: z
      .enum(['client_credentials', 'password', 'refresh_token'])
      .default('client_credentials'),
    /** Defaults are the local sandbox's published dummy credentials; a real org sets its own. */
    SF_CLIENT_ID: z.string().min(1).default('sandbox-client-id'),
    SF_CLIENT_SECRET: z.string().min(1).default('sandbox-client-secret'),
    SF_USERNAME: z.string().min(1).optional(),
    SF_PASSWORD: secret,
    SF_REFRESH_TOKEN: secret,
    SF_API_VERSION: z
      .string()
      .regex(/^[0-9]{2}\.0$/, 'like 62.0')
      .default('62.0'),
    /** `Sforce-Call-Options: client=` of our writes; sync-rules recognises it as our own echo. */
    SALESFORCE_CLIENT_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/)
      .default('crm-sync'),

    /** Objects captured (polling and CDC). */
    SF_OBJECTS: z
      .string()
      .default('Account,Contact,Lead')
      .transform((s) => s.split(',').map((o) => o.trim()))
      .pipe(z.array(SalesforceObject).min(1)),
    SF_CDC_ENABLED: flag.default(true),
    /** Shortest pause between two polls; the budget may stretch it (see README). */
    SF_POLL_INTERVAL_MS: positiveInt.default(15_000),
    /** How far back each poll re-reads: covers late commits and equal timestamps. */
    SF_POLL_OVERLAP_MS: positiveInt.default(300_000),
    /** Share of the daily budget polling may use; the interval stretches to stay under it. */
    SF_POLL_BUDGET_SHARE: share.default(0.2),
    /** How often deletes are reconciled with getDeleted (catches records purged before a poll). */
    SF_DELETED_CHECK_INTERVAL_MS: positiveInt.default(300_000),
    /** Deleted ids are remembered this long (the recycle bin keeps records 15 days). */
    SF_TOMBSTONE_RETENTION_DAYS: positiveInt.default(15),
    /**
     * Accounts per import query (its LIMIT; a stopped import resumes after the last one
     * published). Salesforce answers it in batches of SF_QUERY_BATCH_SIZE, each published as it
     * comes.
     */
    SF_IMPORT_PAGE_SIZE: queryPageSize,
    /**
     * Imports and replays wait before their next page while the sync engine has this many of
     * the published changes yet to decide; 0: they never wait. A live change queues behind at
     * most this many (20,000: ~10 s at HubSpot's 190 requests per 10 s), and reading Salesforce
     * far ahead no longer takes the engine's CPU on a shared machine (docs/decisions.md).
     */
    SF_JOB_MAX_AHEAD: z.coerce.number().int().min(0).default(20_000),
    /** The sync engine's consumer group on the change topic (sync-rules: `<SYNC_RULES_GROUP>-decide`). */
    SF_ENGINE_GROUP: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('sync-rules-decide'),
    /**
     * Records per batch of every query's answer (`Sforce-Query-Options: batchSize`): the most a
     * connector holds of one at once. Salesforce's default of 2,000 took sf-connector's peak in
     * an import to ~300 MB; 500 keeps it under 256 MB at the same CPU per record
     * (docs/decisions.md).
     */
    SF_QUERY_BATCH_SIZE: queryPageSize,

    /** Share of the org's daily API allocation this engine may spend. */
    SF_DAILY_SHARE: share.default(0.5),
    /** Used when the org does not report its allocation. */
    SF_DAILY_LIMIT_FALLBACK: positiveInt.default(100_000),
    /** Optional smoothing limit: at most N calls per SF_RATE_LIMIT_WINDOW_MS. */
    SF_RATE_LIMIT: positiveInt.optional(),
    SF_RATE_LIMIT_WINDOW_MS: positiveInt.default(10_000),
    /** Calls in flight at once, per connection and instance. */
    SF_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(25).default(8),
    /** Share of a limit backfill (imports) may take while live work flows. */
    SF_BACKFILL_SHARE: share.default(0.5),
    /** After REQUEST_LIMIT_EXCEEDED: first pause before probing again (doubles up to 16×). */
    SF_LIMIT_PAUSE_MS: positiveInt.default(60_000),

    /** Backoff of transient faults (UNABLE_TO_LOCK_ROW, 5xx, network). */
    SF_RETRY_BASE_MS: positiveInt.default(500),
    SF_RETRY_MAX_MS: positiveInt.default(30_000),
    SF_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
    /** Records per sObject Collections request (Salesforce allows 200). */
    SF_COLLECTION_SIZE: z.coerce.number().int().min(1).max(200).default(200),
    /** Command partitions processed at once, each in its own Kafka transaction. */
    SF_COMMAND_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
    /**
     * Most bytes fetched per command partition at once: bigger batches mean fewer transactions
     * (kafkajs handles one fetch round at a time). A batch's results go to one partition in one
     * record batch, which the broker caps (message.max.bytes, 1 MiB by default): keep it below.
     */
    SF_COMMAND_FETCH_BYTES: z.coerce.number().int().min(65_536).max(1_048_576).default(524_288),
    /**
     * Most bytes of one fetch over all command partitions: the commands held in memory at once
     * (kafkajs keeps a whole fetch until each of its batches is done). See docs/decisions.md.
     */
    SF_COMMAND_FETCH_MAX_BYTES: kafkaFetchMaxBytes(4_194_304),
    /**
     * How often each connection's API budget use is written to MongoDB (`api_budget`), where the
     * settings API reads it; a report older than 3 intervals is ignored there.
     */
    API_BUDGET_REPORT_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
  })
  // Runs even when other fields failed (`when`), so every problem is reported at once; the
  // values may then be unparsed, hence the plain comparisons.
  .superRefine(
    (c, ctx) => {
      const need = (key: 'SF_USERNAME' | 'SF_PASSWORD' | 'SF_REFRESH_TOKEN', why: string) => {
        if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: why });
      };
      if (c.SF_AUTH_FLOW === 'password') {
        need('SF_USERNAME', 'required by SF_AUTH_FLOW=password');
        need('SF_PASSWORD', 'required by SF_AUTH_FLOW=password');
      }
      if (c.SF_AUTH_FLOW === 'refresh_token')
        need('SF_REFRESH_TOKEN', 'required by SF_AUTH_FLOW=refresh_token');
      if (c.SF_RETRY_MAX_MS < c.SF_RETRY_BASE_MS)
        ctx.addIssue({
          code: 'custom',
          path: ['SF_RETRY_MAX_MS'],
          message: 'must be at least SF_RETRY_BASE_MS',
        });
    },
    { when: () => true },
  );
export type SfConnectorConfig = z.output<typeof SfConnectorConfig>;

export function loadConfig(env: Env): SfConnectorConfig {
  return parseConfig(SfConnectorConfig, env);
}

/** How the connector signs in to one org. Secrets stay in this object and are never logged. */
export type SalesforceAuth =
  | {
      readonly flow: 'client_credentials';
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | {
      readonly flow: 'password';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly username: string;
      readonly password: string;
    }
  | {
      readonly flow: 'refresh_token';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly refreshToken: string;
    };

export interface BudgetSettings {
  readonly dailyShare: number;
  readonly dailyLimitFallback: number;
  readonly rate: { readonly limit: number; readonly windowMs: number } | undefined;
  readonly maxConcurrency: number;
  readonly backfillShare: number;
  readonly limitPauseMs: number;
}

export interface RetrySettings {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
}

/** Everything about one connection (one Salesforce org); the runtime map is keyed by its id. */
export interface ConnectionSettings {
  readonly connectionId: string;
  readonly loginUrl: string;
  readonly instanceUrl: string | undefined;
  readonly apiVersion: string;
  readonly auth: SalesforceAuth;
  readonly clientName: string;
  readonly objects: readonly SalesforceObject[];
  readonly cdcEnabled: boolean;
  readonly poll: {
    readonly intervalMs: number;
    readonly overlapMs: number;
    readonly budgetShare: number;
    readonly deletedCheckIntervalMs: number;
    readonly tombstoneRetentionMs: number;
  };
  readonly importPageSize: number;
  readonly queryBatchSize: number;
  readonly collectionSize: number;
  readonly budget: BudgetSettings;
  readonly retry: RetrySettings;
}

const DAY_MS = 86_400_000;

/** The connections this deployment serves: today one, from the environment. */
export function connectionsFromConfig(c: SfConnectorConfig): ConnectionSettings[] {
  return [
    {
      connectionId: c.CONNECTION_ID,
      loginUrl: c.SF_LOGIN_URL,
      instanceUrl: c.SF_INSTANCE_URL,
      apiVersion: c.SF_API_VERSION,
      auth: authOf(c),
      clientName: c.SALESFORCE_CLIENT_NAME,
      objects: c.SF_OBJECTS,
      cdcEnabled: c.SF_CDC_ENABLED,
      poll: {
        intervalMs: c.SF_POLL_INTERVAL_MS,
        overlapMs: c.SF_POLL_OVERLAP_MS,
        budgetShare: c.SF_POLL_BUDGET_SHARE,
        deletedCheckIntervalMs: c.SF_DELETED_CHECK_INTERVAL_MS,
        tombstoneRetentionMs: c.SF_TOMBSTONE_RETENTION_DAYS * DAY_MS,
      },
      importPageSize: c.SF_IMPORT_PAGE_SIZE,
      queryBatchSize: c.SF_QUERY_BATCH_SIZE,
      collectionSize: c.SF_COLLECTION_SIZE,
      budget: {
        dailyShare: c.SF_DAILY_SHARE,
        dailyLimitFallback: c.SF_DAILY_LIMIT_FALLBACK,
        rate:
          c.SF_RATE_LIMIT === undefined
            ? undefined
            : { limit: c.SF_RATE_LIMIT, windowMs: c.SF_RATE_LIMIT_WINDOW_MS },
        maxConcurrency: c.SF_MAX_CONCURRENCY,
        backfillShare: c.SF_BACKFILL_SHARE,
        limitPauseMs: c.SF_LIMIT_PAUSE_MS,
      },
      retry: {
        baseMs: c.SF_RETRY_BASE_MS,
        maxMs: c.SF_RETRY_MAX_MS,
        maxAttempts: c.SF_RETRY_ATTEMPTS,
      },
    },
  ];
}

/** The schema's refinement guarantees the fields each flow needs. */
function authOf(c: SfConnectorConfig): SalesforceAuth {
  const missing = (key: string): never => {
    throw new Error(`${key} is required for SF_AUTH_FLOW=${c.SF_AUTH_FLOW}`);
  };
  switch (c.SF_AUTH_FLOW) {
    case 'client_credentials':
      return {
        flow: 'client_credentials',
        clientId: c.SF_CLIENT_ID,
        clientSecret: c.SF_CLIENT_SECRET,
      };
    case 'password':
      return {
        flow: 'password',
        clientId: c.SF_CLIENT_ID,
        clientSecret: c.SF_CLIENT_SECRET,
        username: c.SF_USERNAME ?? missing('SF_USERNAME'),
        password: c.SF_PASSWORD ?? missing('SF_PASSWORD'),
      };
    case 'refresh_token':
      return {
        flow: 'refresh_token',
        clientId: c.SF_CLIENT_ID,
        clientSecret: c.SF_CLIENT_SECRET,
        refreshToken: c.SF_REFRESH_TOKEN ?? missing('SF_REFRESH_TOKEN'),
      };
  }
}
