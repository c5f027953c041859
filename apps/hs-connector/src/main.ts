import { bootService, createLogger, runMain, type RunningService } from '@crm-sync/runtime';
import { AppModule } from './app.module.js';
import { loadConfig, type HsConnectorConfig } from './config.js';

export const SERVICE = 'hs-connector';

export function startHsConnector(config: HsConnectorConfig): Promise<RunningService> {
  return bootService({
    service: SERVICE,
    config,
    logger: createLogger(SERVICE, { level: config.LOG_LEVEL }),
    appModule: (ctx) => AppModule.register(ctx, config),
    // Webhook signatures are computed over the exact bytes HubSpot sent.
    rawBody: true,
  });
}

if (import.meta.main) {
  runMain(SERVICE, () => startHsConnector(loadConfig(process.env)));
}
