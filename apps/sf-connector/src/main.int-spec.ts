import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { probeHealth } from '@crm-sync/testing';
import {
  connectorEnv,
  startConnector,
  startSandbox,
  waitForPolls,
  type ConnectorUnderTest,
  type SalesforceSandbox,
} from '../test/harness.js';
import { loadConfig } from './config.js';

let sandbox: SalesforceSandbox;
let service: ConnectorUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  service = await startConnector(connectorEnv(sandbox));
});

afterAll(async () => {
  await service.stop();
  await sandbox.close();
});

describe('sf-connector service', () => {
  it('boots against the real broker and database and reports both healthy', async () => {
    const health = await probeHealth(service.service);
    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', checks: { kafka: { status: 'ok' }, mongodb: { status: 'ok' } } },
    });
  });

  it('serves Prometheus metrics, with the connection budget once it polls', async () => {
    await waitForPolls(service);
    const res = await fetch(`${service.service.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain(
      `crm_sync_api_calls_total{connection="${service.connectionId}",crm="salesforce",operation="queryAll",status="ok",service="sf-connector"}`,
    );
    expect(text).toMatch(/crm_sync_api_budget_remaining\{[^}]*limit="daily"[^}]*\} \d+/);
  });

  it('refuses to start with every configuration problem listed', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', KAFKA_BROKERS: 'no-port', LOG_LEVEL: 'loud' }),
    ).toThrow(/PORT[\s\S]*KAFKA_BROKERS[\s\S]*LOG_LEVEL/);
  });
});
