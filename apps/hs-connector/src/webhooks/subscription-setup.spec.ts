import { describe, expect, it } from '@jest/globals';
import type { Clock } from '@crm-sync/connector-kit';
import { createLogger, type Logger } from '@crm-sync/runtime';
import { waitFor } from '@crm-sync/testing';
import { SteppingClock } from '../../test/support.js';
import { HubSpotRequestError, toFailure } from '../hubspot/failures.js';
import { InMemoryWebhookAppApi } from './in-memory.webhook-app-api.js';
import { ensureSubscriptions, SubscriptionSetup } from './subscription-setup.js';
import type { SubscriptionSpec } from './webhook-app-api.port.js';

const TARGET = 'https://sync.example.com/webhooks/hubspot';
const wanted: SubscriptionSpec[] = [
  { eventType: 'company.creation', propertyName: undefined },
  { eventType: 'company.propertyChange', propertyName: 'name' },
  { eventType: 'contact.associationChange', propertyName: undefined },
];
const options = { wanted, targetUrl: TARGET, defaultMaxConcurrentRequests: 10 };

const httpError = (status: number) =>
  new HubSpotRequestError(
    toFailure({ code: status, body: { message: `HTTP ${status}`, category: 'X' } }),
    'webhooks.subscriptions.list',
  );

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The structured logger, writing to an array: what operators would read. */
function recordingLogger(): { logger: Logger; lines: Line[]; text: () => string } {
  const raw: string[] = [];
  const logger = createLogger('test', { level: 'debug', write: (l) => raw.push(l) });
  return {
    logger,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Line);
    },
    text: () => raw.join(''),
  };
}

/** A clock whose sleeps end only when aborted: the background retry waits forever. */
const blockedClock: Clock = {
  now: () => 0,
  sleep: (_ms, signal) =>
    new Promise<void>((_, reject) => {
      if (signal?.aborted) reject(new Error('aborted'));
      signal?.addEventListener('abort', () => {
        reject(new Error('aborted'));
      });
    }),
};

describe('ensureSubscriptions', () => {
  it('sets the target and creates active subscriptions on a bare app, then changes nothing', async () => {
    const api = new InMemoryWebhookAppApi();
    const first = await ensureSubscriptions(api, options);
    expect(first).toEqual({
      targetSet: true,
      replacedUrl: undefined,
      created: 3,
      activated: 0,
      wanted: 3,
      outstanding: 0,
    });
    expect(api.target).toEqual({ targetUrl: TARGET, maxConcurrentRequests: 10 });
    expect(api.subscriptions.every((s) => s.active)).toBe(true);

    const writes = api.writes.length;
    const second = await ensureSubscriptions(api, options);
    expect(api.writes).toHaveLength(writes);
    expect(second).toMatchObject({ targetSet: false, created: 0, activated: 0, outstanding: 0 });
    expect(api.subscriptions).toHaveLength(3);
  });

  it('activates what was paused, keeps foreign subscriptions, reports a replaced target without its query', async () => {
    const api = new InMemoryWebhookAppApi();
    api.target = { targetUrl: 'https://old.example.com/in?token=secret', maxConcurrentRequests: 5 };
    const paused = api.add({ eventType: 'company.creation', propertyName: undefined }, false);
    api.add({ eventType: 'deal.creation', propertyName: undefined }, true);
    const report = await ensureSubscriptions(api, options);
    expect(report).toMatchObject({
      targetSet: true,
      replacedUrl: 'https://old.example.com/in',
      created: 2,
      activated: 1,
    });
    expect(api.target).toEqual({ targetUrl: TARGET, maxConcurrentRequests: 5 });
    expect(api.writes).toContain(`activate ${paused.id}`);
    expect(api.subscriptions.map((s) => s.eventType)).toContain('deal.creation');
  });

  it('takes a subscription another instance created meanwhile as done', async () => {
    const api = new InMemoryWebhookAppApi();
    const list = api.listSubscriptions.bind(api);
    let raced = false;
    api.listSubscriptions = async () => {
      const seen = await list();
      if (!raced) {
        raced = true;
        api.add({ eventType: 'company.propertyChange', propertyName: 'name' }, true);
      }
      return seen;
    };
    const report = await ensureSubscriptions(api, options);
    expect(report).toMatchObject({ created: 2, outstanding: 0 });
    expect(api.subscriptions).toHaveLength(3);
  });
});

describe('SubscriptionSetup', () => {
  const setup = (api: InMemoryWebhookAppApi, logger: Logger, clock: Clock = new SteppingClock(0)) =>
    new SubscriptionSetup({
      ...options,
      api,
      appId: '1160452',
      logger,
      clock,
      retryEveryMs: 60_000,
    });

  it('retries transient failures at start-up and logs what it did', async () => {
    const api = new InMemoryWebhookAppApi();
    api.failNext.push(httpError(503), httpError(429));
    const log = recordingLogger();
    const s = setup(api, log.logger);
    await s.start();
    expect(s.report).toMatchObject({ created: 3, outstanding: 0 });
    expect(log.lines.filter((l) => l.msg === 'webhook subscriptions retried')).toHaveLength(2);
    expect(log.lines.find((l) => l.msg === 'webhook subscriptions ensured')).toMatchObject({
      appId: '1160452',
      targetUrl: TARGET,
      created: 3,
    });
    await s.stop();
  });

  it('keeps trying in the background while HubSpot is down, without holding up the start', async () => {
    const api = new InMemoryWebhookAppApi();
    // The 4 tries at start-up fail, then two background tries.
    for (let i = 0; i < 6; i++) api.failNext.push(httpError(502));
    const log = recordingLogger();
    const s = setup(api, log.logger);
    await s.start();
    expect(s.report).toBeUndefined();
    await waitFor(() => s.report !== undefined, { description: 'a background try to succeed' });
    expect(api.subscriptions).toHaveLength(3);
    expect(log.lines.filter((l) => l.level === 'error' && l['retriable'] === true)).toHaveLength(3);
    await s.stop();
  });

  it('gives up on a refusal (bad developer key): logged once, never the key, polling carries on', async () => {
    const api = new InMemoryWebhookAppApi();
    api.failNext.push(httpError(401), httpError(401));
    const log = recordingLogger();
    const s = setup(api, log.logger);
    await s.start();
    await s.stop();
    expect(s.report).toBeUndefined();
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ retriable: false, status: 401 });
    expect(api.writes).toEqual([]);
    expect(api.failNext).toHaveLength(1);
  });

  it('stops its background retries at shutdown', async () => {
    const api = new InMemoryWebhookAppApi();
    api.failNext.push(httpError(500));
    const s = setup(api, recordingLogger().logger, blockedClock);
    const started = s.start();
    await s.stop();
    await started;
    expect(s.report).toBeUndefined();
  });
});
