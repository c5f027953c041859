import {
  Kafka,
  logLevel,
  type Admin,
  type LogEntry,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { assertCrc32c } from './crc32c.js';
import { murmur2Partitioner } from './partitioner.js';
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
 * kafkajs's client with our partitioner as every producer's default (the transactional ones of
 * `TransactionalPipeline` and the apps' `kafka.producer(...)` alike): the same placement as
 * kafkajs's DefaultPartitioner at a fraction of its CPU (`partitioner.ts`). A producer given
 * its own `createPartitioner` keeps it.
 */
class CrmKafka extends Kafka {
  override producer(config?: ProducerConfig): Producer {
    return super.producer({
      ...config,
      createPartitioner: config?.createPartitioner ?? murmur2Partitioner,
    });
  }
}

/**
 * The only place that constructs a Kafka client. Everything else receives the instance, so a
 * later move to another KafkaJS-compatible client changes this file and its siblings only.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  assertReadCommittedFilter();
  assertCrc32c();
  const log = options.logger;
  return new CrmKafka({
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
