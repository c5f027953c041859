// API budget reports against the Salesforce sandbox and the real FerretDB: the connector writes
// what it spent and what the org says it spent to `api_budget`, and marks its last report stopped.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_BUDGET_COLLECTION, ApiBudgetReport, combineApiBudgetReports } from '@crm-sync/domain';
import { testInfra, waitFor } from '@crm-sync/testing';
import { MongoClient, type Db } from 'mongodb';
import {
  connectorEnv,
  control,
  startConnector,
  startSandbox,
  waitForPolls,
  type ConnectorUnderTest,
  type SalesforceSandbox,
} from './harness.js';

const ORG_DAILY_MAX = 1_000_000;
const USED_BY_OTHERS = 5_000;

let sandbox: SalesforceSandbox;
let connector: ConnectorUnderTest;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  sandbox = await startSandbox({ dailyApiLimit: ORG_DAILY_MAX });
  // Other clients of the org spent some of the day before the connector started.
  await control(sandbox, 'PUT', '/limits', { used: USED_BY_OTHERS });
  const env = connectorEnv(sandbox, {
    SF_CDC_ENABLED: 'false',
    SF_DAILY_SHARE: '0.5',
    SF_RATE_LIMIT: '1000',
    SF_RATE_LIMIT_WINDOW_MS: '10000',
    API_BUDGET_REPORT_INTERVAL_MS: '200',
  });
  connector = await startConnector(env);
  client = new MongoClient(testInfra().mongoUrl);
  await client.connect();
  db = client.db(env['MONGO_DB']);
});

afterAll(async () => {
  await connector.stop();
  await sandbox.close();
  await db.dropDatabase();
  await client.close();
});

async function reports(): Promise<ApiBudgetReport[]> {
  const docs = await db
    .collection(API_BUDGET_COLLECTION)
    .find({ connectionId: connector.connectionId })
    .toArray();
  return docs.map((d) => ApiBudgetReport.parse(d));
}

describe('API budget reports', () => {
  it('a polling connector reports its calls and the org’s day as Salesforce reports it', async () => {
    await waitForPolls(connector, 3);
    const report = await waitFor(
      async () => {
        const [r] = await reports();
        const daily = r?.limits.find((l) => l.name === 'daily');
        return daily !== undefined && daily.used >= 3 && r?.daily?.via === 'Sforce-Limit-Info'
          ? r
          : undefined;
      },
      { description: 'a report after three polls' },
    );
    expect(report).toMatchObject({
      connectionId: connector.connectionId,
      crm: 'salesforce',
      instance: connector.connector.budgetReports.instance,
      share: 1,
      intervalMs: 200,
      stoppedAt: null,
    });
    const mine = report.limits.find((l) => l.name === 'daily');
    expect(mine).toMatchObject({ windowMs: 86_400_000, limit: ORG_DAILY_MAX / 2 });
    expect(report.limits.find((l) => l.name === 'rate')).toMatchObject({
      windowMs: 10_000,
      limit: 1_000,
    });
    // The org's figure counts the other clients too: at least theirs plus ours.
    const org = (await control<{ used: number }>(sandbox, 'GET', '/limits')).used;
    expect(report.daily).toMatchObject({ source: 'crm', limit: ORG_DAILY_MAX });
    expect(report.daily?.used).toBeGreaterThanOrEqual(USED_BY_OTHERS + (mine?.used ?? 0) - 10);
    expect(report.daily?.used).toBeLessThanOrEqual(org);
    expect(combineApiBudgetReports([report], Date.now()).state).toBe('reported');
  });

  it('writes a last report marked stopped at shutdown', async () => {
    await connector.stop();
    const [last] = await reports();
    expect(last?.stoppedAt).not.toBeNull();
    expect(combineApiBudgetReports(last === undefined ? [] : [last], Date.now()).state).toBe(
      'stopped',
    );
  });
});
