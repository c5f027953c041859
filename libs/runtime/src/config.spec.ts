import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, hostPortList, kafkaEnv, parseConfig, port } from './config.js';

const Schema = z.object({ PORT: port.default(8080), ...kafkaEnv, API_KEY: z.string().min(10) });

describe('parseConfig', () => {
  it('returns typed values with defaults applied', () => {
    expect(parseConfig(Schema, { API_KEY: 'k'.repeat(12), KAFKA_BROKERS: 'a:1, b:2' })).toEqual({
      PORT: 8080,
      KAFKA_BROKERS: ['a:1', 'b:2'],
      API_KEY: 'k'.repeat(12),
    });
  });

  it('reports every problem at once and never echoes the values', () => {
    const secret = 'short';
    let error: unknown;
    try {
      parseConfig(Schema, { PORT: '99999', KAFKA_BROKERS: 'no-port', API_KEY: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'KAFKA_BROKERS.0', 'API_KEY']);
    expect((error as Error).message).not.toContain(secret);
  });

  it('refuses an empty broker list', () => {
    expect(hostPortList.safeParse(' , ').success).toBe(false);
  });
});
