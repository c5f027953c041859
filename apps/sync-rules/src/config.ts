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
import { tmpdir } from 'node:os';
import { z } from 'zod';

/** Everything sync-rules reads from its environment, parsed once at boot. */
export const SyncRulesConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['sync-rules']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
  /** Consumer group prefix: instances with the same value split the work. */
  SYNC_RULES_GROUP: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('sync-rules'),
  /** The `Sforce-Call-Options` client name our Salesforce writes carry (echo detection). */
  SALESFORCE_CLIENT_NAME: z.string().min(1).default('crm-sync'),
  /** The HubSpot app id our HubSpot writes carry as `sourceId` (echo detection). */
  HUBSPOT_APP_ID: z
    .string()
    .regex(/^[0-9]+$/)
    .default('1000001'),
  /** Keys processed at once within a batch; FerretDB (one SQLite writer) favours few. */
  SYNC_RULES_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Partitions each stage processes at once, each in its own Kafka transaction. */
  SYNC_RULES_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * Most bytes of one fetch of the decide and route stages (each holds a fetch, decoded, until
   * all its batches are done, and what a batch decides until its transaction commits).
   */
  SYNC_RULES_FETCH_MAX_BYTES: kafkaFetchMaxBytes(524_288),
  /**
   * Where the engine's state lives: `disk` (a SQLite file, outside the JS heap: memory stays
   * flat however many records there are) or `memory` (the JS heap: a little faster, grows with
   * the records). Either way the changelog topic is the durable copy, restored at start.
   */
  SYNC_RULES_STATE_STORE: z.enum(['disk', 'memory']).default('disk'),
  /** Directory of the disk store's file (the file is unlinked once open). */
  SYNC_RULES_STATE_DIR: z.string().min(1).default(tmpdir()),
  /** The disk store's page cache, in MiB. */
  SYNC_RULES_STATE_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(16),
  /**
   * Whether this instance writes the MongoDB read model. Off lets a deployment run the engine
   * and the read-model writer as separate instances (same group prefix, one of each at least).
   */
  SYNC_RULES_READ_MODEL: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * Backlog of this instance's route and decide stages (messages) at which its read-model
   * writer pauses, so that the database work it causes leaves the machine to the sync; it
   * resumes at a tenth of it, or after `SYNC_RULES_READ_MODEL_MAX_PAUSE_MS`. 0: never pauses.
   */
  SYNC_RULES_READ_MODEL_PAUSE_AT: z.coerce.number().int().min(0).default(5_000),
  /** Longest pause of the read-model writer; it then writes for a quarter of this at least. */
  SYNC_RULES_READ_MODEL_MAX_PAUSE_MS: z.coerce.number().int().min(1_000).default(120_000),
});
export type SyncRulesConfig = z.output<typeof SyncRulesConfig>;

export function loadConfig(env: Env): SyncRulesConfig {
  return parseConfig(SyncRulesConfig, env);
}
