import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import { ConnectorMetrics } from './metrics.js';

@Controller('metrics')
class MetricsController {
  constructor(@Inject(ConnectorMetrics) private readonly metrics: ConnectorMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return (await this.metrics.render()).body;
  }
}

/** Serves `GET /metrics` from the given registry and provides `ConnectorMetrics` for injection. */
@Module({})
export class MetricsModule {
  static register(metrics: ConnectorMetrics): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: ConnectorMetrics, useValue: metrics }],
      exports: [ConnectorMetrics],
    };
  }
}
