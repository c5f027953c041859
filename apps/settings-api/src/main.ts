import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createLogger,
  listen,
  NestLoggerAdapter,
  runMain,
  SHUTDOWN_SIGNALS,
  ServiceContext,
  type RunningService,
} from '@crm-sync/runtime';
import type { FastifyError, FastifyReply } from 'fastify';
import { AppModule, type SettingsApiOptions } from './app.module.js';
import { loadConfig, type SettingsApiConfig } from './config.js';
import { setupOpenApi } from './http/openapi.js';

export const SERVICE = 'settings-api';

/** Bodies are settings and mappings: 1 MB is ample and matches the control topic's message cap. */
const BODY_LIMIT = 1024 * 1024;

/**
 * Like the runtime's `bootService`, plus what this app needs before it listens: a tighter body
 * limit, Fastify's own routing errors in our error body, and the OpenAPI document and docs UI.
 */
export async function startSettingsApi(
  config: SettingsApiConfig,
  options: SettingsApiOptions = {},
): Promise<RunningService> {
  const logger = createLogger(SERVICE, { level: config.LOG_LEVEL });
  const ctx = await ServiceContext.connect({
    service: SERVICE,
    logger,
    kafka: { brokers: config.KAFKA_BROKERS },
    mongo: { url: config.MONGO_URL, db: config.MONGO_DB },
  });
  try {
    const adapter = new FastifyAdapter({
      bodyLimit: BODY_LIMIT,
      // Long enough that an over-long id gets a validation message rather than a 404.
      routerOptions: { maxParamLength: 1000 },
      // A malformed URL is answered by Fastify's router before Nest: same error body as ours.
      frameworkErrors: (error: FastifyError, _request: unknown, reply: FastifyReply) => {
        void reply
          .code(400)
          .send({ statusCode: 400, error: 'Bad Request', message: error.message });
      },
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register(ctx, config, options),
      adapter,
      { logger: new NestLoggerAdapter(logger) },
    );
    app.enableShutdownHooks([...SHUTDOWN_SIGNALS]);
    setupOpenApi(app);
    const url = await listen(app, ctx, { host: config.HOST, port: config.PORT });
    return { app, ctx, url };
  } catch (e) {
    await ctx.close();
    throw e;
  }
}

if (import.meta.main) {
  runMain(SERVICE, () => startSettingsApi(loadConfig(process.env)));
}
