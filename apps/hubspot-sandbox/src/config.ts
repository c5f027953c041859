import { DEFAULT_PORTS, httpEnv } from '@crm-sync/runtime';
import { z } from 'zod';

/** `0` or `off` switches a limit off. */
const limit = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((s, c) => {
      if (s === 'off' || s === '0') return null;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) {
        c.addIssue({ code: 'custom', message: 'expected a positive integer, 0 or off' });
        return z.NEVER;
      }
      return n;
    });

const intEnv = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The standalone sandbox's environment (parsed once at boot). */
export const sandboxConfigSchema = z.object({
  ...httpEnv(DEFAULT_PORTS['hubspot-sandbox']),
  /**
   * Comma-separated private-app tokens, each optionally `token:appId` (default app:
   * HUBSPOT_APP_ID) or `token:none` (a token of no app: its writes show `changeSource: API`
   * without a `sourceId`, like a person's script).
   */
  HUBSPOT_SANDBOX_TOKENS: z
    .string()
    .default('sandbox-token')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  HUBSPOT_PORTAL_ID: intEnv(62515),
  HUBSPOT_APP_ID: intEnv(1_160_452),
  HUBSPOT_CLIENT_ID: z.string().min(1).default('sandbox-client-id'),
  HUBSPOT_CLIENT_SECRET: z.string().min(8).default('sandbox-client-secret'),
  /** The developer API key (`hapikey`) of the Webhooks v3 app API. */
  HUBSPOT_DEVELOPER_API_KEY: z.string().min(8).default('sandbox-developer-key'),
  HUBSPOT_WEBHOOK_TARGET_URL: z.url().optional(),
  HUBSPOT_LIMIT_TEN_SECONDLY: limit(190),
  HUBSPOT_LIMIT_DAILY: limit(1_000_000),
  HUBSPOT_LIMIT_SEARCH_PER_SECOND: limit(5),
  /** Seed on boot: `seed:companies:contacts`, e.g. `42:1000:3000`. */
  HUBSPOT_SEED: z
    .string()
    .regex(/^\d+:\d+:\d+$/, 'expected seed:companies:contacts')
    .transform((s) => {
      const [seed, companies, contacts] = s.split(':').map(Number);
      return { seed: seed ?? 1, companies: companies ?? 0, contacts: contacts ?? 0 };
    })
    .optional(),
  HUBSPOT_AUTO_CREATE_COMPANIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((s) => s === 'true'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type SandboxConfig = z.output<typeof sandboxConfigSchema>;
