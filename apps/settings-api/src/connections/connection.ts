import { ConnectionSettings, FieldMapping } from '@crm-sync/domain';
import { z } from 'zod';
import { SealedSecret } from './credential-cipher.js';

/** One CRM's stored credentials: sealed, plus the names of the fields inside (not secret). */
export const StoredCredentials = z.object({
  sealed: SealedSecret,
  fields: z.array(z.string()),
  setAt: z.string(),
});
export type StoredCredentials = z.infer<typeof StoredCredentials>;

/**
 * A connection as the settings API keeps it: who it is (immutable after creation) and its current
 * configuration (settings and mappings, versioned by `revision`).
 */
export const Connection = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  hubspot: z.object({
    portalId: z.string().nullable(),
    credentials: StoredCredentials.nullable(),
  }),
  salesforce: z.object({
    instanceUrl: z.string().nullable(),
    credentials: StoredCredentials.nullable(),
  }),
  revision: z.number().int().positive(),
  settings: ConnectionSettings,
  mappings: z.array(FieldMapping),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Connection = z.infer<typeof Connection>;

/** What a credentials AAD binds a sealed value to. */
export function credentialsContext(connectionId: string, crm: 'hubspot' | 'salesforce'): string {
  return `crm-sync:connection:${connectionId}:${crm}`;
}
