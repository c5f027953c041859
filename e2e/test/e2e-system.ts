import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  startSystem,
  testInfra,
  type RunningSystem,
  type SystemOptions,
} from '@crm-sync/testing';
import { hubspot, salesforce, settingsApi } from './clients.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface E2eSystem {
  readonly system: RunningSystem;
  /** The settings API as an admin, and both CRMs as a person using them. */
  readonly api: ReturnType<typeof settingsApi>;
  readonly sf: Awaited<ReturnType<typeof salesforce>>;
  readonly hs: ReturnType<typeof hubspot>;
  stop(): Promise<void>;
}

/**
 * The whole system for one e2e file: every process on the test infrastructure, isolated (own
 * topics, groups and database), with clients the way people use it. `name` names the database
 * and the log folder.
 */
export async function startE2eSystem(
  name: string,
  connectionId: string,
  env: SystemOptions['env'],
): Promise<E2eSystem> {
  const infra = testInfra();
  const db = await createTestDatabase(name);
  try {
    const system = await startSystem({
      mongoDb: db.name,
      root,
      kafkaBrokers: infra.brokers,
      mongoUrl: infra.mongoUrl,
      isolate: true,
      connectionId,
      logDir: path.join(root, '.cache/e2e', `${name}-logs`),
      logLevel: 'warn',
      ...(env ? { env } : {}),
    });
    return {
      system,
      api: settingsApi(system.urls['settings-api'], system.adminKey),
      sf: await salesforce(system.urls['salesforce-sandbox']),
      hs: hubspot(system.urls['hubspot-sandbox']),
      async stop() {
        await system.stop();
        await db.dispose();
      },
    };
  } catch (e) {
    await db.dispose();
    throw e;
  }
}
