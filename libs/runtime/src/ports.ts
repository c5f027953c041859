/**
 * Default local ports of every crm-sync process: one table, used by the apps' configs, `./dev up`
 * and docker-compose.yml (a test checks that the compose file agrees).
 */
export const DEFAULT_PORTS = {
  'sf-connector': 18410,
  'hs-connector': 18420,
  'sync-rules': 18430,
  'settings-api': 18440,
  'salesforce-sandbox': 18510,
  'hubspot-sandbox': 18520,
  kafka: 19092,
  mongodb: 27027,
} as const;

export type ServiceName = keyof typeof DEFAULT_PORTS;
