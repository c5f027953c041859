/**
 * The HubSpot app's webhook configuration (HubSpot's Webhooks v3 API): where HubSpot delivers
 * and which events it delivers. It belongs to the app, not to a portal: every portal that
 * installs the app gets the same subscriptions. Real adapter: `hubspot.webhook-app-api.ts`;
 * in-memory twin: `in-memory.webhook-app-api.ts`.
 */
export interface WebhookAppApi {
  /** The current target, or undefined when the app has none (HubSpot answers 404). */
  getTarget(): Promise<WebhookTarget | undefined>;
  setTarget(target: WebhookTarget): Promise<void>;
  listSubscriptions(): Promise<AppSubscription[]>;
  /** Creates a subscription; `exists` when HubSpot refuses it as a duplicate (another instance won). */
  createSubscription(spec: SubscriptionSpec, active: boolean): Promise<AppSubscription | 'exists'>;
  setActive(ids: readonly string[], active: boolean): Promise<void>;
}

export interface WebhookTarget {
  readonly targetUrl: string;
  /** HubSpot's `throttling.maxConcurrentRequests`: deliveries in flight at once. */
  readonly maxConcurrentRequests: number;
}

/** One event type (and, for `propertyChange`, one property) the app is told about. */
export interface SubscriptionSpec {
  /** e.g. `company.creation`, `contact.propertyChange` */
  readonly eventType: string;
  /** Only for `propertyChange`. */
  readonly propertyName: string | undefined;
}

export interface AppSubscription extends SubscriptionSpec {
  readonly id: string;
  readonly active: boolean;
}
