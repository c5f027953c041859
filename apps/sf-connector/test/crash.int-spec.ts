// The built service as its own process, killed with SIGKILL in the middle of writing a stream of
// creates and started again: every record is created, none twice, and every command has exactly
// one committed result.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { CommandResult } from '@crm-sync/domain';
import { nodeFlagsFor } from '@crm-sync/runtime';
import { waitFor, type Collector } from '@crm-sync/testing';
import { asMessage, upsertAccount } from './commands.js';
import {
  connectorEnv,
  control,
  results,
  startSandbox,
  TopicsUnderTest,
  type SalesforceSandbox,
} from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const COMMANDS = 2_000;

let sandbox: SalesforceSandbox;
let kafka: TopicsUnderTest;
let resultTopic: Collector;
const children: ChildProcess[] = [];

beforeAll(() => {
  // The service runs as it does in production: compiled, in its own process.
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-b',
      'apps/sf-connector/tsconfig.build.json',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  await kafka.stop();
  await sandbox.close();
});

function startProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(
    process.execPath,
    [...nodeFlagsFor('sf-connector'), path.join(ROOT, 'apps/sf-connector/dist/main.js')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  return child;
}

async function accountCount(): Promise<number> {
  return (await control<{ accounts: number }>(sandbox, 'GET', '/health')).accounts;
}

it('a connector killed mid-batch and restarted loses no record and duplicates none', async () => {
  sandbox = await startSandbox();
  const env = connectorEnv(sandbox, {
    PORT: '0',
    SF_CDC_ENABLED: 'false',
    SF_OBJECTS: 'Account',
    SF_POLL_INTERVAL_MS: '60000',
    SF_COLLECTION_SIZE: '50',
    SF_MAX_CONCURRENCY: '2',
    SF_COMMAND_PARTITIONS_CONCURRENTLY: '2',
  });
  kafka = new TopicsUnderTest(env['KAFKA_TOPIC_PREFIX'] ?? '');
  resultTopic = await kafka.collect('commandResults');
  // Slow enough that the kill lands while batches are being written.
  await control(sandbox, 'PUT', '/latency', { ms: 60 });

  const companyIds = Array.from({ length: COMMANDS }, (_, i) => String(100_000 + i));
  const commands = companyIds.map((id) =>
    upsertAccount(env['CONNECTION_ID'] ?? '', id, { Name: `Company ${id}` }),
  );
  await kafka.send('salesforceCommands', commands.map(asMessage));

  const first = startProcess(env);
  const atKill = await waitFor(
    async () => {
      const n = await accountCount();
      return n >= 200 ? n : undefined;
    },
    { description: 'writes under way', timeoutMs: 60_000 },
  );
  first.kill('SIGKILL');
  await once(first, 'exit');
  const afterKill = await accountCount();
  expect(atKill).toBeLessThan(COMMANDS);
  expect(afterKill).toBeLessThan(COMMANDS);

  startProcess(env);
  // The dead member's partitions move once its session times out (up to 30 s).
  await waitFor(
    () =>
      new Set(results(resultTopic).map((r) => r.payload.commandId)).size === COMMANDS || undefined,
    { description: 'a result for every command', timeoutMs: 100_000, intervalMs: 200 },
  );

  const { records } = await control<{ records: Record<string, unknown>[] }>(
    sandbox,
    'GET',
    '/records?type=Account&limit=10000',
  );
  const written = records.map((r) => String(r['HubSpot_Company_Id__c']));
  expect(written).toHaveLength(COMMANDS);
  expect(new Set(written)).toEqual(new Set(companyIds));

  const all: CommandResult[] = results(resultTopic);
  // Read committed: a batch's results are visible only with its committed offsets, so one each.
  expect(all).toHaveLength(COMMANDS);
  expect(all.every((r) => r.payload.outcome === 'succeeded')).toBe(true);
}, 180_000);
