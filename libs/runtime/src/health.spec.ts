import { describe, expect, it } from '@jest/globals';
import { HttpException } from '@nestjs/common';
import { HealthChecks, HealthController } from './health.js';

const ok = { name: 'db', check: () => Promise.resolve() };
const failing = { name: 'kafka', check: () => Promise.reject(new Error('no brokers')) };

describe('HealthController', () => {
  it('reports ok when every check passes', async () => {
    const controller = new HealthController(new HealthChecks([ok]));
    expect(await controller.ready()).toEqual({ status: 'ok', checks: { db: { status: 'ok' } } });
  });

  it('answers 503 naming the failing dependency', async () => {
    const controller = new HealthController(new HealthChecks([ok, failing]));
    const error = await controller.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(503);
    expect((error as HttpException).getResponse()).toEqual({
      status: 'failing',
      checks: { db: { status: 'ok' }, kafka: { status: 'failing', error: 'no brokers' } },
    });
  });
});
