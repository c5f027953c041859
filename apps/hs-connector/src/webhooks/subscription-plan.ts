import type { ObjectType } from '../hubspot/hubspot-api.port.js';
import type { PropertySet } from '../hubspot/properties.js';
import type { AppSubscription, SubscriptionSpec, WebhookTarget } from './webhook-app-api.port.js';

/** HubSpot's event types by object; `propertyChange` is added per property. */
const RECORD_EVENTS = ['creation', 'deletion', 'restore', 'merge'] as const;
const OBJECT_NAMES: Readonly<Record<ObjectType, string>> = {
  companies: 'company',
  contacts: 'contact',
};

/**
 * What crm-sync needs HubSpot to push (subscriptions are app-wide: the union over the
 * connections' property sets): for companies and contacts, creation, deletion, restore
 * and merge, a `propertyChange` for every property the connector reads with its history (the
 * properties a sync decision or a mapped value depends on: links, dedupe domains, lifecycle
 * stage, the contact's lead/contact ids and company, every mapped property, the deployment's
 * extra ones), and `contact.associationChange` (a contact joining or leaving a company;
 * `company.associationChange` would only repeat it from the other side). System properties
 * that change with every edit (`hs_lastmodifieddate`) are left out: each edit already arrives
 * through its own property.
 */
export function wantedSubscriptions(
  ...connections: readonly Readonly<Record<ObjectType, PropertySet>>[]
): SubscriptionSpec[] {
  const specs: SubscriptionSpec[] = [];
  for (const object of ['companies', 'contacts'] as const) {
    const name = OBJECT_NAMES[object];
    for (const event of RECORD_EVENTS)
      specs.push({ eventType: `${name}.${event}`, propertyName: undefined });
    const properties = new Set(connections.flatMap((c) => c[object].history));
    for (const property of [...properties].sort())
      specs.push({ eventType: `${name}.propertyChange`, propertyName: property });
  }
  specs.push({ eventType: 'contact.associationChange', propertyName: undefined });
  return specs;
}

/** What to change so HubSpot pushes what crm-sync needs to where it listens. */
export interface SubscriptionPlan {
  /** The target to set, or undefined when HubSpot already delivers to ours. */
  readonly target: WebhookTarget | undefined;
  /** The previous target URL when `target` replaces one (the log says so). */
  readonly replacesUrl: string | undefined;
  readonly create: readonly SubscriptionSpec[];
  /** Paused subscriptions of ours to switch on. */
  readonly activate: readonly string[];
}

export const specKey = (s: SubscriptionSpec): string =>
  s.propertyName === undefined ? s.eventType : `${s.eventType}:${s.propertyName}`;

/**
 * Compares what HubSpot has with what we need; a pure function so "why did it (not) change
 * the app?" is testable without HubSpot. Idempotent: planning against the result of applying a
 * plan gives an empty plan. Subscriptions we do not need are left alone (the app may serve
 * others); a wanted one that exists paused is activated rather than created again; duplicates
 * are never created. The target URL is replaced when it differs; the existing throttling is
 * kept (an operator may have tuned it).
 */
export function planSubscriptions(input: {
  readonly wanted: readonly SubscriptionSpec[];
  readonly existing: readonly AppSubscription[];
  readonly current: WebhookTarget | undefined;
  readonly targetUrl: string;
  readonly defaultMaxConcurrentRequests: number;
}): SubscriptionPlan {
  const byKey = new Map<string, AppSubscription[]>();
  for (const s of input.existing) byKey.set(specKey(s), [...(byKey.get(specKey(s)) ?? []), s]);
  const create: SubscriptionSpec[] = [];
  const activate: string[] = [];
  const seen = new Set<string>();
  for (const spec of input.wanted) {
    const key = specKey(spec);
    if (seen.has(key)) continue;
    seen.add(key);
    const have = byKey.get(key) ?? [];
    const first = have[0];
    if (first === undefined) create.push(spec);
    else if (!have.some((s) => s.active)) activate.push(first.id);
  }
  const current = input.current;
  const sameTarget = current?.targetUrl === input.targetUrl;
  return {
    target: sameTarget
      ? undefined
      : {
          targetUrl: input.targetUrl,
          maxConcurrentRequests:
            current?.maxConcurrentRequests ?? input.defaultMaxConcurrentRequests,
        },
    replacesUrl: sameTarget ? undefined : current?.targetUrl,
    create,
    activate,
  };
}

export function isEmptyPlan(plan: SubscriptionPlan): boolean {
  return plan.target === undefined && plan.create.length === 0 && plan.activate.length === 0;
}
