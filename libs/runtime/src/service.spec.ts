import { describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { createLogger } from './logger.js';
import { createService, SHUTDOWN_SIGNALS } from './service.js';

@Module({})
class EmptyModule {}

const listeners = (signals: readonly NodeJS.Signals[]) =>
  signals.map((signal) => process.listenerCount(signal));

describe('createService', () => {
  it('stops on SIGTERM and SIGINT only, so that diagnostics signals leave it running', async () => {
    const graceful: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
    // Node's --heapsnapshot-signal and profilers use SIGUSR2; Nest's default list has it.
    const other: NodeJS.Signals[] = ['SIGUSR2', 'SIGHUP', 'SIGQUIT'];
    const before = { graceful: listeners(graceful), other: listeners(other) };

    const app = await createService({
      module: { module: EmptyModule },
      ctx: { logger: createLogger('test', { level: 'error', write: () => undefined }) },
    });
    try {
      expect(SHUTDOWN_SIGNALS).toEqual(graceful);
      expect(listeners(graceful)).toEqual(before.graceful.map((n) => n + 1));
      expect(listeners(other)).toEqual(before.other);
    } finally {
      await app.close();
    }
    expect(listeners(graceful)).toEqual(before.graceful);
  });
});
