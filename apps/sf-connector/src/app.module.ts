import { Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ConnectorMetrics, MetricsModule, systemClock } from '@crm-sync/connector-kit';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';
import { connectionsFromConfig, type SfConnectorConfig } from './config.js';
import { SfConnector } from './connector.js';

/** Starts the connector once Nest is up; the context stops it first on shutdown. */
class ConnectorLifecycle implements OnApplicationBootstrap {
  constructor(private readonly connector: SfConnector) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.connector.start();
  }
}

@Module({})
export class AppModule {
  static register(ctx: ServiceContext, config: SfConnectorConfig): DynamicModule {
    const metrics = new ConnectorMetrics('sf-connector');
    const connector = new SfConnector({
      kafka: ctx.kafka,
      admin: ctx.admin,
      db: ctx.db,
      connections: connectionsFromConfig(config),
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      groupPrefix: config.SF_CONNECTOR_GROUP,
      commandPartitionsConcurrently: config.SF_COMMAND_PARTITIONS_CONCURRENTLY,
      commandFetchBytes: config.SF_COMMAND_FETCH_BYTES,
      commandFetchMaxBytes: config.SF_COMMAND_FETCH_MAX_BYTES,
      retry: {
        baseMs: config.SF_RETRY_BASE_MS,
        maxMs: config.SF_RETRY_MAX_MS,
        maxAttempts: config.SF_RETRY_ATTEMPTS,
      },
      budgetReportIntervalMs: config.API_BUDGET_REPORT_INTERVAL_MS,
      jobLookAhead: { maxAhead: config.SF_JOB_MAX_AHEAD, engineGroup: config.SF_ENGINE_GROUP },
      clock: systemClock,
      metrics,
      logger: ctx.logger,
    });
    // Registered after the admin and database: stopped before them.
    ctx.onClose('sf-connector', () => connector.stop());
    return {
      module: AppModule,
      imports: [ServiceContextModule.register(ctx), MetricsModule.register(metrics)],
      providers: [
        { provide: SfConnector, useValue: connector },
        { provide: ConnectorLifecycle, useFactory: () => new ConnectorLifecycle(connector) },
      ],
    };
  }
}
