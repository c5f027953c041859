// Change Data Capture over the Streaming API, through jsforce's own CometD (faye) client.
// Change Data Capture Developer Guide: "Subscribe to Change Events", "Change Event Message Structure";
// Streaming API Developer Guide: "Message Durability" (replay -1 / -2 / replayId).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { idOf } from '../test/assert.js';
import {
  StreamingExtension,
  startHarness,
  type Connection,
  type Harness,
} from '../test/harness.js';
import { waitFor } from '@crm-sync/testing';

/** faye's Client#disconnect(): settles on the server's /meta/disconnect reply (undefined if idle). */
interface Disconnectable {
  disconnect(): PromiseLike<unknown> | undefined;
}

let h: Harness;
let conn: Connection;
beforeAll(async () => {
  h = await startHarness();
  conn = await h.connect('sf-connector');
});
afterAll(async () => {
  // topic() uses jsforce's shared per-connection faye client; stop it so no long-poll stays open,
  // and wait for the server's answer to /meta/disconnect before the server goes.
  await (
    conn.streaming as unknown as { _fayeClients: Record<string, Disconnectable | undefined> }
  )._fayeClients['pushTopic']?.disconnect();
  await h.sandbox.close();
});

interface Msg {
  payload: {
    ChangeEventHeader: {
      changeType: string;
      recordIds: string[];
      changeOrigin: string;
      entityName: string;
    };
    Name?: string;
  };
  event: { replayId: number };
}

test('a jsforce subscription receives live Account change events (replay -1 via topic())', async () => {
  const received: Msg[] = [];
  const sub = conn.streaming
    .topic('/data/AccountChangeEvent')
    .subscribe((m) => received.push(m as unknown as Msg));
  await sub;
  const id = idOf(await conn.sobject('Account').create({ Name: 'Live' }));
  await conn.sobject('Account').update({ Id: id, Name: 'Live 2' });
  await waitFor(() => received.length >= 2);
  expect(received.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE']);
  expect(received[0]?.payload).toMatchObject({
    Name: 'Live',
    ChangeEventHeader: {
      recordIds: [id],
      changeOrigin: 'com/salesforce/api/rest/62.0;client=sf-connector',
    },
  });
  sub.cancel();
});

test('replay -2 delivers all retained events, replayId N delivers those after N; /data/ChangeEvents has every entity', async () => {
  await conn.sobject('Contact').create({ LastName: 'Replay' });
  const log = await h.control<{ latestReplayId: number }>('GET', '/changes?from=0&limit=1');
  const latest = log.latestReplayId;
  expect(latest).toBeGreaterThanOrEqual(3);

  const all: Msg[] = [];
  const c1 = conn.streaming.createClient([new StreamingExtension.Replay('/data/ChangeEvents', -2)]);
  await c1.subscribe('/data/ChangeEvents', (m: unknown) => all.push(m as Msg));
  await waitFor(() => all.length >= latest);
  expect(all.map((m) => m.event.replayId)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
  expect(new Set(all.map((m) => m.payload.ChangeEventHeader.entityName))).toEqual(
    new Set(['Account', 'Contact']),
  );

  const after: Msg[] = [];
  const c2 = conn.streaming.createClient([
    new StreamingExtension.Replay('/data/AccountChangeEvent', 1),
  ]);
  await c2.subscribe('/data/AccountChangeEvent', (m: unknown) => after.push(m as Msg));
  await waitFor(() => after.length >= 1);
  expect(after[0]?.event.replayId).toBe(2);
  expect(after.every((m) => m.payload.ChangeEventHeader.entityName === 'Account')).toBe(true);

  // Live events keep flowing on the replaying client.
  const { id } = await conn.sobject('Lead').create({ LastName: 'L', Company: 'C' });
  await waitFor(() => all.some((m) => m.payload.ChangeEventHeader.recordIds[0] === id));
  await (c1 as unknown as Disconnectable).disconnect();
  await (c2 as unknown as Disconnectable).disconnect();
});
