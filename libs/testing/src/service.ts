import type { RunningService } from '@crm-sync/runtime';
import { testInfra, uniqueName } from './infra.js';

/** Base config for booting a service in a test: port 0, real broker and a fresh database name. */
export function testServiceConfig() {
  const infra = testInfra();
  return {
    HOST: '127.0.0.1',
    PORT: 0,
    LOG_LEVEL: 'warn' as const,
    KAFKA_BROKERS: infra.brokers,
    MONGO_URL: infra.mongoUrl,
    MONGO_DB: uniqueName('svc').replace(/-/g, '_'),
    KAFKA_TOPIC_PREFIX: uniqueName('t'),
  };
}

export interface HealthProbe {
  readonly status: number;
  readonly body: unknown;
}

/** Calls a running service's readiness endpoint over real HTTP. */
export async function probeHealth(service: RunningService): Promise<HealthProbe> {
  const res = await fetch(`${service.url}/health`);
  return { status: res.status, body: await res.json() };
}
