import { ConnectionSettings, DEFAULT_FIELD_MAPPINGS } from '@crm-sync/domain';
import { createLogger } from '@crm-sync/runtime';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { InMemoryControlPublisher } from '../control/control-publisher.js';
import { InMemoryJobStore } from '../jobs/job.store.js';
import type { Connection } from './connection.js';
import { InMemoryConnectionStore } from './connection.store.js';
import { Connections } from './connections.service.js';

class TestClock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

const quiet = createLogger('test', { level: 'error', write: () => undefined });

function connection(id: string): Connection {
  return {
    id,
    name: id,
    createdAt: '2026-03-01T10:00:00.000Z',
    createdBy: 'test',
    hubspot: { portalId: null, credentials: null },
    salesforce: { instanceUrl: null, credentials: null },
    revision: 1,
    settings: ConnectionSettings.parse({ connectionId: id }),
    mappings: [...DEFAULT_FIELD_MAPPINGS],
    updatedAt: '2026-03-01T10:00:00.000Z',
    updatedBy: 'test',
  };
}

describe('Connections (revision protocol)', () => {
  let store: InMemoryConnectionStore;
  let publisher: InMemoryControlPublisher;
  let clock: TestClock;
  let connections: Connections;

  beforeEach(async () => {
    store = new InMemoryConnectionStore();
    publisher = new InMemoryControlPublisher();
    clock = new TestClock(Date.parse('2026-03-01T10:00:00.000Z'));
    connections = new Connections(store, new InMemoryJobStore(), publisher, clock, quiet, 15_000);
    await connections.create({ connection: connection('c1'), messages: ['created'] }, 'test');
  });

  const rename = (name: string) => (current: Connection) => ({
    connection: { ...current, name },
    messages: [`renamed ${name}`],
  });

  it('creates revision 1 once; a second create of the same id is a 409', async () => {
    expect((await connections.get('c1')).revision).toBe(1);
    await expect(
      connections.create({ connection: connection('c1'), messages: ['again'] }, 'test'),
    ).rejects.toMatchObject({ status: 409 });
    expect(publisher.published.map((p) => p.value)).toEqual(['created']);
  });

  it('publishes a change, then moves to the next revision', async () => {
    const outcome = await connections.change('c1', 'alice', rename('A'));
    expect(outcome).toMatchObject({
      changed: true,
      connection: { revision: 2, name: 'A', updatedBy: 'alice' },
    });
    expect(publisher.published.map((p) => p.value)).toEqual(['created', 'renamed A']);
    expect(await connections.change('c1', 'alice', () => undefined)).toMatchObject({
      changed: false,
    });
  });

  it('answers 409 while another writer holds the next revision, and reads the last committed one', async () => {
    const current = await connections.get('c1');
    await store.claim({
      connectionId: 'c1',
      revision: 2,
      createdAt: clock.now().toISOString(),
      changedBy: 'bob',
      connection: { ...current, revision: 2, name: 'B' },
      messages: ['renamed B'],
      jobs: [],
    });
    await expect(connections.change('c1', 'alice', rename('A'))).rejects.toMatchObject({
      status: 409,
      details: { code: 'CONCURRENT_CHANGE' },
    });
    expect((await connections.get('c1')).name).toBe('c1');

    // Bob's writer died: once the claim is stale, the next reader completes it, in order.
    clock.ms += 15_000;
    expect(await connections.get('c1')).toMatchObject({ revision: 2, name: 'B' });
    await connections.change('c1', 'alice', rename('A'));
    expect(publisher.published.map((p) => p.value)).toEqual(['created', 'renamed B', 'renamed A']);
  });

  it('changes nothing when Kafka refuses the messages, and a retry goes through', async () => {
    publisher.failNext = true;
    await expect(connections.change('c1', 'alice', rename('A'))).rejects.toMatchObject({
      status: 503,
    });
    expect(await connections.get('c1')).toMatchObject({ revision: 1, name: 'c1' });
    expect(await store.revision('c1', 2)).toBeUndefined();
    expect((await connections.change('c1', 'alice', rename('A'))).connection.revision).toBe(2);
  });

  it('404s an unknown connection', async () => {
    await expect(connections.get('nope')).rejects.toMatchObject({ status: 404 });
  });
});
