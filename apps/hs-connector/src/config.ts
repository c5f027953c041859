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
});
export type HsConnectorConfig = z.output<typeof HsConnectorConfig>;

export function loadConfig(env: Env): HsConnectorConfig {
  return parseConfig(HsConnectorConfig, env);
}
