import { describe, expect, it } from '@jest/globals';
import { probeHealth, testServiceConfig } from '@crm-sync/testing';
import { loadConfig } from './config.js';
import { startHsConnector } from './main.js';

describe('hs-connector service', () => {
  it('boots against the real broker and database and reports both healthy', async () => {
    const service = await startHsConnector(
      loadConfig({
        ...stringEnv(testServiceConfig()),
        HUBSPOT_CLIENT_SECRET: 'test-client-secret',
      }),
    );
    try {
      const health = await probeHealth(service);
      expect(health).toEqual({
        status: 200,
        body: { status: 'ok', checks: { kafka: { status: 'ok' }, mongodb: { status: 'ok' } } },
      });
    } finally {
      await service.app.close();
    }
  });

  it('refuses to start with every configuration problem listed', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', KAFKA_BROKERS: 'no-port', LOG_LEVEL: 'loud' }),
    ).toThrow(/PORT[\s\S]*KAFKA_BROKERS[\s\S]*LOG_LEVEL/);
  });
});

function stringEnv(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
  );
}
