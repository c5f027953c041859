import { describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { createKafka } from './client.js';

const KAFKAJS_DEFAULT_WARNING = /switched default partitioner/;

function recordingLogger() {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    logger: { debug: ignore, info: ignore, error: ignore, warn: (m: string) => warnings.push(m) },
  };
}

describe('createKafka', () => {
  // kafkajs warns once per process, at the first producer created without a partitioner; Jest
  // gives this file its own module registry, so the first producer below decides it.
  it('gives every producer our partitioner unless it names one (kafkajs has nothing to warn of)', () => {
    const { warnings, logger } = recordingLogger();
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'client-spec', logger });
    kafka.producer();
    kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    kafka.producer({ transactionalId: 'client-spec', idempotent: true, maxInFlightRequests: 1 });
    expect(warnings.filter((w) => KAFKAJS_DEFAULT_WARNING.test(w))).toEqual([]);

    // The check above can fail: a plain kafkajs producer does get the warning.
    const plainWarnings: string[] = [];
    new Kafka({
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ log }: LogEntry) =>
          plainWarnings.push(log.message),
    }).producer();
    expect(plainWarnings.filter((w) => KAFKAJS_DEFAULT_WARNING.test(w))).toHaveLength(1);
  });
});
