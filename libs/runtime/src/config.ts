import { z } from 'zod';

/** Thrown at boot when the environment does not satisfy an app's config schema: lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment once, at boot, with an app's own schema. All problems are reported
 * together; afterwards the app holds a typed object and never reads `process.env` again.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.') || '(root)';
      // Never echo the received value: it may be a secret.
      return `${key}: ${issue.message}`;
    }),
  );
}

/** A comma-separated list of host:port pairs. */
export const hostPortList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1));

export const port = z.coerce.number().int().min(0).max(65_535);

/**
 * Most bytes of one Kafka fetch over all of a consumer's partitions (kafkajs' `maxBytes`): the
 * messages it holds, decoded, at once. From 64 KiB to 50 MiB.
 */
export const kafkaFetchMaxBytes = (fallback: number) =>
  z.coerce.number().int().min(65_536).max(52_428_800).default(fallback);

export const logLevel = z.enum(['debug', 'info', 'warn', 'error']).default('info');

/** Env fragments that several apps share; each app composes its own schema from them. */
export const kafkaEnv = {
  KAFKA_BROKERS: hostPortList.default(['127.0.0.1:19092']),
  /** Prefix for every topic name: isolates tests and deployments that share a broker. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .optional(),
};

export const mongoEnv = {
  MONGO_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27027/'),
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,60}$/)
    .default('crm_sync'),
};

export const httpEnv = (defaultPort: number) => ({
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(defaultPort),
});
