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

/** Everything sf-connector reads from its environment, parsed once at boot. */
export const SfConnectorConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['sf-connector']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
});
export type SfConnectorConfig = z.output<typeof SfConnectorConfig>;

export function loadConfig(env: Env): SfConnectorConfig {
  return parseConfig(SfConnectorConfig, env);
}
