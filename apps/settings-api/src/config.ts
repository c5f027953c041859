import {
  DEFAULT_PORTS,
  httpEnv,
  kafkaEnv,
  logLevel,
  mongoEnv,
  parseConfig,
  type Env,
} from '@crm-sync/runtime';
import { z } from 'zod';
import { CONNECTION_ID_PATTERN } from './connections/connection.schemas.js';

/** 32 random bytes, base64 (e.g. `openssl rand -base64 32`): the AES-256-GCM key for CRM credentials. */
const encryptionKey = z
  .string({ error: 'is required (32 random bytes, base64; e.g. `openssl rand -base64 32`)' })
  .transform((s, ctx) => {
    const bytes = Buffer.from(s.trim(), 'base64');
    if (bytes.length !== 32 || bytes.toString('base64') !== s.trim()) {
      ctx.addIssue({ code: 'custom', message: 'must be exactly 32 bytes encoded as base64' });
      return z.NEVER;
    }
    return bytes;
  });

/** Everything settings-api reads from its environment, parsed once at boot. */
export const SettingsApiConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['settings-api']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
  /** Encrypts CRM credentials at rest. Required: the service refuses to start without it. */
  CRM_SYNC_ENCRYPTION_KEY: encryptionKey,
  /**
   * An admin API key accepted without being stored, so a fresh system can create its first keys.
   * Optional; at least 32 characters. Prefer creating stored keys and unsetting this afterwards.
   */
  SETTINGS_API_BOOTSTRAP_KEY: z
    .string()
    .min(32, 'must be at least 32 characters')
    .max(512, 'must be at most 512 characters')
    .optional(),
  /**
   * Consumer groups whose Kafka lag the connection status reports (comma-separated; empty: none).
   * The defaults are sync-rules' route and decide stages and its read-model writer (how far the
   * status this API shows trails the engine), under sync-rules' default group prefix.
   */
  LAG_CONSUMER_GROUPS: z
    .string()
    .default('sync-rules-route,sync-rules-decide,sync-rules-read-model')
    .transform((s) =>
      s
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g.length > 0),
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'a consumer group id'))),
  /** Demo/dev only: at boot, create this connection with company sync on unless it exists. */
  DEMO_CONNECTION_ID: z
    .string()
    .regex(CONNECTION_ID_PATTERN, 'letters, digits, "-" and "_", at most 64 characters')
    .optional(),
});
export type SettingsApiConfig = z.output<typeof SettingsApiConfig>;

export function loadConfig(env: Env): SettingsApiConfig {
  return parseConfig(SettingsApiConfig, env);
}
