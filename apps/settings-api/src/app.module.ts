import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { MongoApiKeyStore } from './auth/api-key.store.js';
import { ApiKeysController } from './auth/api-keys.controller.js';
import { ApiKeys } from './auth/api-keys.service.js';
import type { SettingsApiConfig } from './config.js';
import { ConnectionSetup } from './connections/connection-setup.js';
import { MongoConnectionStore } from './connections/connection.store.js';
import { ConnectionsController } from './connections/connections.controller.js';
import { Connections } from './connections/connections.service.js';
import { CredentialCipher } from './connections/credential-cipher.js';
import { MappingsController } from './connections/mappings.controller.js';
import { MappingsService } from './connections/mappings.service.js';
import { SettingsController } from './connections/settings.controller.js';
import { SettingsService } from './connections/settings.service.js';
import { ControlMessages } from './control/control-messages.js';
import { KafkaControlPublisher } from './control/control-publisher.js';
import { ErrorFilter } from './http/error.filter.js';
import { SchemaValidationPipe } from './http/schema-validation.pipe.js';
import { ActionsController } from './jobs/actions.controller.js';
import { Actions } from './jobs/actions.service.js';
import { MongoJobStore } from './jobs/job.store.js';
import { JobsController } from './jobs/jobs.controller.js';
import { Jobs } from './jobs/jobs.service.js';
import { randomIds, systemClock, type Clock, type IdGenerator } from './shared/clock.js';
import { KafkaLagProbe } from './status/consumer-lag.js';
import { MongoBudgetReportReader } from './status/mongo.budget-report.reader.js';
import { MongoSyncStateReader } from './status/mongo.sync-state.reader.js';
import { StatusController } from './status/status.controller.js';
import { StatusService } from './status/status.service.js';

/** Seams for tests: time, ids and how soon an unfinished change counts as orphaned. */
export interface SettingsApiOptions {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly staleAfterMs?: number;
}

/** Starts the control publisher, then runs the demo bootstrap when configured. */
class Startup implements OnApplicationBootstrap {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly publisher: KafkaControlPublisher,
    private readonly setup: ConnectionSetup,
    private readonly demoConnectionId: string | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.publisher.start(this.ctx.admin);
    if (this.demoConnectionId !== undefined) {
      const outcome = await this.setup.ensureDemo(this.demoConnectionId);
      this.ctx.logger.info('demo connection ready', {
        connectionId: this.demoConnectionId,
        outcome,
      });
    }
  }
}

/**
 * Wires the settings API by hand: every collaborator is a plain class built once here (no string
 * tokens, no hidden container magic), and Nest sees only controllers, the guard, pipe and filter.
 */
@Module({})
export class AppModule {
  static register(
    ctx: ServiceContext,
    config: SettingsApiConfig,
    options: SettingsApiOptions = {},
  ): DynamicModule {
    const { db, logger } = ctx;
    const clock = options.clock ?? systemClock;
    const ids = options.ids ?? randomIds;
    const stale = options.staleAfterMs;

    const publisher = new KafkaControlPublisher(ctx.kafka, config.KAFKA_TOPIC_PREFIX);
    ctx.onClose('control-publisher', () => publisher.stop());
    const messages = new ControlMessages(clock, ids);
    const jobStore = new MongoJobStore(db);
    const connections = new Connections(
      new MongoConnectionStore(db),
      jobStore,
      publisher,
      clock,
      logger,
      stale,
    );
    const jobs = new Jobs(jobStore, publisher, messages, clock, ids, logger, connections, stale);
    const reader = new MongoSyncStateReader(db, logger);
    const setup = new ConnectionSetup(
      connections,
      new CredentialCipher(config.CRM_SYNC_ENCRYPTION_KEY),
      messages,
      clock,
    );

    const values: Provider[] = [
      {
        provide: ApiKeys,
        useValue: new ApiKeys(new MongoApiKeyStore(db), clock, config.SETTINGS_API_BOOTSTRAP_KEY),
      },
      { provide: ConnectionSetup, useValue: setup },
      { provide: SettingsService, useValue: new SettingsService(connections, messages, clock) },
      { provide: MappingsService, useValue: new MappingsService(connections, jobs, messages) },
      { provide: Jobs, useValue: jobs },
      { provide: Actions, useValue: new Actions(connections, jobs, reader, clock) },
      {
        provide: StatusService,
        useValue: new StatusService(
          connections,
          reader,
          new KafkaLagProbe(ctx.admin, config.LAG_CONSUMER_GROUPS),
          new MongoBudgetReportReader(db, logger),
          clock,
        ),
      },
      {
        provide: Startup,
        useValue: new Startup(ctx, publisher, setup, config.DEMO_CONNECTION_ID),
      },
    ];
    return {
      module: AppModule,
      imports: [ServiceContextModule.register(ctx)],
      controllers: [
        ApiKeysController,
        ConnectionsController,
        SettingsController,
        MappingsController,
        ActionsController,
        JobsController,
        StatusController,
      ],
      providers: [
        ...values,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_PIPE, useClass: SchemaValidationPipe },
        {
          provide: APP_FILTER,
          useFactory: (host: HttpAdapterHost) => new ErrorFilter(host, logger),
          inject: [HttpAdapterHost],
        },
      ],
    };
  }
}
