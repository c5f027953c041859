import { describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';

const at = new Date('2026-11-28T12:00:00.000Z');

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('svc', {
    level,
    clock: () => at,
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('structured logger', () => {
  it('writes one JSON object per line with the fixed message and context apart', () => {
    const { logger, lines } = capture();
    logger.child({ connectionId: 'c1' }).info('batch processed', { partition: 2, offset: '41' });
    expect(lines).toEqual([
      {
        time: '2026-11-28T12:00:00.000Z',
        level: 'info',
        service: 'svc',
        msg: 'batch processed',
        connectionId: 'c1',
        partition: 2,
        offset: '41',
      },
    ]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('warn');
    logger.info('ignored');
    logger.debug('ignored');
    logger.error('kept');
    expect(lines.map((l) => l['msg'])).toEqual(['kept']);
  });

  it('serialises errors with name and message', () => {
    const { logger, lines } = capture();
    logger.error('failed', { error: new RangeError('bad') });
    expect(lines[0]?.['error']).toMatchObject({ name: 'RangeError', message: 'bad' });
  });
});
