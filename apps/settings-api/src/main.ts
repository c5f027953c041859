import { bootService, createLogger, runMain, type RunningService } from '@crm-sync/runtime';
import { AppModule } from './app.module.js';
import { loadConfig, type SettingsApiConfig } from './config.js';

export const SERVICE = 'settings-api';

export function startSettingsApi(config: SettingsApiConfig): Promise<RunningService> {
  return bootService({
    service: SERVICE,
    config,
    logger: createLogger(SERVICE, { level: config.LOG_LEVEL }),
    appModule: (ctx) => AppModule.register(ctx),
  });
}

if (import.meta.main) {
  runMain(SERVICE, () => startSettingsApi(loadConfig(process.env)));
}
