import { testServiceConfig, uniqueName } from '@crm-sync/testing';
import { SANDBOX_APP_ID, SANDBOX_SECRET, SANDBOX_TOKEN } from './hubspot-sandbox.js';

/**
 * The environment of one hs-connector under test, as strings (as a process gets it): its own
 * topic prefix, consumer groups and database, pointed at a sandbox.
 */
export function connectorEnv(
  sandboxUrl: string,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const base = testServiceConfig();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) env[k] = Array.isArray(v) ? v.join(',') : String(v);
  return {
    ...env,
    HS_CONNECTOR_GROUP: uniqueName('hs'),
    CONNECTION_ID: 'conn-test',
    HUBSPOT_CLIENT_SECRET: SANDBOX_SECRET,
    HUBSPOT_ACCESS_TOKEN: SANDBOX_TOKEN,
    HUBSPOT_APP_ID: String(SANDBOX_APP_ID),
    HUBSPOT_BASE_URL: sandboxUrl,
    HUBSPOT_LIMIT_TEN_SECONDLY: 'off',
    HUBSPOT_LIMIT_DAILY: 'off',
    HUBSPOT_LIMIT_SEARCH_PER_SECOND: 'off',
    HUBSPOT_POLL_INTERVAL_MS: '60000',
    HUBSPOT_SWEEP_INTERVAL_MS: '0',
    METRICS_LAG_INTERVAL_MS: '1000',
    ...overrides,
  };
}
