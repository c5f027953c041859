import { createLogger, DEFAULT_PORTS, httpEnv, logLevel, parseConfig } from '@crm-sync/runtime';
import { z } from 'zod';
import { createSalesforceSandbox, DEFAULTS } from './index.js';

const schema = z.object({
  ...httpEnv(DEFAULT_PORTS['salesforce-sandbox']),
  LOG_LEVEL: logLevel,
  SF_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/)
    .default(DEFAULTS.apiVersion),
  SF_CLIENT_ID: z.string().min(1).default(DEFAULTS.clientId),
  SF_CLIENT_SECRET: z.string().min(1).default(DEFAULTS.clientSecret),
  SF_USERNAME: z.string().optional(),
  SF_PASSWORD: z.string().optional(),
  SF_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULTS.tokenTtlMs / 1000),
  SF_DAILY_API_LIMIT: z.coerce.number().int().min(0).default(DEFAULTS.dailyApiLimit),
  SF_CDC_RETENTION: z.coerce.number().int().min(1).default(500_000),
  SEED: z.coerce.number().int().default(1),
  SEED_ACCOUNTS: z.coerce.number().int().min(0).default(0),
  SEED_CONTACTS: z.coerce.number().int().min(0).default(0),
  SEED_LEADS: z.coerce.number().int().min(0).default(0),
});

const config = parseConfig(schema, process.env);
const logger = createLogger('salesforce-sandbox', { level: config.LOG_LEVEL });
const sandbox = await createSalesforceSandbox({
  host: config.HOST,
  port: config.PORT,
  apiVersion: config.SF_API_VERSION,
  clientId: config.SF_CLIENT_ID,
  clientSecret: config.SF_CLIENT_SECRET,
  username: config.SF_USERNAME,
  password: config.SF_PASSWORD,
  tokenTtlMs: config.SF_TOKEN_TTL_SECONDS * 1000,
  dailyApiLimit: config.SF_DAILY_API_LIMIT,
  cdcRetention: config.SF_CDC_RETENTION,
  ...(config.SEED_ACCOUNTS + config.SEED_CONTACTS + config.SEED_LEADS > 0
    ? {
        seed: {
          seed: config.SEED,
          accounts: config.SEED_ACCOUNTS,
          contacts: config.SEED_CONTACTS,
          leads: config.SEED_LEADS,
        },
      }
    : {}),
});
logger.info('salesforce sandbox listening', {
  url: sandbox.url,
  apiVersion: config.SF_API_VERSION,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
