import { Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ConnectorMetrics, MetricsModule, systemClock } from '@crm-sync/connector-kit';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';
import type { HsConnectorConfig } from './config.js';
import { HsConnectorEngine } from './hs-connector.engine.js';
import { WebhookController } from './webhooks/webhook.controller.js';
import { WebhookInbox } from './webhooks/webhook-inbox.js';
import { WebhookSettings } from './webhooks/webhook-settings.js';

/** Starts the inbox producer and the engine once Nest is up; the context stops them first. */
class Lifecycle implements OnApplicationBootstrap {
  constructor(
    private readonly inbox: WebhookInbox,
    private readonly engine: HsConnectorEngine,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.inbox.start();
    await this.engine.start();
  }
}

@Module({})
export class AppModule {
  static register(ctx: ServiceContext, config: HsConnectorConfig): DynamicModule {
    const metrics = new ConnectorMetrics('hs-connector');
    const inbox = new WebhookInbox(
      ctx.kafka,
      config.webhook.connectionId,
      config.KAFKA_TOPIC_PREFIX,
      config.connections.get(config.webhook.connectionId)?.appId ?? '',
    );
    const engine = new HsConnectorEngine({
      kafka: ctx.kafka,
      admin: ctx.admin,
      db: ctx.db,
      config,
      logger: ctx.logger,
      clock: systemClock,
      metrics,
    });
    // Registered after the admin and database, so closed before them; the engine (consumers)
    // before the inbox producer, so in-flight webhook requests still publish while it drains.
    ctx.onClose('webhook-inbox', () => inbox.stop());
    ctx.onClose('hs-connector-engine', () => engine.stop());
    const log = ctx.logger.child({ component: 'webhooks' });
    const settings = new WebhookSettings(
      config.connections.get(config.webhook.connectionId)?.clientSecret ?? '',
      config.webhook.publicUrl,
      (reason) => {
        log.warn('webhook rejected', { reason });
      },
    );
    return {
      module: AppModule,
      imports: [ServiceContextModule.register(ctx), MetricsModule.register(metrics)],
      controllers: [WebhookController],
      providers: [
        { provide: WebhookInbox, useValue: inbox },
        { provide: WebhookSettings, useValue: settings },
        { provide: HsConnectorEngine, useValue: engine },
        { provide: Lifecycle, useFactory: () => new Lifecycle(inbox, engine) },
      ],
    };
  }
}
