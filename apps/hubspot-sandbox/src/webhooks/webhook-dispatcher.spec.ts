import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitFor } from '@crm-sync/testing';
import { WebhookDispatcher, type WebhookEvent } from './webhook-dispatcher.js';

const clock = { now: () => Date.now() };
const app = { portalId: 1, appId: 2, clientSecret: 'secret' };

/** A webhook target that holds every batch until `release()`, counting how many it holds at once. */
async function target() {
  const batches: WebhookEvent[][] = [];
  const held: (() => void)[] = [];
  let open = 0;
  let mostOpen = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      batches.push(JSON.parse(body) as WebhookEvent[]);
      open++;
      mostOpen = Math.max(mostOpen, open);
      held.push(() => {
        open--;
        res.writeHead(204).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    batches,
    mostOpen: () => mostOpen,
    held: () => held.length,
    release: () => {
      held.splice(0).forEach((r) => {
        r();
      });
    },
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('WebhookDispatcher', () => {
  it('sends up to maxConcurrentRequests batches at once, and each object’s events in order', async () => {
    const t = await target();
    const d = new WebhookDispatcher(clock, app, { batchWindowMs: 1 });
    cleanup.push(t.close, () => d.close());
    d.configure(t.url, 5);
    d.subscribe('company.propertyChange', 'name');
    for (let round = 0; round < 3; round++) {
      for (let id = 1; id <= 20; id++) {
        d.emit({
          kind: 'propertyChange',
          type: 'companies',
          id: String(id),
          propertyName: 'name',
          value: `v${round}`,
          source: { changeSource: 'CRM_UI' },
          at: clock.now(),
        });
      }
    }
    // Five lanes, each holding its first batch: five requests open at once.
    await waitFor(() => t.held() === 5, { description: 'five batches in flight' });
    expect(t.mostOpen()).toBe(5);
    await waitFor(
      () => {
        t.release();
        return d.pending() === 0 && t.held() === 0;
      },
      { description: 'every event delivered' },
    );
    const events = t.batches.flat();
    expect(events).toHaveLength(60);
    for (let id = 1; id <= 20; id++) {
      expect(events.filter((e) => e.objectId === id).map((e) => e['propertyValue'])).toEqual([
        'v0',
        'v1',
        'v2',
      ]);
    }
  });
});
