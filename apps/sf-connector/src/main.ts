import { bootService, createLogger, runMain, type RunningService } from '@crm-sync/runtime';
import { AppModule } from './app.module.js';
import { loadConfig, type SfConnectorConfig } from './config.js';

export const SERVICE = 'sf-connector';

export function startSfConnector(config: SfConnectorConfig): Promise<RunningService> {
  return bootService({
    service: SERVICE,
    config,
    logger: createLogger(SERVICE, { level: config.LOG_LEVEL }),
    appModule: (ctx) => AppModule.register(ctx, config),
  });
}

if (import.meta.main) {
  runMain(SERVICE, () => startSfConnector(loadConfig(process.env)));
}
