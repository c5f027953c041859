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

/** Everything settings-api reads from its environment, parsed once at boot. */
export const SettingsApiConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['settings-api']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
});
export type SettingsApiConfig = z.output<typeof SettingsApiConfig>;

export function loadConfig(env: Env): SettingsApiConfig {
  return parseConfig(SettingsApiConfig, env);
}
