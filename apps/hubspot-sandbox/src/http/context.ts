import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock.port.js';
import { validationError } from '../hubspot-errors.js';
import type { PropertyRegistry } from '../model/property-registry.js';
import type { CrmStore, WriteSource } from '../store/crm-store.js';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import type { FaultInjector } from './fault-injector.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenRegistry } from './token-registry.js';

/** Everything the route handlers share. */
export interface SandboxContext {
  readonly store: CrmStore;
  readonly registry: PropertyRegistry;
  readonly clock: Clock;
  readonly limiter: RateLimiter;
  readonly webhooks: WebhookDispatcher;
  readonly faults: FaultInjector;
  readonly tokens: TokenRegistry;
  readonly app: {
    readonly portalId: number;
    readonly appId: number;
    readonly clientId: string;
    readonly clientSecret: string;
    /** The developer account's API key: authenticates the Webhooks v3 app API (`hapikey`). */
    readonly developerApiKey: string;
  };
}

const sources = new WeakMap<FastifyRequest, WriteSource>();

export function setSource(request: FastifyRequest, source: WriteSource): void {
  sources.set(request, source);
}

/** Who is writing: set by the auth hook from the bearer token. */
export function sourceOf(request: FastifyRequest): WriteSource {
  return sources.get(request) ?? { changeSource: 'API' };
}

/** A query parameter that may be repeated and/or comma separated (`properties=a,b&properties=c`). */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function boolParam(value: unknown): boolean {
  return value === 'true' || value === true;
}

export function intParam(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw validationError(`Invalid ${name}: ${JSON.stringify(value)}`);
  return Math.min(n, max);
}

export function stringParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : JSON.stringify(first);
}
