import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { assertReadCommittedFilter } from './read-committed.js';

/** The logging surface this lib needs; the runtime's structured logger satisfies it. */
export interface KafkaLogger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: KafkaLogger;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The only place that constructs a Kafka client. Everything else receives the instance, so a
 * later move to another KafkaJS-compatible client changes this file and its siblings only.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  assertReadCommittedFilter();
  const log = options.logger;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _ts, logger: _logger, ...ctx } = entry;
        log[LEVELS[level] ?? 'info'](message, { component: 'kafkajs', ...ctx });
      },
  });
}

/** Readiness check: the cluster answers a metadata request. */
export function kafkaHealthCheck(admin: Admin): { name: string; check(): Promise<void> } {
  return {
    name: 'kafka',
    async check() {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
    },
  };
}
