import 'reflect-metadata';
import {
  Module,
  type DynamicModule,
  type NestApplicationOptions,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthModule } from './health.js';
import { ConfigError } from './config.js';
import { NestLoggerAdapter, type Logger } from './logger.js';
import { ServiceContext } from './service-context.js';

/** Closes the service's resources when Nest shuts down (SIGTERM, SIGINT or app.close()). */
class ContextCloser implements OnApplicationShutdown {
  constructor(private readonly ctx: ServiceContext) {}
  async onApplicationShutdown(): Promise<void> {
    await this.ctx.close();
  }
}

/** Provides the ServiceContext to the app's providers, the health endpoints, and its closing. */
@Module({})
export class ServiceContextModule {
  static register(ctx: ServiceContext): DynamicModule {
    return {
      module: ServiceContextModule,
      global: true,
      imports: [HealthModule.register(ctx.healthChecks)],
      providers: [
        { provide: ServiceContext, useValue: ctx },
        { provide: ContextCloser, useValue: new ContextCloser(ctx) },
      ],
      exports: [ServiceContext],
    };
  }
}

export interface CreateServiceOptions {
  /** The app's root module, which should import `ServiceContextModule.register(ctx)`. */
  readonly module: DynamicModule;
  /** Where Nest logs go. */
  readonly ctx: Pick<ServiceContext, 'logger'>;
  /** Keep the raw request body (webhook signatures are computed over it). */
  readonly rawBody?: boolean;
}

/**
 * The signals that stop a service gracefully. Nest's default list also has SIGUSR2, SIGHUP and
 * the fatal ones: `kill -USR2` (Node's `--heapsnapshot-signal`, a profiler's trigger) would shut
 * a service down.
 */
export const SHUTDOWN_SIGNALS: readonly string[] = ['SIGTERM', 'SIGINT'];

/**
 * Creates a NestJS app on Fastify with shutdown hooks, so SIGTERM or SIGINT runs every provider's
 * `onApplicationShutdown` before exit.
 */
export async function createService(
  options: CreateServiceOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({ bodyLimit: 10 * 1024 * 1024 }),
    appOptions(options),
  );
  app.enableShutdownHooks([...SHUTDOWN_SIGNALS]);
  return app;
}

function appOptions(options: CreateServiceOptions): NestApplicationOptions {
  return { logger: new NestLoggerAdapter(options.ctx.logger), rawBody: options.rawBody ?? false };
}

/** Starts listening and logs where. Returns the bound URL (port 0 picks a free port). */
export async function listen(
  app: NestFastifyApplication,
  ctx: ServiceContext,
  address: { readonly host: string; readonly port: number },
): Promise<string> {
  await app.listen(address.port, address.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  ctx.logger.info('service listening', { url });
  return url;
}

/** The settings every service has; each app's config schema extends them. */
export interface BaseServiceConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error';
  readonly KAFKA_BROKERS: readonly string[];
  readonly MONGO_URL?: string;
  readonly MONGO_DB?: string;
}

export interface BootOptions {
  readonly service: string;
  readonly config: BaseServiceConfig;
  readonly logger: Logger;
  /** Builds the app's root module around the connected context. */
  readonly appModule: (ctx: ServiceContext) => DynamicModule;
  readonly rawBody?: boolean;
}

export interface RunningService {
  readonly app: NestFastifyApplication;
  readonly ctx: ServiceContext;
  readonly url: string;
}

/** Connects the service's resources, creates the Nest app and listens. */
export async function bootService(options: BootOptions): Promise<RunningService> {
  const { config } = options;
  const ctx = await ServiceContext.connect({
    service: options.service,
    logger: options.logger,
    kafka: { brokers: config.KAFKA_BROKERS },
    ...(config.MONGO_URL !== undefined && config.MONGO_DB !== undefined
      ? { mongo: { url: config.MONGO_URL, db: config.MONGO_DB } }
      : {}),
  });
  try {
    const app = await createService({
      module: options.appModule(ctx),
      ctx,
      ...(options.rawBody === undefined ? {} : { rawBody: options.rawBody }),
    });
    const url = await listen(app, ctx, { host: config.HOST, port: config.PORT });
    return { app, ctx, url };
  } catch (e) {
    await ctx.close();
    throw e;
  }
}

/**
 * Entry point wrapper for `main.ts`: a configuration problem prints every problem and exits 78
 * (EX_CONFIG) without a stack trace; anything else is logged and exits 1.
 */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`${service}: ${e.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `${service}: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  });
}
