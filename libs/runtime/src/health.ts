import {
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Module,
  type DynamicModule,
} from '@nestjs/common';

/** One dependency the service needs to do its work (broker, database, a CRM API). */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** DI token for the service's checks: a class, so no string tokens. */
export class HealthChecks {
  constructor(readonly checks: readonly HealthCheck[]) {}
}

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: Record<string, { status: 'ok' | 'failing'; error?: string }>;
}

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthChecks) {}

  /** Liveness: the process answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answers; 503 with the failing ones otherwise. */
  @Get()
  async ready(): Promise<HealthReport> {
    const results = await Promise.all(
      this.health.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 5_000);
          return [c.name, { status: 'ok' as const }] as const;
        } catch (e) {
          return [
            c.name,
            { status: 'failing' as const, error: e instanceof Error ? e.message : String(e) },
          ] as const;
        }
      }),
    );
    const report: HealthReport = {
      status: results.every(([, r]) => r.status === 'ok') ? 'ok' : 'failing',
      checks: Object.fromEntries(results) as HealthReport['checks'],
    };
    if (report.status !== 'ok') throw new HttpException(report, HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}

@Module({})
export class HealthModule {
  static register(checks: readonly HealthCheck[]): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: HealthChecks, useValue: new HealthChecks(checks) }],
    };
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`timed out after ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
