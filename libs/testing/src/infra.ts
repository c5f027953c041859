import { randomBytes } from 'node:crypto';

/**
 * Where the real broker and database are. `./dev test` starts the local ones and exports these;
 * set them yourself to test against other servers.
 */
export interface TestInfra {
  readonly brokers: readonly string[];
  readonly mongoUrl: string;
}

export function testInfra(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TestInfra {
  return {
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',').map((b) => b.trim()),
    mongoUrl: env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/',
  };
}

/** A short random suffix for topics, groups and databases, so tests never share state. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${uniqueSuffix()}`;
}
