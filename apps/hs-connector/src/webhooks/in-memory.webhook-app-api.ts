import type {
  AppSubscription,
  SubscriptionSpec,
  WebhookAppApi,
  WebhookTarget,
} from './webhook-app-api.port.js';

/**
 * The in-memory twin of `WebhookAppApi` for unit tests: one app's target and subscriptions,
 * duplicates refused as HubSpot (the sandbox) refuses them. It logs every write, and throws the
 * errors queued in `failNext` (one per call) so retries can be tested.
 */
export class InMemoryWebhookAppApi implements WebhookAppApi {
  target: WebhookTarget | undefined;
  subscriptions: AppSubscription[] = [];
  readonly writes: string[] = [];
  readonly failNext: Error[] = [];
  private nextId = 1;

  getTarget(): Promise<WebhookTarget | undefined> {
    return this.answer(() => this.target);
  }

  setTarget(target: WebhookTarget): Promise<void> {
    return this.answer(() => {
      this.writes.push(`target ${target.targetUrl}`);
      this.target = target;
    });
  }

  listSubscriptions(): Promise<AppSubscription[]> {
    return this.answer(() => this.subscriptions.map((s) => ({ ...s })));
  }

  createSubscription(spec: SubscriptionSpec, active: boolean): Promise<AppSubscription | 'exists'> {
    return this.answer(() => {
      const duplicate = this.subscriptions.some(
        (s) => s.eventType === spec.eventType && s.propertyName === spec.propertyName,
      );
      if (duplicate) return 'exists' as const;
      this.writes.push(
        `create ${spec.eventType}${spec.propertyName ? `:${spec.propertyName}` : ''}`,
      );
      return this.add(spec, active);
    });
  }

  setActive(ids: readonly string[], active: boolean): Promise<void> {
    return this.answer(() => {
      this.writes.push(`${active ? 'activate' : 'pause'} ${ids.join(',')}`);
      this.subscriptions = this.subscriptions.map((s) =>
        ids.includes(s.id) ? { ...s, active } : s,
      );
    });
  }

  /** Seeds a subscription without logging a write (what someone configured before). */
  add(spec: SubscriptionSpec, active: boolean): AppSubscription {
    const sub = { ...spec, id: String(this.nextId++), active };
    this.subscriptions.push(sub);
    return sub;
  }

  private answer<T>(fn: () => T): Promise<T> {
    const failure = this.failNext.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(fn());
  }
}
