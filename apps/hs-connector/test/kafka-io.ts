import { commandKey, type HubSpotCommand } from '@crm-sync/domain';
import type { Kafka, Producer } from '@crm-sync/kafka';
import { chunk } from '../src/util/batching.js';

/**
 * Produces commands to the HubSpot commands topic the way sync-rules does (keyed by subject),
 * each exactly once. Idempotent: a send to a topic created moments ago can fail for one
 * partition ("not the leader") and kafkajs then sends the whole request again; a plain
 * producer would write the other partitions' commands a second time.
 */
export async function produceCommands(
  kafka: Kafka,
  topic: string,
  commands: readonly (HubSpotCommand | string)[],
): Promise<void> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const part of chunk(commands, 1_000)) {
      await producer.send({
        topic,
        acks: -1,
        messages: part.map((c) =>
          typeof c === 'string'
            ? { key: 'malformed', value: c }
            : { key: commandKey(c), value: JSON.stringify(c) },
        ),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
