import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { probeHealth } from '@crm-sync/testing';
import { Cleanup } from '../test/cleanup.js';
import { connectorEnv } from '../test/env.js';
import { startSandbox, type RunningSandbox } from '../test/hubspot-sandbox.js';
import { loadConfig } from './config.js';
import { startHsConnector } from './main.js';

const cleanup = new Cleanup();
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = cleanup.add(await startSandbox(), (s) => s.close());
});

afterAll(() => cleanup.run());

describe('hs-connector service', () => {
  it('boots against the real broker and database, reports both healthy and serves /metrics', async () => {
    const service = await startHsConnector(loadConfig(connectorEnv(sandbox.url)));
    try {
      const health = await probeHealth(service);
      expect(health).toEqual({
        status: 200,
        body: { status: 'ok', checks: { kafka: { status: 'ok' }, mongodb: { status: 'ok' } } },
      });
      const metrics = await fetch(`${service.url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('crm_sync_changes_captured_total');
      expect(text).toContain('crm_sync_api_calls_total');
      expect(text).toContain('process_resident_memory_bytes');
    } finally {
      await service.app.close();
    }
  });

  it('refuses to start with every configuration problem listed', () => {
    expect(() =>
      loadConfig({
        PORT: 'eighty',
        KAFKA_BROKERS: 'no-port',
        LOG_LEVEL: 'loud',
        HUBSPOT_LIMIT_DAILY: 'many',
      }),
    ).toThrow(
      /PORT[\s\S]*KAFKA_BROKERS[\s\S]*LOG_LEVEL[\s\S]*HUBSPOT_CLIENT_SECRET[\s\S]*HUBSPOT_APP_ID[\s\S]*HUBSPOT_LIMIT_DAILY/,
    );
    const { HUBSPOT_ACCESS_TOKEN: _token, ...noToken } = connectorEnv(sandbox.url);
    expect(() => loadConfig(noToken)).toThrow(/HUBSPOT_ACCESS_TOKEN: set HUBSPOT_ACCESS_TOKEN/);
  });
});
