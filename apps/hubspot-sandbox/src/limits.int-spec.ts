import { afterEach, describe, expect, it } from '@jest/globals';
import hubspot from '@hubspot/api-client';
import type { AddressInfo } from 'node:net';
import {
  createHubSpotSandbox,
  ManualClock,
  type HubSpotSandbox,
  type HubSpotSandboxOptions,
} from './index.js';

// Rate limits as documented in "API usage guidelines and limits" (developers.hubspot.com/docs/developer-tooling/
// platform/usage-guidelines): per-10-second and daily limits with X-HubSpot-RateLimit-* headers, and a separate
// per-second limit for the CRM search endpoints (which send no rate-limit headers).

let sandbox: HubSpotSandbox | undefined;

async function start(options: HubSpotSandboxOptions): Promise<string> {
  sandbox = createHubSpotSandbox(options);
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const list = (basePath: string) =>
  fetch(`${basePath}/crm/v3/objects/companies?limit=1`, {
    headers: { authorization: 'Bearer sandbox-token' },
  });
const searchNow = (basePath: string) =>
  fetch(`${basePath}/crm/v3/objects/companies/search`, {
    method: 'POST',
    headers: { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' },
    body: JSON.stringify({ filterGroups: [], limit: 1 }),
  });

describe('rate limits', () => {
  it('enforces the ten-second rolling window with HubSpot headers and 429 body', async () => {
    const clock = new ManualClock();
    const basePath = await start({
      clock,
      limits: { tenSecondly: 3, daily: 100, searchPerSecond: null },
    });
    const first = await list(basePath);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('100');
    expect(first.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('99');
    expect(first.headers.get('x-hubspot-ratelimit-secondly')).toBe('1');
    expect(first.headers.get('x-hubspot-ratelimit-secondly-remaining')).toBe('0');
    await list(basePath);
    await list(basePath);
    const limited = await list(basePath);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    clock.advance(10_001);
    expect((await list(basePath)).status).toBe(200);
  });

  it('enforces the daily limit with policy DAILY', async () => {
    const basePath = await start({
      clock: new ManualClock(),
      limits: { tenSecondly: null, daily: 2, searchPerSecond: null },
    });
    await list(basePath);
    await list(basePath);
    const limited = await list(basePath);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({
      message: 'You have reached your daily limit.',
      policyName: 'DAILY',
      errorType: 'RATE_LIMIT',
    });
  });

  it('limits search per second (SECONDLY) and the client retry decorator waits and succeeds', async () => {
    const basePath = await start({
      limits: { tenSecondly: null, daily: null, searchPerSecond: 1 },
    });
    expect((await searchNow(basePath)).status).toBe(200);
    const limited = await searchNow(basePath);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(await limited.json()).toMatchObject({
      message: 'You have reached your secondly limit.',
      policyName: 'SECONDLY',
    });
    // The decorator retries a 429 whose message is the secondly-limit message after 1 s.
    const client = new hubspot.Client({
      accessToken: 'sandbox-token',
      basePath,
      numberOfApiCallRetries: 2,
    });
    const r = await client.crm.companies.searchApi.doSearch({
      filterGroups: [],
      limit: 1,
    });
    expect(r.total).toBe(0);
  });

  it('the client retries injected 5xx and gives up without retries', async () => {
    const basePath = await start({
      limits: { tenSecondly: null, daily: null, searchPerSecond: null },
    });
    const arm = (count: number) =>
      fetch(`${basePath}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 503, count }),
      });
    await arm(2);
    const retrying = new hubspot.Client({
      accessToken: 'sandbox-token',
      basePath,
      numberOfApiCallRetries: 3,
    });
    const page = await retrying.crm.companies.basicApi.getPage();
    expect(page.results).toEqual([]);
    await arm(1);
    const plain = new hubspot.Client({ accessToken: 'sandbox-token', basePath });
    await expect(plain.crm.companies.basicApi.getPage()).rejects.toMatchObject({ code: 503 });
  });

  it('an injected 429 carries the TEN_SECONDLY_ROLLING body the client keys its retry on', async () => {
    const basePath = await start({
      limits: { tenSecondly: null, daily: null, searchPerSecond: null },
    });
    await fetch(`${basePath}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 429, count: 1 }),
    });
    const plain = new hubspot.Client({ accessToken: 'sandbox-token', basePath });
    await expect(plain.crm.companies.basicApi.getPage()).rejects.toMatchObject({
      code: 429,
      body: { policyName: 'TEN_SECONDLY_ROLLING' },
    });
  });
});
