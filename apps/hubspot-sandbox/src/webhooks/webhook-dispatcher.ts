import type { Clock } from '../clock.port.js';
import { SINGULAR, type ObjectType } from '../model/object-types.js';
import { ASSOCIATION_TYPES } from '../store/association-index.js';
import type { ChangeEvent, ChangeListener } from '../store/crm-store.js';
import { signatureV1, signatureV3 } from './signature.js';

export type SubscriptionKind =
  'creation' | 'deletion' | 'propertyChange' | 'restore' | 'associationChange';

export interface Subscription {
  readonly id: number;
  /** e.g. 'company.creation', 'contact.propertyChange' */
  readonly subscriptionType: string;
  /** Required for propertyChange: the one property it follows. */
  readonly propertyName?: string;
  /** Only active subscriptions deliver; the webhooks API creates them paused unless told. */
  active: boolean;
  readonly createdAt: number;
  updatedAt: number;
}

/** The app's webhook settings as the Webhooks v3 settings API shows them. */
export interface AppWebhookSettings {
  readonly targetUrl: string;
  readonly maxConcurrentRequests: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface WebhookSettings {
  targetUrl: string | undefined;
  paused: boolean;
  /** Attempts per batch, first included; HubSpot tries up to 10 times over 24 hours. */
  maxAttempts: number;
  /** Backoff before attempt n+1 is retryBaseMs * 2^(n-1). */
  retryBaseMs: number;
  /** How long events gather before a batch is sent. */
  batchWindowMs: number;
  timeoutMs: number;
  /** Also send the legacy v1 `X-HubSpot-Signature`. */
  signV1: boolean;
  /**
   * The app's concurrency setting (Webhooks v3 `throttling`): at most this many batches in
   * flight at once, one per lane (see `WebhookDispatcher`).
   */
  maxConcurrentRequests: number;
}

/** One webhook event exactly as HubSpot posts it (a batch is a JSON array of these). */
export type WebhookEvent = Record<string, string | number | boolean> & {
  eventId: number;
  attemptNumber: number;
  objectId: number;
};

export interface DeliveryRecord {
  readonly at: number;
  readonly attempt: number;
  readonly events: number;
  readonly status: number | 'error';
}

const MAX_BATCH = 100;

/** Events of the objects whose id falls in one lane, and the lane's one batch in flight. */
interface Lane {
  readonly queue: WebhookEvent[];
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
}

/**
 * Turns store changes into HubSpot webhook events for the active subscriptions and posts them,
 * signed, in batches of up to 100 to the target URL. Like HubSpot, it sends up to the app's
 * `maxConcurrentRequests` batches at once: events go to lane `objectId % maxConcurrentRequests`,
 * and each lane has one batch in flight, so the events of one object arrive in order while
 * different objects' events may overtake each other (HubSpot promises no order either). A failed
 * batch is retried with backoff, then dropped.
 */
export class WebhookDispatcher implements ChangeListener {
  readonly settings: WebhookSettings;
  private subscriptions: Subscription[] = [];
  private nextSubscriptionId = 1;
  private nextEventId = 1;
  private readonly lanes: Lane[] = [];
  private closed = false;
  private readonly abort = new AbortController();
  readonly deliveries: DeliveryRecord[] = [];
  dropped = 0;
  /** Fault injection: the next batch is delivered twice / in reverse order. */
  private duplicateNext = 0;
  private reverseNext = 0;
  /** When the target URL was first set and last changed (the settings API reports both). */
  private settingsTimes: { createdAt: number; updatedAt: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly app: {
      readonly portalId: number;
      readonly appId: number;
      readonly clientSecret: string;
    },
    settings: Partial<WebhookSettings> = {},
  ) {
    this.settings = {
      targetUrl: undefined,
      paused: false,
      maxAttempts: 5,
      retryBaseMs: 1000,
      batchWindowMs: 20,
      timeoutMs: 5000,
      signV1: false,
      maxConcurrentRequests: 10,
      ...settings,
    };
  }

  /** The settings as the Webhooks v3 API shows them; undefined while no target URL is set. */
  appSettings(): AppWebhookSettings | undefined {
    const targetUrl = this.settings.targetUrl;
    if (targetUrl === undefined) return undefined;
    this.settingsTimes ??= { createdAt: this.clock.now(), updatedAt: this.clock.now() };
    return {
      targetUrl,
      maxConcurrentRequests: this.settings.maxConcurrentRequests,
      ...this.settingsTimes,
    };
  }

  /** Sets the target URL and concurrency (Webhooks v3 `PUT settings`). */
  configure(targetUrl: string, maxConcurrentRequests: number): AppWebhookSettings {
    const now = this.clock.now();
    this.settingsTimes = { createdAt: this.settingsTimes?.createdAt ?? now, updatedAt: now };
    this.settings.targetUrl = targetUrl;
    this.settings.maxConcurrentRequests = maxConcurrentRequests;
    const configured = this.appSettings();
    if (configured === undefined) throw new Error('target URL was just set');
    return configured;
  }

  /** Removes the target URL: nothing is delivered until one is set again. */
  clearSettings(): void {
    this.settings.targetUrl = undefined;
    this.settingsTimes = undefined;
  }

  getSubscription(id: number): Subscription | undefined {
    return this.subscriptions.find((s) => s.id === id);
  }

  setActive(id: number, active: boolean): Subscription | undefined {
    const sub = this.getSubscription(id);
    if (sub === undefined) return undefined;
    if (sub.active !== active) {
      sub.active = active;
      sub.updatedAt = this.clock.now();
    }
    return sub;
  }

  listSubscriptions(): readonly Subscription[] {
    return this.subscriptions;
  }

  subscribe(subscriptionType: string, propertyName?: string, active = true): Subscription {
    const now = this.clock.now();
    const sub: Subscription = {
      id: this.nextSubscriptionId++,
      subscriptionType,
      active,
      createdAt: now,
      updatedAt: now,
      ...(propertyName === undefined ? {} : { propertyName }),
    };
    this.subscriptions.push(sub);
    return sub;
  }

  unsubscribe(id: number): boolean {
    const before = this.subscriptions.length;
    this.subscriptions = this.subscriptions.filter((s) => s.id !== id);
    return this.subscriptions.length !== before;
  }

  reset(): void {
    this.subscriptions = [];
    this.settingsTimes = undefined;
    for (const lane of this.lanes) lane.queue.length = 0;
    this.deliveries.length = 0;
    this.dropped = 0;
    this.duplicateNext = 0;
    this.reverseNext = 0;
    this.settings.paused = false;
  }

  injectDuplicate(batches = 1): void {
    this.duplicateNext += batches;
  }

  injectOutOfOrder(batches = 1): void {
    this.reverseNext += batches;
  }

  pending(): number {
    return this.lanes.reduce((n, lane) => n + lane.queue.length, 0);
  }

  setPaused(paused: boolean): void {
    this.settings.paused = paused;
    if (!paused) for (const lane of this.lanes) this.schedule(lane);
  }

  wants(kind: SubscriptionKind, type: ObjectType): boolean {
    if (this.settings.targetUrl === undefined) return false;
    const wanted = `${SINGULAR[type]}.${kind}`;
    return this.subscriptions.some((s) => s.active && s.subscriptionType === wanted);
  }

  emit(change: ChangeEvent): void {
    const type = change.kind === 'associationChange' ? change.fromType : change.type;
    const wanted = `${SINGULAR[type]}.${change.kind}`;
    for (const sub of this.subscriptions) {
      if (!sub.active || sub.subscriptionType !== wanted) continue;
      if (change.kind === 'propertyChange' && sub.propertyName !== change.propertyName) continue;
      const event = this.toEvent(sub, change);
      const lane = this.laneOf(event.objectId);
      lane.queue.push(event);
      this.schedule(lane);
    }
  }

  /** Waits for the batches in flight; used at shutdown and by tests. */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes) clearTimeout(lane.timer);
    this.abort.abort();
    await Promise.all(
      this.lanes.map((lane) => lane.inFlight?.catch(() => undefined) ?? Promise.resolve()),
    );
  }

  private laneOf(objectId: number): Lane {
    const n = Math.max(1, this.settings.maxConcurrentRequests);
    const index = Math.abs(objectId) % n;
    for (let i = this.lanes.length; i <= index; i++) {
      this.lanes.push({ queue: [], timer: undefined, inFlight: undefined });
    }
    return this.lanes[index] as Lane;
  }

  private toEvent(sub: Subscription, change: ChangeEvent): WebhookEvent {
    const base = {
      eventId: this.nextEventId++,
      subscriptionId: sub.id,
      portalId: this.app.portalId,
      appId: this.app.appId,
      occurredAt: change.at,
      subscriptionType: sub.subscriptionType,
      attemptNumber: 0,
      changeSource: change.source.changeSource,
      ...(change.source.sourceId === undefined ? {} : { sourceId: change.source.sourceId }),
    };
    switch (change.kind) {
      case 'propertyChange':
        return {
          ...base,
          objectId: Number(change.id),
          propertyName: change.propertyName,
          propertyValue: change.value,
        };
      case 'associationChange':
        return {
          ...base,
          objectId: Number(change.fromId),
          associationType:
            `${SINGULAR[change.fromType]}_TO_${SINGULAR[change.toType]}`.toUpperCase(),
          fromObjectId: Number(change.fromId),
          toObjectId: Number(change.toId),
          associationTypeId: change.typeId,
          associationRemoved: change.removed,
          isPrimaryAssociation: ASSOCIATION_TYPES[change.typeId]?.label === 'Primary',
        };
      case 'creation':
        return { ...base, objectId: Number(change.id), changeFlag: 'CREATED' };
      case 'deletion':
        return { ...base, objectId: Number(change.id), changeFlag: 'DELETED' };
      case 'restore':
        return { ...base, objectId: Number(change.id), changeFlag: 'RESTORED' };
    }
  }

  private schedule(lane: Lane): void {
    if (
      this.closed ||
      this.settings.paused ||
      lane.timer !== undefined ||
      lane.inFlight !== undefined ||
      lane.queue.length === 0
    )
      return;
    // Events gather for the batch window, unless a whole batch is already waiting.
    const wait = lane.queue.length >= MAX_BATCH ? 0 : this.settings.batchWindowMs;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      lane.inFlight = this.deliverNext(lane).finally(() => {
        lane.inFlight = undefined;
        this.schedule(lane);
      });
    }, wait);
  }

  private async deliverNext(lane: Lane): Promise<void> {
    let batch = lane.queue.splice(0, MAX_BATCH);
    if (this.reverseNext > 0) {
      this.reverseNext--;
      batch = batch.reverse();
    }
    const copies = this.duplicateNext > 0 ? 2 : 1;
    if (copies === 2) this.duplicateNext--;
    for (let copy = 0; copy < copies; copy++) {
      for (let attempt = 0; attempt < this.settings.maxAttempts; attempt++) {
        if (this.closed) return;
        if (attempt > 0) await this.sleep(this.settings.retryBaseMs * 2 ** (attempt - 1));
        const events = batch.map((e) => ({ ...e, attemptNumber: attempt }));
        if (await this.post(events, attempt)) break;
        if (attempt === this.settings.maxAttempts - 1) this.dropped += batch.length;
      }
    }
  }

  private async post(events: readonly WebhookEvent[], attempt: number): Promise<boolean> {
    const url = this.settings.targetUrl;
    if (url === undefined) return true;
    const body = JSON.stringify(events);
    const timestamp = this.clock.now();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent':
        'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client) - WebhooksExecutorDaemon-executor',
      'X-HubSpot-Signature-v3': signatureV3(this.app.clientSecret, 'POST', url, body, timestamp),
      'X-HubSpot-Request-Timestamp': String(timestamp),
    };
    if (this.settings.signV1) {
      headers['X-HubSpot-Signature'] = signatureV1(this.app.clientSecret, body);
      headers['X-HubSpot-Signature-Version'] = 'v1';
    }
    let status: number | 'error';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 'error';
    }
    this.deliveries.push({ at: timestamp, attempt, events: events.length, status });
    return typeof status === 'number' && status >= 200 && status < 300;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
