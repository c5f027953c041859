import { describe, expect, it } from '@jest/globals';
import { propertySets } from '../hubspot/properties.js';
import {
  isEmptyPlan,
  planSubscriptions,
  specKey,
  wantedSubscriptions,
} from './subscription-plan.js';
import type { AppSubscription, SubscriptionSpec, WebhookTarget } from './webhook-app-api.port.js';

const TARGET = 'https://sync.example.com/webhooks/hubspot';
const wanted = wantedSubscriptions(propertySets({ companies: ['custom_tier'], contacts: [] }));
const keys = wanted.map(specKey);

const have = (specs: readonly SubscriptionSpec[], active = true): AppSubscription[] =>
  specs.map((s, i) => ({ ...s, id: String(i + 1), active }));

const OURS: WebhookTarget = { targetUrl: TARGET, maxConcurrentRequests: 10 };

const plan = (existing: readonly AppSubscription[], current: WebhookTarget | undefined) =>
  planSubscriptions({
    wanted,
    existing,
    current,
    targetUrl: TARGET,
    defaultMaxConcurrentRequests: 10,
  });

describe('wantedSubscriptions', () => {
  it('covers record events, every property the sync reads with history, and contact associations', () => {
    expect(keys).toEqual(
      expect.arrayContaining([
        'company.creation',
        'company.deletion',
        'company.restore',
        'company.merge',
        'contact.creation',
        'contact.deletion',
        'contact.associationChange',
        // links, dedupe, lifecycle and every default mapping
        'company.propertyChange:salesforceaccountid',
        'company.propertyChange:domain',
        'company.propertyChange:hs_additional_domains',
        'company.propertyChange:lifecyclestage',
        'company.propertyChange:name',
        'company.propertyChange:phone',
        'company.propertyChange:industry',
        'company.propertyChange:city',
        'company.propertyChange:country',
        'company.propertyChange:annualrevenue',
        // the deployment's extra property
        'company.propertyChange:custom_tier',
        'contact.propertyChange:lifecyclestage',
        'contact.propertyChange:associatedcompanyid',
        'contact.propertyChange:salesforcecontactid',
        'contact.propertyChange:salesforceleadid',
      ]),
    );
  });

  it('leaves out what changes with every edit, and never lists one twice', () => {
    expect(keys).not.toContain('company.propertyChange:hs_lastmodifieddate');
    expect(keys).not.toContain('contact.propertyChange:lastmodifieddate');
    expect(keys).not.toContain('company.associationChange');
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('planSubscriptions', () => {
  it('sets the target and creates everything for a bare app', () => {
    const p = plan([], undefined);
    expect(p.target).toEqual({ targetUrl: TARGET, maxConcurrentRequests: 10 });
    expect(p.replacesUrl).toBeUndefined();
    expect(p.create.map(specKey)).toEqual(keys);
    expect(p.activate).toEqual([]);
  });

  it('changes nothing when everything is in place (idempotent)', () => {
    expect(isEmptyPlan(plan(have(wanted), OURS))).toBe(true);
  });

  it('activates paused subscriptions of ours instead of creating them again', () => {
    const existing = [
      ...have(wanted.slice(0, 2), false),
      ...have(wanted.slice(2)).map((s) => ({ ...s, id: `x${s.id}` })),
    ];
    const p = plan(existing, OURS);
    expect(p.create).toEqual([]);
    expect(p.activate).toEqual(['1', '2']);
  });

  it('activates one of several paused duplicates, and none when one is active', () => {
    const [first] = wanted;
    if (first === undefined) throw new Error('no wanted subscriptions');
    const rest = have(wanted.slice(1)).map((s) => ({ ...s, id: `r${s.id}` }));
    const paused = [
      { ...first, id: 'a', active: false },
      { ...first, id: 'b', active: false },
    ];
    expect(plan([...paused, ...rest], OURS).activate).toEqual(['a']);
    expect(plan([...paused, { ...first, id: 'c', active: true }, ...rest], OURS).activate).toEqual(
      [],
    );
  });

  it('leaves subscriptions it does not need alone', () => {
    const foreign = { eventType: 'deal.creation', propertyName: undefined, id: '99', active: true };
    const p = plan([...have(wanted), foreign], OURS);
    expect(isEmptyPlan(p)).toBe(true);
  });

  it('moves the target to our URL, keeping the throttling someone tuned', () => {
    const p = plan(have(wanted), {
      targetUrl: 'https://old.example.com/hooks?token=x',
      maxConcurrentRequests: 25,
    });
    expect(p.target).toEqual({ targetUrl: TARGET, maxConcurrentRequests: 25 });
    expect(p.replacesUrl).toBe('https://old.example.com/hooks?token=x');
    expect(p.create).toEqual([]);
  });
});
