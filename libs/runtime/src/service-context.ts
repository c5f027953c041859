import { createKafka, kafkaHealthCheck, type Admin, type Kafka } from '@crm-sync/kafka';
import type { Db } from 'mongodb';
import type { HealthCheck } from './health.js';
import type { Logger } from './logger.js';
import { connectMongo } from './mongo.js';

export interface ServiceContextOptions {
  readonly service: string;
  readonly logger: Logger;
  readonly kafka: { readonly brokers: readonly string[] };
  readonly mongo?: { readonly url: string; readonly db: string };
}

/**
 * The outside resources of one service instance, connected at boot (a wrong address fails fast)
 * and closed in reverse order of registration on shutdown: what a service registers last (its
 * consumers) stops first, so in-flight work drains before producers and the database go away.
 */
export class ServiceContext {
  private readonly closers: { name: string; close: () => Promise<void> }[] = [];
  private closed = false;

  private constructor(
    readonly service: string,
    readonly logger: Logger,
    readonly kafka: Kafka,
    readonly admin: Admin,
    private readonly database: Db | undefined,
    readonly healthChecks: HealthCheck[],
  ) {}

  static async connect(options: ServiceContextOptions): Promise<ServiceContext> {
    const kafka = createKafka({
      brokers: options.kafka.brokers,
      clientId: options.service,
      logger: options.logger,
    });
    const admin = kafka.admin();
    await admin.connect();
    const checks: HealthCheck[] = [kafkaHealthCheck(admin)];
    let db: Db | undefined;
    let closeMongo: (() => Promise<void>) | undefined;
    if (options.mongo) {
      const mongo = await connectMongo(options.mongo.url, options.mongo.db, options.service);
      db = mongo.db;
      closeMongo = () => mongo.close();
      checks.push({
        name: 'mongodb',
        check: async () => {
          await mongo.db.command({ ping: 1 });
        },
      });
    }
    const ctx = new ServiceContext(options.service, options.logger, kafka, admin, db, checks);
    if (closeMongo) ctx.onClose('mongodb', closeMongo);
    ctx.onClose('kafka-admin', () => admin.disconnect());
    return ctx;
  }

  /** The service's database; throws when the service was started without one. */
  get db(): Db {
    if (!this.database) throw new Error(`${this.service} has no database configured`);
    return this.database;
  }

  onClose(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
      } catch (e) {
        this.logger.error('closing resource failed', { resource: name, error: e });
      }
    }
  }
}
