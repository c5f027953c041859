import { describe, expect, it } from '@jest/globals';
import { probeHealth } from '@crm-sync/testing';
import { startHarness } from '../test/harness.js';
import { loadConfig } from './config.js';

describe('settings-api service', () => {
  it('boots against the real broker and database, reports both healthy and serves its OpenAPI document', async () => {
    const h = await startHarness();
    try {
      const health = await probeHealth(h.service);
      expect(health).toEqual({
        status: 200,
        body: { status: 'ok', checks: { kafka: { status: 'ok' }, mongodb: { status: 'ok' } } },
      });
      const doc = await h.call('GET', '/docs/json', { key: null });
      expect(doc.status).toBe(200);
      expect(doc.body).toMatchObject({ info: { title: 'crm-sync settings API' } });
      const ui = await fetch(`${h.url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
      expect((await fetch(`${h.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refuses to start with every configuration problem listed, the encryption key included', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', KAFKA_BROKERS: 'no-port', LOG_LEVEL: 'loud' }),
    ).toThrow(
      /PORT[\s\S]*KAFKA_BROKERS[\s\S]*LOG_LEVEL[\s\S]*CRM_SYNC_ENCRYPTION_KEY: is required/,
    );
    expect(() =>
      loadConfig({ CRM_SYNC_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }),
    ).toThrow(/CRM_SYNC_ENCRYPTION_KEY: must be exactly 32 bytes encoded as base64/);
  });
});
