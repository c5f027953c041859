import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceContextModule, type ServiceContext } from '@crm-sync/runtime';

@Module({})
export class AppModule {
  static register(ctx: ServiceContext): DynamicModule {
    return { module: AppModule, imports: [ServiceContextModule.register(ctx)] };
  }
}
