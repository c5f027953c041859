import { z } from 'zod';
import { Scope } from './api-key.js';

export const KeyIdParams = z.strictObject({
  keyId: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'an API key id is 16 hexadecimal characters')
    .meta({ examples: ['3f2a9c0d1b4e5f60'] }),
});
export type KeyIdParams = z.output<typeof KeyIdParams>;

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).meta({ description: 'Who or what uses the key.' }),
    scope: Scope,
  })
  .meta({ examples: [{ name: 'revops-dashboard', scope: 'read' }] });
export type CreateApiKeyBody = z.output<typeof CreateApiKeyBody>;

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  scope: Scope,
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreatedApiKeyView = ApiKeyView.extend({
  key: z.string().meta({ description: 'The key itself. Shown once: only its hash is stored.' }),
});
export type CreatedApiKeyView = z.infer<typeof CreatedApiKeyView>;

export const ApiKeyList = z.object({ items: z.array(ApiKeyView) });
