import { Client } from '@hubspot/api-client';
import { HubSpotRequestError, toFailure } from '../hubspot/failures.js';
import { withTimeout } from '../hubspot/guarded-calls.js';
import { chunk } from '../util/batching.js';
import type {
  AppSubscription,
  SubscriptionSpec,
  WebhookAppApi,
  WebhookTarget,
} from './webhook-app-api.port.js';

/** HubSpot's batch update takes at most 100 subscriptions. */
const BATCH_UPDATE = 100;

/** The generated client's enum of event types: we pass HubSpot's strings through as they are. */
type ClientEventType = Parameters<Client['webhooks']['subscriptionsApi']['create']>[1]['eventType'];

/**
 * `WebhookAppApi` over the official client's `webhooks` APIs (settings and subscriptions),
 * authenticated with the developer account's API key (`hapikey`), pointed at `basePath` (the
 * real API or the sandbox). These calls are the app's, not a portal's: they do not spend the
 * portal's budget. One request per call, with a timeout; retries are the caller's (the whole
 * ensure is idempotent). Failures are `HubSpotRequestError`s, whose messages never hold the key.
 */
export class HubSpotWebhookAppApi implements WebhookAppApi {
  private readonly client: Client;
  private readonly appId: number;
  private readonly timeoutMs: number;

  constructor(options: {
    readonly basePath: string;
    readonly developerApiKey: string;
    readonly appId: string;
    readonly timeoutMs: number;
  }) {
    this.client = new Client({
      basePath: options.basePath,
      developerApiKey: options.developerApiKey,
      numberOfApiCallRetries: 0,
    });
    this.appId = Number(options.appId);
    this.timeoutMs = options.timeoutMs;
  }

  async getTarget(): Promise<WebhookTarget | undefined> {
    try {
      const s = await this.call('webhooks.settings.get', () =>
        this.client.webhooks.settingsApi.getAll(this.appId),
      );
      return {
        targetUrl: s.targetUrl,
        maxConcurrentRequests: s.throttling.maxConcurrentRequests,
      };
    } catch (e) {
      if (e instanceof HubSpotRequestError && e.failure.status === 404) return undefined;
      throw e;
    }
  }

  async setTarget(target: WebhookTarget): Promise<void> {
    await this.call('webhooks.settings.configure', () =>
      this.client.webhooks.settingsApi.configure(this.appId, {
        targetUrl: target.targetUrl,
        throttling: { maxConcurrentRequests: target.maxConcurrentRequests },
      }),
    );
  }

  async listSubscriptions(): Promise<AppSubscription[]> {
    const list = await this.call('webhooks.subscriptions.list', () =>
      this.client.webhooks.subscriptionsApi.getAll(this.appId),
    );
    return list.results.map((s) => ({
      id: s.id,
      eventType: s.eventType,
      propertyName: s.propertyName,
      active: s.active,
    }));
  }

  async createSubscription(
    spec: SubscriptionSpec,
    active: boolean,
  ): Promise<AppSubscription | 'exists'> {
    try {
      const s = await this.call('webhooks.subscriptions.create', () =>
        this.client.webhooks.subscriptionsApi.create(this.appId, {
          // The enum's values are HubSpot's own strings; the client sends them as they are.
          eventType: spec.eventType as unknown as ClientEventType,
          ...(spec.propertyName === undefined ? {} : { propertyName: spec.propertyName }),
          active,
        }),
      );
      return {
        id: s.id,
        eventType: s.eventType,
        propertyName: s.propertyName,
        active: s.active,
      };
    } catch (e) {
      if (e instanceof HubSpotRequestError && e.failure.status === 409) return 'exists';
      throw e;
    }
  }

  async setActive(ids: readonly string[], active: boolean): Promise<void> {
    for (const part of chunk(ids, BATCH_UPDATE)) {
      await this.call('webhooks.subscriptions.batch.update', () =>
        this.client.webhooks.subscriptionsApi.updateBatch(this.appId, {
          inputs: part.map((id) => ({ id: Number(id), active })),
        }),
      );
    }
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(fn(), this.timeoutMs);
    } catch (cause) {
      throw new HubSpotRequestError(toFailure(cause), operation, { cause });
    }
  }
}
