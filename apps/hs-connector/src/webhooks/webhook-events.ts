import { z } from 'zod';

/** One HubSpot webhook event as delivered (fields crm-sync relies on; others pass through). */
export const WebhookEvent = z.looseObject({
  eventId: z.union([z.number(), z.string()]),
  subscriptionType: z.string().regex(/^[a-z]+\.[A-Za-z]+$/),
  objectId: z.union([z.number(), z.string()]),
  occurredAt: z.number(),
  portalId: z.union([z.number(), z.string()]).optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** HubSpot sends arrays of at most 100 events. */
export const WebhookBatch = z.array(WebhookEvent).min(1).max(100);
