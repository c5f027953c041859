import { createLogger, parseConfig } from '@crm-sync/runtime';
import { createHubSpotSandbox } from './app.js';
import { sandboxConfigSchema } from './config.js';

const config = parseConfig(sandboxConfigSchema, process.env);
const log = createLogger('hubspot-sandbox', { level: config.LOG_LEVEL });

const sandbox = createHubSpotSandbox({
  tokens: config.HUBSPOT_SANDBOX_TOKENS.map((t) => {
    const [token = t, app] = t.split(':');
    if (app === 'none') return { token };
    return { token, appId: app === undefined ? config.HUBSPOT_APP_ID : Number(app) };
  }),
  portalId: config.HUBSPOT_PORTAL_ID,
  appId: config.HUBSPOT_APP_ID,
  clientId: config.HUBSPOT_CLIENT_ID,
  clientSecret: config.HUBSPOT_CLIENT_SECRET,
  developerApiKey: config.HUBSPOT_DEVELOPER_API_KEY,
  limits: {
    tenSecondly: config.HUBSPOT_LIMIT_TEN_SECONDLY,
    daily: config.HUBSPOT_LIMIT_DAILY,
    searchPerSecond: config.HUBSPOT_LIMIT_SEARCH_PER_SECOND,
  },
  webhooks: { targetUrl: config.HUBSPOT_WEBHOOK_TARGET_URL },
  autoCreateCompanies: config.HUBSPOT_AUTO_CREATE_COMPANIES,
  ...(config.HUBSPOT_SEED === undefined ? {} : { seed: config.HUBSPOT_SEED }),
});

await sandbox.app.listen({ host: config.HOST, port: config.PORT });
log.info('hubspot sandbox listening', {
  host: config.HOST,
  port: config.PORT,
  portalId: config.HUBSPOT_PORTAL_ID,
});

const stop = (signal: string) => {
  log.info('hubspot sandbox stopping', { signal });
  sandbox.close().then(
    () => process.exit(0),
    (e: unknown) => {
      log.error('hubspot sandbox stop failed', { error: e });
      process.exit(1);
    },
  );
};
process.once('SIGTERM', () => {
  stop('SIGTERM');
});
process.once('SIGINT', () => {
  stop('SIGINT');
});
