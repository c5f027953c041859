import { HubSpotId } from '@crm-sync/domain';
import { z } from 'zod';

/** Letters, digits, `-` and `_`: safe in Kafka keys (`connectionKey` forbids `:`), ids and URLs. */
export const CONNECTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const ConnectionId = z
  .string()
  .regex(CONNECTION_ID_PATTERN, 'a connection id is 1–64 letters, digits, "-" or "_"')
  .meta({ examples: ['acme-prod'] });

export const ConnectionParams = z.strictObject({ connectionId: ConnectionId });
export type ConnectionParams = z.output<typeof ConnectionParams>;

const secret = z.string().min(1).max(4096);

/** Secrets are write-only: they are encrypted on arrival and never returned. */
export const HubSpotCredentialsInput = z
  .strictObject({
    accessToken: secret.optional().meta({ description: 'Private app or OAuth access token.' }),
    clientSecret: secret
      .optional()
      .meta({ description: 'App client secret (webhook signatures).' }),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'give at least one credential');

export const SalesforceCredentialsInput = z
  .strictObject({
    clientId: secret.optional(),
    clientSecret: secret.optional(),
    username: secret.optional(),
    password: secret.optional(),
    securityToken: secret.optional(),
    refreshToken: secret.optional(),
    accessToken: secret.optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'give at least one credential');

export const CreateConnectionBody = z
  .strictObject({
    id: ConnectionId.optional().meta({ description: 'Chosen by the server when omitted.' }),
    name: z.string().trim().min(1).max(200),
    hubspot: z
      .strictObject({
        portalId: HubSpotId.optional(),
        credentials: HubSpotCredentialsInput.optional(),
      })
      .default({}),
    salesforce: z
      .strictObject({
        instanceUrl: z
          .url({ protocol: /^https?$/, error: 'an http(s) URL' })
          .max(500)
          .optional(),
        credentials: SalesforceCredentialsInput.optional(),
      })
      .default({}),
  })
  .meta({
    examples: [
      {
        id: 'acme-prod',
        name: 'ACME production',
        hubspot: { portalId: '62515', credentials: { accessToken: 'pat-na1-…' } },
        salesforce: {
          instanceUrl: 'https://acme.my.salesforce.com',
          credentials: { clientId: '3MVG9…', clientSecret: '…', refreshToken: '…' },
        },
      },
    ],
  });
export type CreateConnectionBody = z.output<typeof CreateConnectionBody>;

export const CredentialsStatus = z
  .object({
    set: z.boolean(),
    fields: z
      .array(z.string())
      .meta({ description: 'Which credentials are stored (not their values).' }),
    setAt: z.string().nullable(),
  })
  .meta({ description: 'Which credentials are set; values are never returned.' });

export const ConnectionView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revision: z.number().int().meta({ description: 'Bumps on every settings or mappings change.' }),
  updatedAt: z.string(),
  syncCompanies: z.boolean(),
  syncEnabledAt: z.string().nullable(),
  mappingCount: z.number().int(),
  hubspot: z.object({ portalId: z.string().nullable(), credentials: CredentialsStatus }),
  salesforce: z.object({ instanceUrl: z.string().nullable(), credentials: CredentialsStatus }),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

export const ConnectionList = z.object({
  items: z.array(ConnectionView),
  nextCursor: z.string().nullable(),
});
export type ConnectionList = z.infer<typeof ConnectionList>;

/** `?limit=&cursor=`: keyset paging; the cursor is the last id of the previous page. */
export const PageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional(),
  cursor: ConnectionId.optional().meta({ description: 'nextCursor of the previous page.' }),
});
export type PageQuery = z.output<typeof PageQuery>;
