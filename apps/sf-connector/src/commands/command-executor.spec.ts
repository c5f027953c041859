import { beforeEach, describe, expect, it } from '@jest/globals';
import { ConnectorMetrics } from '@crm-sync/connector-kit';
import { createLogger } from '@crm-sync/runtime';
import { SteppingClock } from '../../test/stepping-clock.js';
import { linkAccount, updateAccount, upsertAccount } from '../../test/commands.js';
import { SalesforceBudget } from '../salesforce/budget.js';
import { InMemorySalesforceApi } from '../salesforce/in-memory.salesforce-api.js';
import { SalesforceClient } from '../salesforce/salesforce-client.js';
import { CommandExecutor } from './command-executor.js';

const C = 'c-1';
const RETRY = { baseMs: 100, maxMs: 1_000, maxAttempts: 3 };
const logger = createLogger('test', { level: 'error', write: () => undefined });

let api: InMemorySalesforceApi;
let clock: SteppingClock;
let executor: CommandExecutor;

beforeEach(() => {
  api = new InMemorySalesforceApi();
  clock = new SteppingClock();
  const budget = new SalesforceBudget(
    {
      dailyShare: 1,
      dailyLimitFallback: 1_000,
      rate: undefined,
      maxConcurrency: 4,
      backfillShare: 0.5,
      limitPauseMs: 5_000,
    },
    100_000,
    clock,
  );
  const client = new SalesforceClient(C, api, budget, new ConnectorMetrics('test'));
  executor = new CommandExecutor({
    client,
    retry: RETRY,
    collectionSize: 200,
    clock,
    logger,
    random: () => 0.5,
  });
});

const run = (commands: Parameters<CommandExecutor['execute']>[0]) =>
  executor.execute(commands, new AbortController().signal);

describe('carrying out commands', () => {
  it('gives every record of a partly failed collection its own result', async () => {
    const existing = api.insert('Account', { Name: 'Old', HubSpot_Company_Id__c: '2' });
    const commands = [
      upsertAccount(C, '1', { Name: 'New' }),
      upsertAccount(C, '2', { Name: 'Renamed' }),
      upsertAccount(C, '3', { Name: 'Invalid' }),
    ];
    api.failRecords((r) => r['Name'] === 'Invalid', 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    const results = await run(commands);
    expect(results.map((r) => r.outcome)).toEqual([
      { outcome: 'succeeded', recordId: expect.stringMatching(/^001/), created: true },
      { outcome: 'succeeded', recordId: existing, created: false },
      {
        outcome: 'failed',
        error: expect.objectContaining({
          code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          category: 'validation',
          retriable: false,
        }),
      },
    ]);
    expect(results.map((r) => r.command)).toEqual(commands);
    expect(api.calls).toEqual(['upsert']);
  });

  it('retries only the locked records, with backoff, and counts their attempts', async () => {
    const a = api.insert('Account', { Name: 'A' });
    const b = api.insert('Account', { Name: 'B' });
    api.failRecords((r) => r['Id'] === a, 'UNABLE_TO_LOCK_ROW', 2);
    const results = await run([
      updateAccount(C, a, { Phone: '1' }),
      updateAccount(C, b, { Phone: '2' }),
    ]);
    expect(results.map((r) => [r.outcome.outcome, r.attempt])).toEqual([
      ['succeeded', 3],
      ['succeeded', 1],
    ]);
    expect(api.calls).toEqual(['update', 'update', 'update']);
    expect(clock.sleeps).toEqual([50, 100]);
    expect(api.table('Account').get(a)?.['Phone']).toBe('1');
  });

  it('fails a record that stays locked after the attempts, saying it may heal', async () => {
    const a = api.insert('Account', { Name: 'A' });
    api.failRecords(() => true, 'UNABLE_TO_LOCK_ROW', 10);
    const [result] = await run([updateAccount(C, a, { Phone: '1' })]);
    expect(result).toMatchObject({
      attempt: 3,
      outcome: { outcome: 'failed', error: { code: 'UNABLE_TO_LOCK_ROW', retriable: true } },
    });
  });

  it('waits for the budget on REQUEST_LIMIT_EXCEEDED and fails nothing', async () => {
    api.failRequests('REQUEST_LIMIT_EXCEEDED', 4);
    const t0 = clock.now();
    const results = await run([
      upsertAccount(C, '1', { Name: 'A' }),
      upsertAccount(C, '2', { Name: 'B' }),
    ]);
    expect(results.every((r) => r.outcome.outcome === 'succeeded')).toBe(true);
    expect(api.calls).toHaveLength(5);
    // Paused 5 s, 10 s, 20 s, 40 s before the probes: spending stopped meanwhile.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(75_000);
  });

  it('waits out a failing request; fails the records when Salesforce refuses the request', async () => {
    api.failRequests('SERVER_UNAVAILABLE', 5);
    const [ok] = await run([upsertAccount(C, '1', { Name: 'A' })]);
    expect(ok?.outcome.outcome).toBe('succeeded');
    api.failRequests('INVALID_FIELD', 1);
    const [refused] = await run([upsertAccount(C, '2', { Name: 'B' })]);
    expect(refused?.outcome).toMatchObject({ outcome: 'failed', error: { code: 'INVALID_FIELD' } });
  });

  it('applies writes of one record in order', async () => {
    const a = api.insert('Account', { Name: 'A' });
    await run([
      updateAccount(C, a, { Name: 'first' }),
      linkAccount(C, a, '77'),
      updateAccount(C, a, { Name: 'last' }),
    ]);
    expect(api.table('Account').get(a)).toMatchObject({
      Name: 'last',
      HubSpot_Company_Id__c: '77',
    });
    expect(api.calls).toEqual(['update', 'update', 'update']);
  });

  it('stops waiting when released (shutdown), so the batch is redelivered', async () => {
    api.failRequests('SERVER_UNAVAILABLE', 100);
    const abort = new AbortController();
    abort.abort(new Error('shutting down'));
    await expect(executor.execute([upsertAccount(C, '1', {})], abort.signal)).rejects.toThrow(
      'shutting down',
    );
  });
});
