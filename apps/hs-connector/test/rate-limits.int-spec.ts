/** A 429 storm and the ten-second limit, measured where HubSpot measures: at the sandbox. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandResult, topicName, TOPICS } from '@crm-sync/domain';
import { collect, testKafka, waitFor, type Collector } from '@crm-sync/testing';
import { loadConfig } from '../src/config.js';
import { startHsConnector } from '../src/main.js';
import { accountIdOf, upsert } from './command-fixtures.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import { busiestWindow, startSandbox, type RunningSandbox } from './hubspot-sandbox.js';
import { produceCommands } from './kafka-io.js';

const CONNECTION = 'conn-rate';
const LIMIT = 10;
const COMMANDS = 600;
const STORM = 6;
let sandbox: RunningSandbox;
let results: Collector;
let commandsTopic: string;
const cleanup = new Cleanup();

beforeAll(async () => {
  sandbox = cleanup.add(
    await startSandbox({ limits: { tenSecondly: LIMIT, daily: null, searchPerSecond: null } }),
    (s) => s.close(),
  );
  const env = connectorEnv(sandbox.url, {
    CONNECTION_ID: CONNECTION,
    HUBSPOT_LIMIT_TEN_SECONDLY: String(LIMIT),
    HUBSPOT_RATE_LIMIT_PAUSE_MS: '300',
    HUBSPOT_MAX_ATTEMPTS: '10',
  });
  commandsTopic = topicName(TOPICS.hubspotCommands.ref, env['KAFKA_TOPIC_PREFIX']);
  cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());
  results = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.commandResults.ref, env['KAFKA_TOPIC_PREFIX'])),
    (c) => c.stop(),
  );
});

afterAll(() => cleanup.run());

describe('rate limits', () => {
  it('loses nothing in a 429 storm and never exceeds the configured rate', async () => {
    await sandbox.control('/faults', { status: 429, count: STORM, pathContains: '/batch/upsert' });
    const commands = Array.from({ length: COMMANDS }, (_, i) =>
      upsert(i, { name: `Rate ${i}` }, CONNECTION),
    );
    await produceCommands(testKafka(), commandsTopic, commands);

    await waitFor(() => results.messages.length >= COMMANDS, {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: 'a result for every command',
    });
    const parsed = results.messages.map((m) => CommandResult.parse(JSON.parse(m.value)));
    expect(parsed.every((r) => r.payload.outcome === 'succeeded')).toBe(true);
    expect(new Set(parsed.map((r) => r.payload.commandId)).size).toBe(COMMANDS);

    // Every company exactly once.
    const accounts = sandbox.instance.store
      .all('companies')
      .map((c) => c.properties['salesforceaccountid']);
    expect(accounts).toHaveLength(COMMANDS);
    expect(new Set(accounts)).toEqual(new Set(commands.map((_, i) => accountIdOf(i))));

    // The storm happened, and HubSpot's ten-second window never held more than the limit.
    const writes = sandbox.requests.filter((r) => !r.url.endsWith('/search'));
    expect(writes.filter((r) => r.status === 429)).toHaveLength(STORM);
    expect(
      busiestWindow(
        writes.map((r) => r.at),
        10_000,
      ),
    ).toBeLessThanOrEqual(LIMIT);
    expect(writes.length).toBeGreaterThan(LIMIT);
  }, 90_000);
});
