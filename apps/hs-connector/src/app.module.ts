import { Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';
import type { HsConnectorConfig } from './config.js';
import { WebhookController } from './webhooks/webhook.controller.js';
import { WebhookInbox } from './webhooks/webhook-inbox.js';
import { WebhookSettings } from './webhooks/webhook-settings.js';

class InboxLifecycle implements OnApplicationBootstrap {
  constructor(private readonly inbox: WebhookInbox) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.inbox.start();
  }
}

@Module({})
export class AppModule {
  static register(ctx: ServiceContext, config: HsConnectorConfig): DynamicModule {
    const inbox = new WebhookInbox(ctx.kafka, config.CONNECTION_ID, config.KAFKA_TOPIC_PREFIX);
    ctx.onClose('webhook-inbox', () => inbox.stop());
    const log = ctx.logger.child({ component: 'webhooks' });
    const settings = new WebhookSettings(
      config.HUBSPOT_CLIENT_SECRET,
      config.HUBSPOT_WEBHOOK_URL,
      (reason) => {
        log.warn('webhook rejected', { reason });
      },
    );
    return {
      module: AppModule,
      imports: [ServiceContextModule.register(ctx)],
      controllers: [WebhookController],
      providers: [
        { provide: WebhookInbox, useValue: inbox },
        { provide: WebhookSettings, useValue: settings },
        { provide: InboxLifecycle, useFactory: () => new InboxLifecycle(inbox) },
      ],
    };
  }
}
