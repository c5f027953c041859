/**
 * The built connector as its own process, killed with SIGKILL in the middle of command batches
 * and started again: no command lost, no company created twice, one committed result each.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';
import { CommandResult, topicName, TOPICS } from '@crm-sync/domain';
import { nodeFlagsFor } from '@crm-sync/runtime';
import { collect, testKafka, waitFor } from '@crm-sync/testing';
import { accountIdOf, upsert } from './command-fixtures.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import { startSandbox, type RunningSandbox } from './hubspot-sandbox.js';
import { produceCommands } from './kafka-io.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CONNECTION = 'conn-crash';
const COMMANDS = 3_000;
let sandbox: RunningSandbox;
const cleanup = new Cleanup();
const children: ChildProcess[] = [];
const output: string[] = [];

beforeAll(async () => {
  await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-b',
      'apps/hs-connector/tsconfig.build.json',
    ],
    { cwd: ROOT },
  );
  sandbox = cleanup.add(await startSandbox(), (s) => s.close());
  cleanup.add(children, (all) => {
    for (const c of all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    return Promise.resolve();
  });
}, 300_000);

afterAll(() => cleanup.run());

function startProcess(env: Readonly<Record<string, string>>): ChildProcess {
  const child = spawn(
    process.execPath,
    [...nodeFlagsFor('hs-connector'), path.join(ROOT, 'apps/hs-connector/dist/main.js')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  children.push(child);
  return child;
}

describe('SIGKILL mid-batch', () => {
  it('restarted, the connector leaves no command lost and no company duplicated', async () => {
    const env = connectorEnv(sandbox.url, {
      CONNECTION_ID: CONNECTION,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    const prefix = env['KAFKA_TOPIC_PREFIX'];
    const results = cleanup.add(
      await collect(testKafka(), topicName(TOPICS.commandResults.ref, prefix)),
      (c) => c.stop(),
    );
    // Slow HubSpot down, so batches are in flight when the process dies.
    await sandbox.control('/latency', { ms: 150 }, 'PUT');
    const commands = Array.from({ length: COMMANDS }, (_, i) =>
      upsert(i, { name: `Crash ${i}` }, CONNECTION),
    );

    const first = startProcess(env);
    // The topics exist once the first process is up; then the commands go in.
    await waitFor(() => output.join('').includes('"msg":"service listening"'), {
      timeoutMs: 60_000,
      description: `the first process listening (exit ${String(first.exitCode)}): ${output.join('').slice(-500)}`,
    });
    // Killed the moment the sandbox starts on a batch upsert, once 300 companies exist: the
    // sandbox carries that batch out, and the process never learns of it, so at least one batch
    // is written in HubSpot with no committed result.
    const exited = once(first, 'exit');
    sandbox.beforeHandler = (request) => {
      if (!request.url.includes('/batch/upsert')) return;
      if (sandbox.instance.store.count('companies') < 300) return;
      sandbox.beforeHandler = undefined;
      first.kill('SIGKILL');
    };
    await produceCommands(testKafka(), topicName(TOPICS.hubspotCommands.ref, prefix), commands);
    await waitFor(() => first.signalCode !== null || first.exitCode !== null, {
      timeoutMs: 60_000,
      description: 'the first process killed mid-batch',
    });
    await exited;
    expect(first.signalCode).toBe('SIGKILL');
    const writtenBeforeKill = sandbox.instance.store.count('companies');
    expect(writtenBeforeKill).toBeLessThan(COMMANDS);

    await sandbox.control('/latency', { ms: 0 }, 'PUT');
    startProcess(env);
    await waitFor(
      () =>
        new Set(
          results.messages.map(
            (m) => (JSON.parse(m.value) as { payload: { commandId: string } }).payload.commandId,
          ),
        ).size >= COMMANDS,
      { timeoutMs: 120_000, intervalMs: 250, description: 'a committed result for every command' },
    );

    const parsed = results.messages.map((m) => CommandResult.parse(JSON.parse(m.value)));
    expect(parsed).toHaveLength(COMMANDS);
    expect(parsed.every((r) => r.payload.outcome === 'succeeded')).toBe(true);
    const accounts = sandbox.instance.store
      .all('companies')
      .map((c) => c.properties['salesforceaccountid']);
    expect(accounts).toHaveLength(COMMANDS);
    expect(new Set(accounts)).toEqual(new Set(commands.map((_, i) => accountIdOf(i))));
    // The batches cut short were carried out again: their companies were found, not created twice
    // (the one the kill cut short at least).
    expect(parsed.some((r) => r.type === 'sync.command-succeeded.v1' && !r.payload.created)).toBe(
      true,
    );
  }, 240_000);
});
