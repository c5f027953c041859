// Commands against the sandbox, the real broker and FerretDB: per-record results of partly failed
// collections, retried locks, refreshed sessions, a REQUEST_LIMIT_EXCEEDED storm that loses
// nothing, and dead letters for what cannot be a command.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CommandResult, DeadLettered, SalesforceCommand } from '@crm-sync/domain';
import { waitFor, type Collector } from '@crm-sync/testing';
import {
  asMessage,
  linkAccount,
  reparentContact,
  updateAccount,
  upsertAccount,
} from './commands.js';
import {
  connectorEnv,
  control,
  otherClient,
  results,
  startConnector,
  startSandbox,
  TopicsUnderTest,
  values,
  waitForPolls,
  type ConnectorUnderTest,
  type SalesforceSandbox,
} from './harness.js';

let sandbox: SalesforceSandbox;
let connector: ConnectorUnderTest;
let kafka: TopicsUnderTest;
let resultTopic: Collector;
let deadLetters: Collector;
let C: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  connector = await startConnector(
    connectorEnv(sandbox, { SF_CDC_ENABLED: 'false', SF_OBJECTS: 'Account' }),
  );
  C = connector.connectionId;
  kafka = new TopicsUnderTest(connector.env['KAFKA_TOPIC_PREFIX'] ?? '');
  resultTopic = await kafka.collect('commandResults');
  deadLetters = await kafka.collect('deadLetter');
  await waitForPolls(connector);
});

afterAll(async () => {
  await connector.stop();
  await kafka.stop();
  await sandbox.close();
});

async function execute(commands: SalesforceCommand[]): Promise<CommandResult[]> {
  await kafka.send('salesforceCommands', commands.map(asMessage));
  const ids = new Set(commands.map((c) => c.payload.commandId));
  const mine = () => results(resultTopic).filter((r) => ids.has(r.payload.commandId));
  await waitFor(() => new Set(mine().map((r) => r.payload.commandId)).size === ids.size, {
    description: `${ids.size} command results`,
    timeoutMs: 60_000,
  });
  const byId = new Map(mine().map((r) => [r.payload.commandId, r]));
  return commands.map((c) => byId.get(c.payload.commandId) as CommandResult);
}

async function accountsWithCompanyIds(ids: readonly string[]): Promise<Record<string, unknown>[]> {
  const wanted = new Set(ids);
  const { records } = await control<{ records: Record<string, unknown>[] }>(
    sandbox,
    'GET',
    '/records?type=Account&limit=10000',
  );
  return records.filter((r) => wanted.has(String(r['HubSpot_Company_Id__c'])));
}

/** The sum of a metric's series whose labels contain `labels`. */
async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${connector.service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('carrying out commands', () => {
  it('answers every command of a partly failed collection with its own result', async () => {
    // Set before the fixtures exist: the sandbox re-indexes existing records when rules change.
    await control(sandbox, 'PUT', '/duplicate-rules', {
      rules: [{ sobject: 'Account', field: 'Website', action: 'block' }],
    });
    const ui = await otherClient(sandbox);
    const existing = await ui
      .sobject('Account')
      .create({ Name: 'Existing', Website: 'existing.example', HubSpot_Company_Id__c: '5002' });
    const locked = await ui.sobject('Account').create({ Name: 'Locked' });
    // The link command writes its own account: a lock fault is consumed by whichever write reaches
    // the record first, so only the update may touch the locked one.
    const linked = await ui.sobject('Account').create({ Name: 'To link' });
    const holder = await ui
      .sobject('Account')
      .create({ Name: 'Holder', HubSpot_Company_Id__c: '5009' });
    const contact = await ui.sobject('Contact').create({ LastName: 'Private' });
    if (
      !existing.success ||
      !locked.success ||
      !linked.success ||
      !holder.success ||
      !contact.success
    ) {
      throw new Error('fixtures not created');
    }
    await control(sandbox, 'POST', '/faults', { recordId: locked.id, count: 2 });
    const commands = [
      upsertAccount(C, '5001', { Name: 'Created' }),
      upsertAccount(C, '5002', { Name: 'Renamed' }),
      upsertAccount(C, '5003', { Industry: 'Banking' }),
      upsertAccount(C, '5004', { Name: 'Copycat', Website: 'https://www.existing.example' }),
      updateAccount(C, locked.id, { Phone: '+1 555 0100' }),
      linkAccount(C, linked.id, '5009'),
      reparentContact(C, contact.id, existing.id),
    ];
    const out = await execute(commands);
    await control(sandbox, 'DELETE', '/duplicate-rules');

    expect(out.map((r) => r.payload.outcome)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'failed',
      'succeeded',
      'failed',
      'succeeded',
    ]);
    expect(out[0]?.payload).toMatchObject({ created: true, attempt: 1 });
    expect(out[1]?.payload).toMatchObject({ recordId: existing.id, created: false });
    expect(out[2]?.payload).toMatchObject({
      error: { code: 'REQUIRED_FIELD_MISSING', category: 'validation', retriable: false },
    });
    expect(out[3]?.payload).toMatchObject({
      error: { code: 'DUPLICATES_DETECTED', category: 'duplicate' },
    });
    expect(out[4]?.payload).toMatchObject({ recordId: locked.id, attempt: 3 });
    expect(out[5]?.payload).toMatchObject({ error: { code: 'DUPLICATE_VALUE' } });
    expect(out[6]?.payload).toMatchObject({ recordId: contact.id });
    expect(out.every((r) => r.source === 'sf-connector' && r.connectionId === C)).toBe(true);

    const stored = await control<Record<string, unknown>>(sandbox, 'GET', `/records/${contact.id}`);
    expect(stored['AccountId']).toBe(existing.id);
    // Every write carries our Sforce-Call-Options client: its CDC origin says so.
    const created = out[0]?.payload.outcome === 'succeeded' ? out[0].payload.recordId : '';
    const log = await control<{
      events: { payload: { ChangeEventHeader: { recordIds: string[]; changeOrigin: string } } }[];
    }>(sandbox, 'GET', '/changes?from=0&limit=10000&entity=Account');
    const origins = log.events
      .filter((e) => e.payload.ChangeEventHeader.recordIds.includes(created))
      .map((e) => e.payload.ChangeEventHeader.changeOrigin);
    expect(origins).toEqual(['com/salesforce/api/rest/62.0;client=crm-sync']);
  });

  it('refreshes an expired session and carries on', async () => {
    await control(sandbox, 'POST', '/tokens/expire');
    const out = await execute([
      upsertAccount(C, '6001', { Name: 'After expiry 1' }),
      upsertAccount(C, '6002', { Name: 'After expiry 2' }),
    ]);
    expect(out.map((r) => r.payload.outcome)).toEqual(['succeeded', 'succeeded']);
  });

  it('loses nothing in a REQUEST_LIMIT_EXCEEDED storm: spending stops, then everything is written', async () => {
    const { max } = await control<{ max: number }>(sandbox, 'GET', '/limits');
    await control(sandbox, 'PUT', '/limits', { used: max });
    const ids = Array.from({ length: 600 }, (_, i) => String(7000 + i));
    const commands = ids.map((id) => upsertAccount(C, id, { Name: `Storm ${id}` }));
    await kafka.send('salesforceCommands', commands.map(asMessage));

    const refusedBefore = await metric(
      'crm_sync_api_calls_total',
      'status="REQUEST_LIMIT_EXCEEDED"',
    );
    await waitFor(
      async () =>
        (await metric('crm_sync_api_calls_total', 'status="REQUEST_LIMIT_EXCEEDED"')) >=
        refusedBefore + 3,
      { description: 'refused calls' },
    );
    expect(await accountsWithCompanyIds(ids)).toHaveLength(0);
    await control(sandbox, 'PUT', '/limits', { used: 0 });

    const out = await execute(commands);
    expect(out.filter((r) => r.payload.outcome !== 'succeeded')).toEqual([]);
    const accounts = await accountsWithCompanyIds(ids);
    expect(accounts).toHaveLength(600);
    expect(await metric('crm_sync_commands_total', 'outcome="succeeded"')).toBeGreaterThanOrEqual(
      600,
    );
    expect(await metric('crm_sync_api_budget_remaining', `connection="${C}"`)).toBeGreaterThan(0);
  });

  it('dead-letters what is not a command, or not for a connection served here', async () => {
    const foreign = upsertAccount('someone-else', '8001', { Name: 'Foreign' });
    await kafka.send('salesforceCommands', [
      { key: 'k1', value: 'not json' },
      { key: 'k2', value: JSON.stringify({ ...upsertAccount(C, '8002', {}), type: 'x.y.v1' }) },
      asMessage(foreign),
    ]);
    const letters = () => values<DeadLettered>(deadLetters).map((d) => d.payload);
    await waitFor(() => letters().length >= 3, { description: 'three dead letters' });
    expect(letters().map((d) => [d.key, d.reason.slice(0, 8)])).toEqual(
      expect.arrayContaining([
        ['k1', 'not JSON'],
        ['k2', expect.any(String)],
        [asMessage(foreign).key, 'connecti'],
      ]),
    );
    expect(letters().find((d) => d.key === 'k2')?.reason).toMatch(/type/);
  });
});
