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

/** Everything sync-rules reads from its environment, parsed once at boot. */
export const SyncRulesConfig = z.object({
  ...httpEnv(DEFAULT_PORTS['sync-rules']),
  ...kafkaEnv,
  ...mongoEnv,
  LOG_LEVEL: logLevel,
});
export type SyncRulesConfig = z.output<typeof SyncRulesConfig>;

export function loadConfig(env: Env): SyncRulesConfig {
  return parseConfig(SyncRulesConfig, env);
}
