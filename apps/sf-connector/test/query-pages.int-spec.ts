// The jsforce adapter's query pages against the sandbox: it asks for pages of its configured size
// (`Sforce-Query-Options: batchSize`) on the query and on every `queryMore`, instead of
// Salesforce's default of 2,000.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '@crm-sync/runtime';
import { connectionsFromConfig, loadConfig } from '../src/config.js';
import { JsforceSalesforceApi } from '../src/salesforce/jsforce.salesforce-api.js';
import { connectorEnv, control, startSandbox, type SalesforceSandbox } from './harness.js';

const logger = createLogger('test', { level: 'error', write: () => undefined });
let sandbox: SalesforceSandbox;

beforeEach(async () => {
  sandbox = await startSandbox();
  await control(sandbox, 'POST', '/seed', { seed: 3, accounts: 1_200 });
});

afterEach(async () => {
  await sandbox.close();
});

function api(overrides: Record<string, string>): JsforceSalesforceApi {
  const [settings] = connectionsFromConfig(loadConfig(connectorEnv(sandbox, overrides)));
  if (!settings) throw new Error('no connection configured');
  return new JsforceSalesforceApi(settings, logger);
}

/** The sizes of every page of `soql`, following `nextRecordsUrl` to the end. */
async function pageSizes(client: JsforceSalesforceApi, soql: string): Promise<number[]> {
  let page = await client.query(soql, { scanAll: false });
  const sizes = [page.records.length];
  while (page.nextRecordsUrl) {
    page = await client.queryMore(page.nextRecordsUrl);
    sizes.push(page.records.length);
  }
  return sizes;
}

describe('query pages', () => {
  it('are 500 records by default, on the query and on each queryMore', async () => {
    expect(await pageSizes(api({}), 'SELECT Id FROM Account')).toEqual([500, 500, 200]);
  });

  it('follow SF_QUERY_BATCH_SIZE', async () => {
    const sizes = await pageSizes(api({ SF_QUERY_BATCH_SIZE: '1000' }), 'SELECT Id FROM Account');
    expect(sizes).toEqual([1_000, 200]);
  });
});
