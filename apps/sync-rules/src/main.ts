import { bootService, createLogger, runMain, type RunningService } from '@crm-sync/runtime';
import { AppModule } from './app.module.js';
import { loadConfig, type SyncRulesConfig } from './config.js';

export const SERVICE = 'sync-rules';

export function startSyncRules(config: SyncRulesConfig): Promise<RunningService> {
  return bootService({
    service: SERVICE,
    config,
    logger: createLogger(SERVICE, { level: config.LOG_LEVEL }),
    appModule: (ctx) => AppModule.register(ctx, config),
  });
}

if (import.meta.main) {
  runMain(SERVICE, () => startSyncRules(loadConfig(process.env)));
}
