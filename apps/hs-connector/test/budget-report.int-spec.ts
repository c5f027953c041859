// API budget reports against the HubSpot sandbox and the real FerretDB: a connector that made
// requests writes its windows and the portal's day (from HubSpot's daily headers, else its own
// count) to `api_budget`, and marks its last report stopped at shutdown.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  API_BUDGET_COLLECTION,
  ApiBudgetReport,
  combineApiBudgetReports,
  topicName,
  TOPICS,
} from '@crm-sync/domain';
import type { RunningService } from '@crm-sync/runtime';
import { collect, testInfra, testKafka, uniqueName, waitFor } from '@crm-sync/testing';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config.js';
import { HsConnectorEngine } from '../src/hs-connector.engine.js';
import { startHsConnector } from '../src/main.js';
import { Cleanup } from './cleanup.js';
import { upsert } from './command-fixtures.js';
import { connectorEnv } from './env.js';
import { startSandbox, type SandboxOptions } from './hubspot-sandbox.js';
import { produceCommands } from './kafka-io.js';

const COMMANDS = 30;
const cleanup = new Cleanup();
const mongo = cleanup.add(new MongoClient(testInfra().mongoUrl), (c) => c.close());

afterAll(() => cleanup.run());

/**
 * A sandbox and a connector with fast budget reports; `COMMANDS` upserts carried out. Returns a
 * reader of the connection's reports and the running service.
 */
async function connectorThatWorked(
  limits: NonNullable<SandboxOptions['limits']>,
  env: Record<string, string>,
) {
  const sandbox = cleanup.add(await startSandbox({ limits }), (s) => s.close());
  const connectionId = uniqueName('conn-budget');
  const fullEnv = connectorEnv(sandbox.url, {
    CONNECTION_ID: connectionId,
    API_BUDGET_REPORT_INTERVAL_MS: '200',
    ...env,
  });
  const service: RunningService = await startHsConnector(loadConfig(fullEnv));
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await service.app.close();
  };
  cleanup.add(service, stop);
  const db = mongo.db(fullEnv['MONGO_DB']);
  cleanup.add(db, (d) => d.dropDatabase());
  const prefix = fullEnv['KAFKA_TOPIC_PREFIX'];
  const results = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.commandResults.ref, prefix)),
    (c) => c.stop(),
  );
  await produceCommands(
    testKafka(),
    topicName(TOPICS.hubspotCommands.ref, prefix),
    Array.from({ length: COMMANDS }, (_, i) => upsert(i, { name: `Budget ${i}` }, connectionId)),
  );
  await waitFor(() => results.messages.length >= COMMANDS, {
    timeoutMs: 30_000,
    description: 'a result for every command',
  });
  const reports = async () =>
    (await db.collection(API_BUDGET_COLLECTION).find({ connectionId }).toArray()).map((d) =>
      ApiBudgetReport.parse(d),
    );
  const instance = service.app.get(HsConnectorEngine).budgetReports.instance;
  return { sandbox, service, stop, reports, instance };
}

describe('API budget reports', () => {
  it('report the requests made and the portal’s day as HubSpot’s headers say', async () => {
    const { sandbox, reports, instance, stop } = await connectorThatWorked(
      { tenSecondly: 150, daily: 200_000, searchPerSecond: null },
      { HUBSPOT_LIMIT_TEN_SECONDLY: '100', HUBSPOT_LIMIT_DAILY: '50000' },
    );
    const made = () => sandbox.requests.filter((r) => r.status === 200).length;
    const report = await waitFor(
      async () => {
        const [r] = await reports();
        const burst = r?.limits.find((l) => l.name === 'ten-secondly');
        return r?.daily?.source === 'crm' && burst !== undefined && burst.used >= 1 ? r : undefined;
      },
      { description: 'a report with the portal’s day' },
    );
    expect(report).toMatchObject({ crm: 'hubspot', instance, share: 1, stoppedAt: null });
    expect(report.limits.map((l) => l.name)).toEqual(['ten-secondly', 'daily']);
    expect(report.limits.find((l) => l.name === 'daily')).toMatchObject({ limit: 50_000 });
    expect(report.daily).toMatchObject({
      source: 'crm',
      via: 'X-HubSpot-RateLimit-Daily',
      limit: 200_000,
    });
    expect(report.daily?.used).toBeGreaterThanOrEqual(1);
    expect(report.daily?.used).toBeLessThanOrEqual(made());
    expect(combineApiBudgetReports([report], Date.now()).state).toBe('reported');

    await stop();
    const [last] = await reports();
    expect(last?.stoppedAt).not.toBeNull();
    expect(combineApiBudgetReports(last === undefined ? [] : [last], Date.now()).state).toBe(
      'stopped',
    );
  }, 60_000);

  it('fall back on the connector’s own count when HubSpot sends no daily headers', async () => {
    const { sandbox, reports } = await connectorThatWorked(
      { tenSecondly: null, daily: null, searchPerSecond: null },
      { HUBSPOT_LIMIT_DAILY: '40000' },
    );
    const report = await waitFor(
      async () => {
        const [r] = await reports();
        const used = r?.limits.find((l) => l.name === 'daily')?.used ?? 0;
        return used >= sandbox.requests.length ? r : undefined;
      },
      { description: 'a report counting every request made' },
    );
    expect(report.daily).toMatchObject({
      source: 'counted',
      via: 'daily limiter',
      limit: 40_000,
    });
    expect(report.daily?.used).toBe(report.limits.find((l) => l.name === 'daily')?.used);
  }, 60_000);
});
