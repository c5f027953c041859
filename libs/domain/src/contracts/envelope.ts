import { z } from 'zod';

/** Which system produced a message. */
export const MessageSource = z.enum([
  'salesforce',
  'hubspot',
  'sync-rules',
  'settings-api',
  'sf-connector',
  'hs-connector',
]);
export type MessageSource = z.infer<typeof MessageSource>;

/**
 * The one envelope every crm-sync message travels in. `payload` is typed per message type by
 * `envelopeOf`; `id` is unique per message and is what consumers de-duplicate on.
 */
export const EnvelopeBase = z.object({
  id: z.string().min(1).max(200),
  type: z
    .string()
    .regex(/^[a-z]+(?:\.[a-z-]+)+\.v[1-9][0-9]*$/, 'type must look like area.name.v1'),
  connectionId: z.string().min(1).max(100),
  occurredAt: z.iso.datetime({ offset: true }),
  source: MessageSource,
  payload: z.unknown(),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBase>;

/** Schema of an envelope whose `type` is fixed and whose payload has its own schema. */
export function envelopeOf<T extends string, P extends z.ZodType>(type: T, payload: P) {
  return EnvelopeBase.extend({ type: z.literal(type), payload });
}
