import type { Clock } from '@crm-sync/connector-kit';
import { isAborted } from '../async.js';
import type { Logger } from '@crm-sync/runtime';
import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import type { JsforceSalesforceApi } from '../salesforce/jsforce.salesforce-api.js';

/** The part of jsforce's CometD (faye) client we use; faye ships no types. */
interface FayeClient {
  subscribe(channel: string, listener: (message: unknown) => void): PromiseLike<unknown>;
  disconnect(): PromiseLike<unknown> | undefined;
  on(event: 'transport:up' | 'transport:down', listener: () => void): void;
  /**
   * Faye's own, not public: closing its transport is the only way to drop a client whose server
   * is gone (it would send the disconnect again every few seconds, forever).
   */
  readonly _dispatcher?: { close(): void };
}

/** Every change event of the org's selected entities in one stream. */
export const CDC_CHANNEL = '/data/ChangeEvents';

const RETRY_MS = [1_000, 5_000, 30_000, 120_000, 300_000];

/**
 * The longest wait for the server to confirm a disconnect. A server that is gone never does:
 * unbounded, a stop (or a new subscription) would wait for it forever.
 */
export const DISCONNECT_TIMEOUT_MS = 2_000;

export interface CdcSubscriberOptions {
  readonly connectionId: string;
  readonly api: JsforceSalesforceApi;
  /** Replay after this id (the last one published to Kafka); null: only new events. */
  readonly replayAfter: number | null;
  readonly onMessage: (message: unknown) => void;
  /** Subscribed; `replayed`: resumed after a known event (no gap), else only new events. */
  readonly onSubscribed: (replayed: boolean) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Change Data Capture over CometD through jsforce's streaming client, with the replay extension:
 * after a restart it resumes after the last event published to Kafka; after a reconnect, after
 * the last one received. An expired session is refreshed and the subscription made again. An org
 * without CDC (or a replay id older than its retention) leaves polling to capture everything;
 * the subscriber keeps trying with a growing pause.
 */
export class CdcSubscriber {
  private client: FayeClient | undefined;
  private lastReceived: number | null;
  private subscribed = false;
  private transportUp = true;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: CdcSubscriberOptions) {
    this.lastReceived = o.replayAfter;
  }

  /** Subscribed and connected: CDC is carrying live changes. */
  get healthy(): boolean {
    return this.subscribed && this.transportUp;
  }

  start(): void {
    this.loop ??= this.connectWithRetries();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('cdc stopped'));
    await this.loop;
    await this.disconnect();
  }

  private async connectWithRetries(): Promise<void> {
    for (let attempt = 0; !isAborted(this.abort.signal); attempt++) {
      try {
        await this.subscribe(await this.o.api.connection());
        return;
      } catch (e) {
        if (isAborted(this.abort.signal)) return;
        const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 300_000;
        this.o.logger.warn('cdc subscription failed; polling covers it, retrying', {
          connectionId: this.o.connectionId,
          error: e instanceof Error ? e.message : String(e),
          retryInMs: wait,
        });
        await this.o.clock.sleep(wait, this.abort.signal).catch(() => undefined);
      }
    }
  }

  private async subscribe(conn: Connection): Promise<void> {
    await this.disconnect();
    const replayFrom = this.lastReceived ?? -1;
    const replay = new StreamingExtension.Replay(CDC_CHANNEL, replayFrom);
    const authFailure = new StreamingExtension.AuthFailure(() => {
      this.subscribed = false;
      void this.resubscribeAfterAuthFailure(conn);
    });
    const client = conn.streaming.createClient([replay, authFailure]) as unknown as FayeClient;
    this.client = client;
    client.on('transport:down', () => {
      this.transportUp = false;
    });
    client.on('transport:up', () => {
      this.transportUp = true;
    });
    try {
      await client.subscribe(CDC_CHANNEL, (message) => {
        const replayId = (message as { event?: { replayId?: unknown } }).event?.replayId;
        if (typeof replayId === 'number') this.lastReceived = replayId;
        this.o.onMessage(message);
      });
    } catch (e) {
      const text = String((e as { message?: unknown }).message ?? e);
      if (replayFrom !== -1 && /replayId/i.test(text)) {
        // Older than the event bus keeps: what was lost in between, polling reads.
        this.o.logger.warn('cdc replay id no longer retained; resuming with new events', {
          connectionId: this.o.connectionId,
          replayFrom,
        });
        this.lastReceived = null;
      }
      throw new Error(`cdc subscribe failed: ${text}`, { cause: e });
    }
    this.subscribed = true;
    this.transportUp = true;
    this.o.onSubscribed(replayFrom !== -1);
    this.o.logger.info('cdc subscribed', { connectionId: this.o.connectionId, replayFrom });
  }

  private async resubscribeAfterAuthFailure(stale: Connection): Promise<void> {
    if (isAborted(this.abort.signal)) return;
    this.o.logger.info('cdc session expired; signing in again', {
      connectionId: this.o.connectionId,
    });
    try {
      await this.o.api.refresh(stale);
    } catch (e) {
      this.o.logger.warn('cdc sign-in failed', {
        connectionId: this.o.connectionId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
    this.loop = this.connectWithRetries();
    await this.loop;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.subscribed = false;
    if (!client) return;
    const timeout = new AbortController();
    const answered = Promise.resolve(client.disconnect()).then(
      () => true,
      () => true, // already gone: nothing to close
    );
    const waited = this.o.clock.sleep(DISCONNECT_TIMEOUT_MS, timeout.signal).then(
      () => false,
      () => true,
    );
    const confirmed = await Promise.race([answered, waited]);
    timeout.abort();
    if (!confirmed) {
      client._dispatcher?.close();
      this.o.logger.warn('cdc disconnect unanswered; the client is dropped', {
        connectionId: this.o.connectionId,
        waitedMs: DISCONNECT_TIMEOUT_MS,
      });
    }
  }
}
