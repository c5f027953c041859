export {
  createHubSpotSandbox,
  DEFAULT_LIMITS,
  type HubSpotSandbox,
  type HubSpotSandboxOptions,
} from './app.js';
export type { Clock } from './clock.port.js';
export { ManualClock } from './in-memory.clock.js';
export { systemClock } from './system.clock.js';
export { CrmStore, type StoredObject, type WriteSource } from './store/crm-store.js';
export type { RateLimits } from './http/rate-limiter.js';
export type { WebhookEvent, WebhookSettings } from './webhooks/webhook-dispatcher.js';
export { signatureV1, signatureV3 } from './webhooks/signature.js';
