import {
  createKafka,
  ensureTopics,
  type Admin,
  type Consumer,
  type Kafka,
  type KafkaMessage,
} from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import { testInfra, uniqueName } from './infra.js';
import { waitFor } from './wait.js';

/** A Kafka client for tests, logging warnings only. */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return createKafka({
    brokers: testInfra().brokers,
    clientId,
    logger: createLogger('test', { level: 'warn', write: (l) => process.stderr.write(l) }),
  });
}

/** Creates topics with random names (`<prefix>-<suffix>`) that belong to one test. */
export async function createTestTopics(
  admin: Admin,
  prefixes: readonly string[],
  partitions = 1,
): Promise<string[]> {
  const names = prefixes.map((p) => uniqueName(p));
  await ensureTopics(
    admin,
    names.map((topic) => ({ topic, partitions })),
  );
  return names;
}

export interface CollectedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly value: string;
  readonly key: string | undefined;
}

export interface Collector {
  readonly messages: readonly CollectedMessage[];
  stop(): Promise<void>;
}

/**
 * Reads a topic from the beginning with its own group into an array that tests wait on.
 * `readUncommitted: false` (the default) sees only committed transactional messages.
 */
export async function collect(
  kafka: Kafka,
  topic: string,
  options: { readonly readUncommitted?: boolean } = {},
): Promise<Collector> {
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('collector'),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  // A topic created moments ago may not be served yet ("does not host this topic-partition"):
  // waitFor retries a throwing probe until it goes through or times out with the last error.
  await waitFor(
    async () => {
      await consumer.subscribe({ topic, fromBeginning: true });
      return true;
    },
    { description: `a subscription to ${topic}` },
  );

  await consumer.run({
    eachMessage: ({ topic: t, partition, message }) => {
      messages.push({
        topic: t,
        partition,
        message,
        value: message.value?.toString('utf8') ?? '',
        key: message.key?.toString('utf8'),
      });
      return Promise.resolve();
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/**
 * Deletes the topics whose names start with `prefix` (a test's or a benchmark's own, isolated by
 * a topic prefix): a local broker that keeps every run's topics holds thousands of partitions,
 * costs more CPU and heap per request, and in the end runs out of heap.
 */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('deleteTopicsWithPrefix needs a non-empty prefix');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    return mine.length;
  } finally {
    await admin.disconnect();
  }
}
