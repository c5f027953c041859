import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@crm-sync/runtime';
import { connectionsFromConfig, loadConfig } from './config.js';

describe('sf-connector config', () => {
  it('runs against the local sandbox with defaults, as one connection', () => {
    const [connection, ...more] = connectionsFromConfig(loadConfig({}));
    expect(more).toEqual([]);
    expect(connection).toMatchObject({
      connectionId: 'default',
      loginUrl: 'http://127.0.0.1:18510',
      apiVersion: '62.0',
      clientName: 'crm-sync',
      objects: ['Account', 'Contact', 'Lead'],
      cdcEnabled: true,
      auth: { flow: 'client_credentials', clientId: 'sandbox-client-id' },
      collectionSize: 200,
      budget: { dailyShare: 0.5, rate: undefined, maxConcurrency: 8 },
    });
  });

  it('reads the budget, the poll and the password flow', () => {
    const [c] = connectionsFromConfig(
      loadConfig({
        CONNECTION_ID: 'acme',
        SF_AUTH_FLOW: 'password',
        SF_USERNAME: 'integration@acme.example',
        SF_PASSWORD: 'pw',
        SF_RATE_LIMIT: '190',
        SF_RATE_LIMIT_WINDOW_MS: '10000',
        SF_OBJECTS: 'Account, Lead',
        SF_POLL_OVERLAP_MS: '120000',
        SF_CDC_ENABLED: 'false',
      }),
    );
    expect(c).toMatchObject({
      connectionId: 'acme',
      auth: { flow: 'password', username: 'integration@acme.example', password: 'pw' },
      budget: { rate: { limit: 190, windowMs: 10_000 } },
      objects: ['Account', 'Lead'],
      poll: { overlapMs: 120_000 },
      cdcEnabled: false,
    });
  });

  it('bounds the command fetches per partition and over all partitions', () => {
    expect(loadConfig({})).toMatchObject({
      SF_COMMAND_FETCH_BYTES: 524_288,
      SF_COMMAND_FETCH_MAX_BYTES: 4_194_304,
    });
    expect(loadConfig({ SF_COMMAND_FETCH_MAX_BYTES: '1048576' })).toMatchObject({
      SF_COMMAND_FETCH_MAX_BYTES: 1_048_576,
    });
    expect(() => loadConfig({ SF_COMMAND_FETCH_MAX_BYTES: '1000' })).toThrow(ConfigError);
  });

  it('lists every problem, and never the secrets it was given', () => {
    let error: unknown;
    try {
      loadConfig({
        SF_AUTH_FLOW: 'password',
        SF_PASSWORD: 'hunter2',
        SF_OBJECTS: 'Account,Opportunity',
        SF_COLLECTION_SIZE: '500',
        SF_DAILY_SHARE: '1.5',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/SF_OBJECTS[\s\S]*SF_DAILY_SHARE[\s\S]*SF_COLLECTION_SIZE/);
    expect(message).toMatch(/SF_USERNAME: required by SF_AUTH_FLOW=password/);
    expect(message).not.toContain('hunter2');
  });
});
