import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound, validationError } from '../hubspot-errors.js';
import { parseObjectType, type ObjectType } from '../model/object-types.js';
import { seed } from '../seed.js';
import type { WriteSource } from '../store/crm-store.js';
import type { SandboxContext } from './context.js';
import { parseBody } from './objects.routes.js';
import type { RateLimits } from './rate-limiter.js';
import { historyOf } from './serialize.js';

function typeParam(raw: string | undefined): ObjectType {
  const t = parseObjectType(raw ?? '');
  if (t === undefined) throw validationError(`Unknown object type: ${raw ?? ''}`);
  return t;
}

const limitValue = z.number().int().positive().nullable().optional();
const sourceInput = z.object({
  changeSource: z.string().default('CRM_UI'),
  sourceId: z.string().optional(),
  userId: z.number().optional(),
});

function toSource(s: z.output<typeof sourceInput>): WriteSource {
  return {
    changeSource: s.changeSource,
    ...(s.sourceId === undefined
      ? s.userId === undefined
        ? {}
        : { sourceId: `userId:${s.userId}` }
      : { sourceId: s.sourceId }),
    ...(s.userId === undefined ? {} : { updatedByUserId: s.userId }),
  };
}

/**
 * The sandbox's own API under /__control (JSON, unauthenticated): reset, seed, inspect, limits,
 * latency, faults, webhooks, portal settings and bulk touches. Documented in the README.
 */
export function controlRoutes(
  app: FastifyInstance,
  ctx: SandboxContext,
  resetAll: () => void,
): void {
  const { store, webhooks, limiter, faults, clock } = ctx;
  const p = '/__control';

  app.get(`${p}/health`, () => ({
    status: 'ok',
    companies: store.count('companies'),
    contacts: store.count('contacts'),
  }));

  app.post(`${p}/reset`, () => {
    resetAll();
    return { status: 'ok' };
  });

  app.post(`${p}/seed`, (request) => {
    const body = parseBody(
      z.object({
        seed: z.number().int().default(1),
        companies: z.number().int().min(0).max(1_000_000),
        contacts: z.number().int().min(0).max(1_000_000).default(0),
        salesforceIds: z.boolean().default(false),
      }),
      request.body,
    );
    const r = seed(store, body);
    return {
      companies: r.companies.length,
      contacts: r.contacts.length,
      firstCompanyId: r.companies[0] ?? null,
      firstContactId: r.contacts[0] ?? null,
    };
  });

  app.get(`${p}/objects/:type/:id`, (request) => {
    const params = request.params as Record<string, string>;
    const type = typeParam(params['type']);
    const o = store.get(type, params['id'] ?? '');
    if (o === undefined) throw notFound();
    const history: Record<string, unknown> = {};
    for (const name of new Set([...Object.keys(o.initial.values), ...Object.keys(o.history ?? {})]))
      history[name] = historyOf(o, name);
    const other: ObjectType = type === 'companies' ? 'contacts' : 'companies';
    return {
      id: o.id,
      archived: o.archived,
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
      properties: o.properties,
      propertiesWithHistory: history,
      associations: store.associations.list(type, o.id, other),
    };
  });

  /** Simulates an edit by a person in HubSpot (changeSource CRM_UI by default), not by our app. */
  app.post(`${p}/objects/:type/:id/edit`, (request) => {
    const params = request.params as Record<string, string>;
    const type = typeParam(params['type']);
    const body = parseBody(
      z.object({
        properties: z.record(z.string(), z.unknown()),
        source: sourceInput.default({ changeSource: 'CRM_UI' }),
      }),
      request.body,
    );
    const o = store.find(type, params['id'] ?? '');
    if (o === undefined) throw notFound();
    store.update(o, store.validate(type, body.properties), toSource(body.source));
    return { id: o.id, properties: o.properties };
  });

  app.post(`${p}/objects/:type/:id/restore`, (request) => {
    const params = request.params as Record<string, string>;
    const type = typeParam(params['type']);
    const o = store.find(type, params['id'] ?? '', undefined, true);
    if (o === undefined) throw notFound();
    store.restore(o, { changeSource: 'CRM_UI' });
    return { id: o.id, archived: o.archived };
  });

  app.put(`${p}/limits`, (request) => {
    const body = parseBody(
      z.object({ tenSecondly: limitValue, daily: limitValue, searchPerSecond: limitValue }),
      request.body,
    );
    const next: RateLimits = { ...limiter.limits };
    if (body.tenSecondly !== undefined) next.tenSecondly = body.tenSecondly;
    if (body.daily !== undefined) next.daily = body.daily;
    if (body.searchPerSecond !== undefined) next.searchPerSecond = body.searchPerSecond;
    limiter.limits = next;
    limiter.reset();
    return limiter.limits;
  });

  app.put(`${p}/latency`, (request) => {
    faults.latencyMs = parseBody(
      z.object({ ms: z.number().int().min(0).max(60_000) }),
      request.body,
    ).ms;
    return { ms: faults.latencyMs };
  });

  app.post(`${p}/faults`, (request) => {
    const body = parseBody(
      z.union([
        z.object({
          status: z.number().int().min(400).max(599),
          count: z.number().int().positive().default(1),
          pathContains: z.string().optional(),
        }),
        z.object({
          recordFailure: z.object({
            objectType: z.string(),
            propertyName: z.string(),
            value: z.string(),
            message: z.string().default('Injected validation failure'),
          }),
        }),
      ]),
      request.body,
    );
    if ('status' in body)
      faults.addStatus({
        status: body.status,
        remaining: body.count,
        ...(body.pathContains === undefined ? {} : { pathContains: body.pathContains }),
      });
    else
      faults.addRecord({
        ...body.recordFailure,
        objectType: typeParam(body.recordFailure.objectType),
      });
    return { status: 'armed' };
  });

  app.delete(`${p}/faults`, () => {
    faults.reset();
    return { status: 'cleared' };
  });

  app.get(`${p}/webhooks`, () => ({
    settings: webhooks.settings,
    subscriptions: webhooks.listSubscriptions(),
    pending: webhooks.pending(),
    dropped: webhooks.dropped,
    deliveries: webhooks.deliveries.slice(-100),
  }));

  app.put(`${p}/webhooks`, (request) => {
    const body = parseBody(
      z.object({
        targetUrl: z.url().nullable().optional(),
        maxAttempts: z.number().int().min(1).max(10).optional(),
        retryBaseMs: z.number().int().min(0).optional(),
        batchWindowMs: z.number().int().min(0).optional(),
        timeoutMs: z.number().int().min(1).optional(),
        signV1: z.boolean().optional(),
        subscriptions: z
          .array(z.object({ subscriptionType: z.string(), propertyName: z.string().optional() }))
          .optional(),
      }),
      request.body,
    );
    const s = webhooks.settings;
    if (body.targetUrl === null) webhooks.clearSettings();
    else if (body.targetUrl !== undefined)
      webhooks.configure(body.targetUrl, s.maxConcurrentRequests);
    if (body.maxAttempts !== undefined) s.maxAttempts = body.maxAttempts;
    if (body.retryBaseMs !== undefined) s.retryBaseMs = body.retryBaseMs;
    if (body.batchWindowMs !== undefined) s.batchWindowMs = body.batchWindowMs;
    if (body.timeoutMs !== undefined) s.timeoutMs = body.timeoutMs;
    if (body.signV1 !== undefined) s.signV1 = body.signV1;
    for (const sub of body.subscriptions ?? [])
      webhooks.subscribe(sub.subscriptionType, sub.propertyName);
    return { settings: s, subscriptions: webhooks.listSubscriptions() };
  });

  app.post(`${p}/webhooks/subscriptions`, (request) => {
    const body = parseBody(
      z.object({
        subscriptionType: z
          .string()
          .regex(
            /^(company|contact)\.(creation|deletion|propertyChange|restore|associationChange)$/,
          ),
        propertyName: z.string().optional(),
      }),
      request.body,
    );
    if (body.subscriptionType.endsWith('.propertyChange') && body.propertyName === undefined)
      throw validationError('propertyChange subscriptions need a propertyName');
    return webhooks.subscribe(body.subscriptionType, body.propertyName);
  });

  app.delete(`${p}/webhooks/subscriptions/:id`, (request) => ({
    deleted: webhooks.unsubscribe(Number((request.params as Record<string, string>)['id'])),
  }));

  app.post(`${p}/webhooks/pause`, () => {
    webhooks.setPaused(true);
    return { paused: true };
  });

  app.post(`${p}/webhooks/resume`, () => {
    webhooks.setPaused(false);
    return { paused: false };
  });

  app.post(`${p}/webhooks/inject`, (request) => {
    const body = parseBody(
      z.object({
        duplicate: z.number().int().min(0).default(0),
        outOfOrder: z.number().int().min(0).default(0),
      }),
      request.body,
    );
    if (body.duplicate > 0) webhooks.injectDuplicate(body.duplicate);
    if (body.outOfOrder > 0) webhooks.injectOutOfOrder(body.outOfOrder);
    return { status: 'armed' };
  });

  app.put(`${p}/settings`, (request) => {
    const body = parseBody(z.object({ autoCreateCompanies: z.boolean().optional() }), request.body);
    if (body.autoCreateCompanies !== undefined)
      store.settings.autoCreateCompanies = body.autoCreateCompanies;
    return store.settings;
  });

  /**
   * Sets properties on many records at one instant, so e.g. >10,000 companies share one
   * hs_lastmodifieddate (exercises pollers against the search API's 10,000-result cap).
   */
  app.post(`${p}/bulk-touch`, (request) => {
    const body = parseBody(
      z.object({
        objectType: z.string(),
        count: z.number().int().positive().optional(),
        ids: z.array(z.string()).optional(),
        properties: z.record(z.string(), z.unknown()),
        at: z.number().int().optional(),
        source: sourceInput.default({ changeSource: 'CRM_UI' }),
      }),
      request.body,
    );
    const type = typeParam(body.objectType);
    const values = store.validate(type, body.properties);
    const ids =
      body.ids ??
      store
        .all(type)
        .slice(0, body.count ?? Number.MAX_SAFE_INTEGER)
        .map((o) => o.id);
    const at = body.at ?? clock.now();
    const touched = store.bulkSet(type, ids, values, toSource(body.source), at);
    return { touched, at, hs_lastmodifieddate: new Date(at).toISOString() };
  });
}
