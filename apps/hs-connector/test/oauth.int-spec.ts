/**
 * OAuth through the official client against the sandbox's token endpoint: a connection with only
 * a refresh token gets its first access token at start, and renews it when HubSpot answers 401
 * for an expired one (30 minutes, on a sandbox clock moved by hand). Commands go on succeeding.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandResult, topicName, TOPICS } from '@crm-sync/domain';
import { collect, testKafka, waitFor, type Collector } from '@crm-sync/testing';
import { loadConfig } from '../src/config.js';
import { startHsConnector } from '../src/main.js';
import { accountIdOf, upsert } from './command-fixtures.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import {
  SANDBOX_CLIENT_ID,
  SANDBOX_SECRET,
  startSandbox,
  type RunningSandbox,
} from './hubspot-sandbox.js';
import { produceCommands } from './kafka-io.js';

const CONNECTION = 'conn-oauth';
const TOKEN_PATH = '/oauth/v1/token';
let now = Date.now();
let sandbox: RunningSandbox;
let results: Collector;
let commandsTopic: string;
const cleanup = new Cleanup();

/** The refresh token an app gets when a portal installs it (authorization_code grant). */
async function installApp(): Promise<string> {
  const res = await fetch(`${sandbox.url}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: SANDBOX_CLIENT_ID,
      client_secret: SANDBOX_SECRET,
      redirect_uri: 'http://localhost/oauth-callback',
      code: 'installed',
    }),
  });
  const body = (await res.json()) as { refresh_token?: string };
  if (!res.ok || body.refresh_token === undefined) throw new Error(`install: ${res.status}`);
  return body.refresh_token;
}

/** Upserts company `n` through the connector and returns its result. */
async function upsertCompany(n: number): Promise<CommandResult> {
  const command = upsert(n, { name: `OAuth ${n}` }, CONNECTION);
  await produceCommands(testKafka(), commandsTopic, [command]);
  return waitFor(
    () =>
      results.messages
        .map((m) => CommandResult.parse(JSON.parse(m.value)))
        .find((r) => r.payload.commandId === command.payload.commandId),
    { description: `the result of upserting ${accountIdOf(n)}` },
  );
}

const tokenRequests = () => sandbox.requests.filter((r) => r.url === TOKEN_PATH);
const unauthorized = () => sandbox.requests.filter((r) => r.status === 401);

beforeAll(async () => {
  sandbox = cleanup.add(await startSandbox({ clock: { now: () => now } }), (s) => s.close());
  const refreshToken = await installApp();
  const env = connectorEnv(sandbox.url, {
    CONNECTION_ID: CONNECTION,
    HUBSPOT_CLIENT_ID: SANDBOX_CLIENT_ID,
    HUBSPOT_REFRESH_TOKEN: refreshToken,
  });
  delete env['HUBSPOT_ACCESS_TOKEN'];
  commandsTopic = topicName(TOPICS.hubspotCommands.ref, env['KAFKA_TOPIC_PREFIX']);
  results = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.commandResults.ref, env['KAFKA_TOPIC_PREFIX'])),
    (c) => c.stop(),
  );
  cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());
});

afterAll(() => cleanup.run());

describe('OAuth', () => {
  it('starts on a refresh token alone, and renews the access token once it expires', async () => {
    // The install itself was one token request; the connector's start made the second.
    expect(tokenRequests()).toHaveLength(2);
    const first = await upsertCompany(1);
    expect(first.payload).toMatchObject({ outcome: 'succeeded', created: true });
    expect(unauthorized()).toEqual([]);

    now += 31 * 60_000; // past the access token's 30 minutes
    const second = await upsertCompany(2);
    expect(second.payload).toMatchObject({ outcome: 'succeeded', created: true });
    // A 401 for the expired token, one renewal (calls refused at once share it), and the call
    // again with the new token.
    expect(unauthorized().length).toBeGreaterThanOrEqual(1);
    expect(tokenRequests()).toHaveLength(3);
    const companies = sandbox.instance.store.all('companies');
    expect(companies.map((c) => c.properties['name']).sort()).toEqual(['OAuth 1', 'OAuth 2']);
  });
});
