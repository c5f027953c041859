import { Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';
import type { SyncRulesConfig } from './config.js';
import { systemClock } from './deciding/ports.js';
import { DiskStorage, MemoryStorage } from './store/state/row-store.js';
import { yieldSettings } from './store/read-model-yield.js';
import { SyncRulesEngine } from './sync-rules.service.js';

/** Starts the engine once Nest is up; the context stops it first on shutdown. */
class EngineLifecycle implements OnApplicationBootstrap {
  constructor(private readonly engine: SyncRulesEngine) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.engine.start();
  }
}

@Module({})
export class AppModule {
  static register(ctx: ServiceContext, config: SyncRulesConfig): DynamicModule {
    const engine = new SyncRulesEngine({
      kafka: ctx.kafka,
      ...(config.SYNC_RULES_READ_MODEL ? { readModel: ctx.db } : {}),
      readModelYield: yieldSettings(
        config.SYNC_RULES_READ_MODEL_PAUSE_AT,
        config.SYNC_RULES_READ_MODEL_MAX_PAUSE_MS,
      ),
      clock: systemClock,
      logger: ctx.logger,
      own: {
        salesforceClientName: config.SALESFORCE_CLIENT_NAME,
        hubspotAppId: config.HUBSPOT_APP_ID,
      },
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      groupPrefix: config.SYNC_RULES_GROUP,
      keyConcurrency: config.SYNC_RULES_KEY_CONCURRENCY,
      partitionsConcurrently: config.SYNC_RULES_PARTITIONS_CONCURRENTLY,
      fetchMaxBytes: config.SYNC_RULES_FETCH_MAX_BYTES,
      stateStorage:
        config.SYNC_RULES_STATE_STORE === 'disk'
          ? new DiskStorage({
              dir: config.SYNC_RULES_STATE_DIR,
              cacheMiB: config.SYNC_RULES_STATE_CACHE_MB,
            })
          : new MemoryStorage(),
      // Exits at once: the state is durable in Kafka, and its transactions make an exit here as
      // safe as any crash (an open one is aborted when the restarted instance takes over).
      onStateStoreFailure: () => process.exit(70),
    });
    // Registered after the admin and database: closed before them.
    ctx.onClose('sync-rules-engine', () => engine.stop());
    return {
      module: AppModule,
      imports: [ServiceContextModule.register(ctx)],
      providers: [
        { provide: SyncRulesEngine, useValue: engine },
        { provide: EngineLifecycle, useFactory: () => new EngineLifecycle(engine) },
      ],
    };
  }
}
