import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearer } from '../auth.js';
import { CHANGE_EVENT_CHANNELS, type StoredEvent } from '../cdc.js';
import type { SandboxState } from '../sandbox-state.js';

/**
 * Streaming API: a Bayeux (CometD) server with long-polling at `/cometd/<version>`, delivering
 * Change Data Capture events and honouring the replay extension
 * (Streaming API Developer Guide: "Message Durability"; Change Data Capture Developer Guide:
 * "Subscribe with CometD").
 */

interface BayeuxMessage {
  channel?: string | undefined;
  clientId?: string | undefined;
  id?: string | undefined;
  subscription?: string | undefined;
  ext?: { replay?: Record<string, number | string> } | Record<string, unknown> | undefined;
  [k: string]: unknown;
}

interface PendingConnect {
  readonly messages: BayeuxMessage[];
  readonly connect: BayeuxMessage;
  readonly resolve: (out: BayeuxMessage[]) => void;
  readonly timer: NodeJS.Timeout;
}

interface Client {
  readonly id: string;
  readonly subscriptions: Set<string>;
  queue: BayeuxMessage[];
  pending: PendingConnect | undefined;
  connected: boolean;
  lastSeen: number;
}

export interface CometdOptions {
  /** How long a `/meta/connect` is held open when no events are waiting (real: 110 s). */
  readonly connectTimeoutMs: number;
}

const MAX_BATCH = 1000;

export function registerCometd(
  app: FastifyInstance,
  state: SandboxState,
  options: CometdOptions,
): void {
  const clients = new Map<string, Client>();
  const advice = { reconnect: 'retry', interval: 0, timeout: options.connectTimeoutMs };

  const flush = (c: Client) => {
    const p = c.pending;
    if (!p) return;
    clearTimeout(p.timer);
    c.pending = undefined;
    const events = c.queue.splice(0, MAX_BATCH);
    p.resolve([
      ...p.messages,
      ...events,
      { channel: '/meta/connect', clientId: c.id, id: p.connect.id, successful: true, advice },
    ]);
  };

  const unsubscribeLog = state.store.changes.subscribe((e: StoredEvent) => {
    for (const c of clients.values()) {
      if (c.subscriptions.size === 0) continue;
      for (const sub of c.subscriptions) {
        if (sub === e.channel || sub === '/data/ChangeEvents')
          c.queue.push({ channel: sub, data: e.message });
      }
      if (c.pending && c.queue.length > 0) flush(c);
    }
  });

  // Clients that stopped polling are dropped, as the real server does after its maxInterval.
  const sweep = setInterval(() => {
    const cutoff = Date.now() - options.connectTimeoutMs - 30_000;
    for (const c of clients.values()) if (!c.pending && c.lastSeen < cutoff) clients.delete(c.id);
  }, 10_000);
  sweep.unref();

  app.addHook('preClose', (done) => {
    clearInterval(sweep);
    unsubscribeLog();
    for (const c of clients.values()) flush(c);
    clients.clear();
    done();
  });

  const handler = async (req: FastifyRequest) => {
    const body = req.body;
    const messages: BayeuxMessage[] = Array.isArray(body)
      ? (body as BayeuxMessage[])
      : body && typeof body === 'object'
        ? [body as BayeuxMessage]
        : [];
    const authed = state.auth.check(bearer(req.headers.authorization));
    const out: BayeuxMessage[] = [];
    let connect: { client: Client; message: BayeuxMessage } | undefined;
    for (const m of messages) {
      const base = { channel: m.channel, id: m.id };
      if (m.channel === '/meta/handshake') {
        if (!authed) {
          out.push({
            ...base,
            successful: false,
            error: '403::Handshake denied',
            advice: { reconnect: 'none' },
          });
          continue;
        }
        const id = randomBytes(16).toString('base64url');
        clients.set(id, {
          id,
          subscriptions: new Set(),
          queue: [],
          pending: undefined,
          connected: false,
          lastSeen: Date.now(),
        });
        out.push({
          ...base,
          clientId: id,
          version: '1.0',
          minimumVersion: '1.0',
          supportedConnectionTypes: ['long-polling'],
          successful: true,
          advice,
          ext: { replay: true, 'payload.format': true },
        });
        continue;
      }
      const client = m.clientId ? clients.get(m.clientId) : undefined;
      if (!client || !authed) {
        out.push({
          ...base,
          clientId: m.clientId,
          successful: false,
          error: authed ? '403::Unknown client' : '401::Authentication invalid',
          advice: { reconnect: 'handshake', interval: 0 },
        });
        continue;
      }
      client.lastSeen = Date.now();
      switch (m.channel) {
        case '/meta/connect':
          connect = { client, message: m };
          break;
        case '/meta/subscribe': {
          const sub = m.subscription ?? '';
          if (!CHANGE_EVENT_CHANNELS.includes(sub)) {
            out.push({
              ...base,
              clientId: client.id,
              subscription: sub,
              successful: false,
              error: `400::The channel you requested to subscribe to does not exist {${sub}}`,
            });
            break;
          }
          const replay = (m.ext?.['replay'] as Record<string, number | string> | undefined)?.[sub];
          const from = replay === undefined ? -1 : Number(replay);
          const log = state.store.changes;
          if (
            from !== -1 &&
            from !== -2 &&
            (!Number.isInteger(from) ||
              from < log.earliestReplayId - 1 ||
              from > log.latestReplayId)
          ) {
            out.push({
              ...base,
              clientId: client.id,
              subscription: sub,
              successful: false,
              error: `400::The replayId {${String(replay)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
            });
            break;
          }
          client.subscriptions.add(sub);
          if (from !== -1) {
            for (const e of log.since(from === -2 ? 0 : from, sub))
              client.queue.push({ channel: sub, data: e.message });
          }
          out.push({ ...base, clientId: client.id, subscription: sub, successful: true });
          break;
        }
        case '/meta/unsubscribe':
          client.subscriptions.delete(m.subscription ?? '');
          out.push({
            ...base,
            clientId: client.id,
            subscription: m.subscription,
            successful: true,
          });
          break;
        case '/meta/disconnect':
          if (client.pending) flush(client);
          clients.delete(client.id);
          out.push({ ...base, clientId: client.id, successful: true });
          break;
        default:
          out.push({
            ...base,
            clientId: client.id,
            successful: false,
            error: `403::Publishing is not supported on ${String(m.channel)}`,
          });
      }
    }
    if (!connect) return out;
    const { client, message } = connect;
    if (client.pending) flush(client); // a newer connect replaces a held one
    if (!client.connected || client.queue.length > 0 || !clients.has(client.id)) {
      client.connected = true;
      const events = client.queue.splice(0, MAX_BATCH);
      return [
        ...out,
        ...events,
        { channel: '/meta/connect', clientId: client.id, id: message.id, successful: true, advice },
      ];
    }
    return new Promise<BayeuxMessage[]>((resolve) => {
      const timer = setTimeout(() => {
        flush(client);
      }, options.connectTimeoutMs);
      client.pending = { messages: out, connect: message, resolve, timer };
    });
  };

  app.post('/cometd/:ver', handler);
  app.post('/cometd/replay/:ver', handler);
  app.post('/cometd/:ver/*', handler);
}
