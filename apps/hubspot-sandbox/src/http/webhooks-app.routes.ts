import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HubSpotApiError, notFound, validationError } from '../hubspot-errors.js';
import { safeEqual } from '../webhooks/signature.js';
import type { AppWebhookSettings, Subscription } from '../webhooks/webhook-dispatcher.js';
import type { SandboxContext } from './context.js';
import { parseBody } from './objects.routes.js';

/** The Webhooks v3 app API: app-level, authenticated with the developer account's API key. */
export const WEBHOOKS_API_PREFIX = '/webhooks/v3/';

/** HubSpot keeps at most this many subscriptions per app. */
const MAX_SUBSCRIPTIONS = 1000;
const MAX_BATCH = 100;

/**
 * Every event type the Webhooks v3 API accepts (the official client's `eventType` enum). The
 * sandbox stores any of them; it delivers those it emulates (company and contact creation,
 * deletion, propertyChange, restore and associationChange).
 */
const EVENT_TYPES = new Set([
  ...['contact', 'company', 'deal', 'ticket', 'product', 'line_item'].flatMap((o) =>
    ['propertyChange', 'creation', 'deletion', 'merge', 'restore'].map((e) => `${o}.${e}`),
  ),
  ...['contact', 'company', 'deal', 'ticket', 'line_item'].map((o) => `${o}.associationChange`),
  ...['creation', 'deletion', 'merge', 'restore', 'propertyChange', 'associationChange'].map(
    (e) => `object.${e}`,
  ),
  'contact.privacyDeletion',
  'conversation.creation',
  'conversation.deletion',
  'conversation.newMessage',
  'conversation.privacyDeletion',
  'conversation.propertyChange',
]);

/**
 * Checks `hapikey` (the developer API key) on a Webhooks v3 request; throws HubSpot's 401.
 * The CRM APIs' bearer tokens are not accepted here: these settings belong to the app, not to a
 * portal that installed it.
 */
export function checkDeveloperKey(request: FastifyRequest, developerApiKey: string): void {
  const raw = (request.query as Record<string, unknown> | undefined)?.['hapikey'];
  const key = typeof raw === 'string' ? raw : undefined;
  if (key === undefined || key === '')
    throw new HubSpotApiError(
      401,
      'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports the developer API key (hapikey) authentication.',
    );
  if (!safeEqual(key, developerApiKey))
    throw new HubSpotApiError(
      401,
      'INVALID_AUTHENTICATION',
      'The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/',
      { links: { 'api key': 'https://app.hubspot.com/l/api-key/' } },
    );
}

const settingsBody = z.object({
  targetUrl: z.url(),
  // HubSpot's settings page does not go below 5 concurrent requests.
  throttling: z.object({
    maxConcurrentRequests: z.number().int().min(5).max(1000),
    period: z.string().optional(),
  }),
});

const createBody = z.object({
  eventType: z.string(),
  propertyName: z.string().min(1).optional(),
  active: z.boolean().optional(),
});

const batchBody = z.object({
  inputs: z
    .array(z.object({ id: z.number().int(), active: z.boolean() }))
    .min(1)
    .max(MAX_BATCH),
});

const iso = (ms: number) => new Date(ms).toISOString();

function settingsJson(s: AppWebhookSettings) {
  return {
    targetUrl: s.targetUrl,
    throttling: { maxConcurrentRequests: s.maxConcurrentRequests, period: 'SECONDLY' },
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** A subscription as the API shows it (ids are strings in answers, integers in requests). */
function subscriptionJson(s: Subscription) {
  return {
    id: String(s.id),
    eventType: s.subscriptionType,
    ...(s.propertyName === undefined ? {} : { propertyName: s.propertyName }),
    active: s.active,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/**
 * HubSpot's Webhooks v3 app API (`/webhooks/v3/{appId}/settings|subscriptions`), over the same
 * dispatcher the control API drives: the target URL and throttling, subscriptions (created
 * paused unless `active: true`), single and batch activation, deletion. Only this sandbox's app
 * exists; another app id is 404.
 */
export function webhooksAppRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { webhooks, clock } = ctx;
  const base = `${WEBHOOKS_API_PREFIX}:appId`;

  const ourApp = (request: FastifyRequest) => {
    const raw = (request.params as Record<string, string>)['appId'] ?? '';
    if (!/^\d+$/.test(raw)) throw validationError(`Invalid appId: ${raw}`);
    if (Number(raw) !== ctx.app.appId) throw notFound(`App ${raw} not found`);
  };
  const subscriptionOf = (request: FastifyRequest) => {
    const raw = (request.params as Record<string, string>)['subscriptionId'] ?? '';
    const sub = /^\d+$/.test(raw) ? webhooks.getSubscription(Number(raw)) : undefined;
    if (sub === undefined) throw notFound(`Subscription ${raw} not found`);
    return sub;
  };

  app.get(`${base}/settings`, (request) => {
    ourApp(request);
    const s = webhooks.appSettings();
    if (s === undefined) throw notFound('No webhook settings for this app');
    return settingsJson(s);
  });

  app.put(`${base}/settings`, (request) => {
    ourApp(request);
    const body = parseBody(settingsBody, request.body);
    return settingsJson(webhooks.configure(body.targetUrl, body.throttling.maxConcurrentRequests));
  });

  app.delete(`${base}/settings`, (request, reply) => {
    ourApp(request);
    webhooks.clearSettings();
    return reply.code(204).send();
  });

  app.get(`${base}/subscriptions`, (request) => {
    ourApp(request);
    return { results: webhooks.listSubscriptions().map(subscriptionJson) };
  });

  app.post(`${base}/subscriptions`, (request, reply) => {
    ourApp(request);
    const body = parseBody(createBody, request.body);
    if (!EVENT_TYPES.has(body.eventType))
      throw validationError(
        `Invalid input JSON on field eventType: unknown event type ${body.eventType}`,
      );
    const propertyChange = body.eventType.endsWith('.propertyChange');
    if (propertyChange && body.propertyName === undefined)
      throw validationError(`A propertyName is required for ${body.eventType} subscriptions`);
    if (!propertyChange && body.propertyName !== undefined)
      throw validationError(`propertyName is only allowed for propertyChange subscriptions`);
    const existing = webhooks
      .listSubscriptions()
      .find((s) => s.subscriptionType === body.eventType && s.propertyName === body.propertyName);
    if (existing !== undefined)
      throw new HubSpotApiError(
        409,
        'CONFLICT',
        `A subscription for ${body.eventType}${body.propertyName === undefined ? '' : ` (${body.propertyName})`} already exists: ${existing.id}`,
      );
    if (webhooks.listSubscriptions().length >= MAX_SUBSCRIPTIONS)
      throw validationError(`An app can have at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    const sub = webhooks.subscribe(body.eventType, body.propertyName, body.active ?? false);
    return reply.code(201).send(subscriptionJson(sub));
  });

  app.post(`${base}/subscriptions/batch/update`, (request, reply) => {
    ourApp(request);
    const startedAt = iso(clock.now());
    const body = parseBody(batchBody, request.body);
    const results: ReturnType<typeof subscriptionJson>[] = [];
    const missing: string[] = [];
    for (const input of body.inputs) {
      const sub = webhooks.setActive(input.id, input.active);
      if (sub === undefined) missing.push(String(input.id));
      else results.push(subscriptionJson(sub));
    }
    const answer = { status: 'COMPLETE', results, startedAt, completedAt: iso(clock.now()) };
    if (missing.length === 0) return answer;
    return reply.code(207).send({
      ...answer,
      numErrors: missing.length,
      errors: missing.map((id) => ({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: `Subscription ${id} not found`,
        context: { ids: [id] },
        errors: [],
        links: {},
      })),
    });
  });

  app.get(`${base}/subscriptions/:subscriptionId`, (request) => {
    ourApp(request);
    return subscriptionJson(subscriptionOf(request));
  });

  app.patch(`${base}/subscriptions/:subscriptionId`, (request) => {
    ourApp(request);
    const sub = subscriptionOf(request);
    const body = parseBody(z.object({ active: z.boolean().optional() }), request.body);
    if (body.active !== undefined) webhooks.setActive(sub.id, body.active);
    return subscriptionJson(sub);
  });

  app.delete(`${base}/subscriptions/:subscriptionId`, (request, reply) => {
    ourApp(request);
    webhooks.unsubscribe(subscriptionOf(request).id);
    return reply.code(204).send();
  });
}
