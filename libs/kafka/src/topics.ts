import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** `compact` keeps the latest message per key (state topics); default `delete`. */
  readonly cleanupPolicy?: 'delete' | 'compact';
  readonly retentionMs?: number;
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Idempotent: services
 * call it at boot. Existing topics are left as they are (partition counts only grow by hand).
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return;
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.topic,
    numPartitions: s.partitions,
    replicationFactor: -1,
    configEntries: [
      { name: 'cleanup.policy', value: s.cleanupPolicy ?? 'delete' },
      ...(s.retentionMs === undefined
        ? []
        : [{ name: 'retention.ms', value: String(s.retentionMs) }]),
    ],
  }));
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } catch (e) {
    // Another instance may have created them between our list and create: that is fine.
    if (!isTopicAlreadyExists(e)) throw e;
  }
}

function isTopicAlreadyExists(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const errors = (e as { errors?: unknown }).errors;
  const all = Array.isArray(errors) ? errors : [e];
  return all.every(
    (x) =>
      typeof x === 'object' &&
      x !== null &&
      (x as { type?: unknown }).type === 'TOPIC_ALREADY_EXISTS',
  );
}
