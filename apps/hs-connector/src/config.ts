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

/** Everything hs-connector reads from its environment, parsed once at boot. */
export const HsConnectorConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['hs-connector']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
  /** The connection this connector instance serves. */
  CONNECTION_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .default('default'),
  /** The HubSpot app's client secret: the key of webhook signatures. A secret: env only. */
  HUBSPOT_CLIENT_SECRET: z.string().min(8, 'HUBSPOT_CLIENT_SECRET must be at least 8 characters'),
  /** The exact URL HubSpot calls, when a proxy rewrites scheme, host or path. */
  HUBSPOT_WEBHOOK_URL: z.url().optional(),
});
export type HsConnectorConfig = z.output<typeof HsConnectorConfig>;

export function loadConfig(env: Env): HsConnectorConfig {
  return parseConfig(HsConnectorConfig, env);
}
