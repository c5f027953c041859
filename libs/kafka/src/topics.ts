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
    await admin.createTopics({ topics, waitForLeaders: false });
  } catch (e) {
    // Another instance may have created them between our list and create: that is fine.
    if (!isTopicAlreadyExists(e)) throw e;
  }
  await waitForLeaders(
    admin,
    missing.map((s) => s.topic),
  );
}

const LEADER_POLL_MS = 50;
const LEADER_TIMEOUT_MS = 30_000;

/**
 * Waits until every partition of the topics has a leader. kafkajs' own `waitForLeaders` retries
 * only LEADER_NOT_AVAILABLE, while a just-created topic can also answer "does not host this
 * topic-partition" for a moment; both are retriable.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADER_TIMEOUT_MS;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (
        meta.topics.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        )
      ) {
        return;
      }
    } catch (e) {
      if ((e as { retriable?: unknown }).retriable !== true || Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`no leaders for ${topics.join(', ')} after ${LEADER_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
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

/**
 * `admin.fetchTopicOffsets`, retried while the broker answers with a retriable error (a fresh
 * topic's leaders are known to the metadata before every broker serves ListOffsets for them).
 */
export async function fetchTopicOffsets(
  admin: Admin,
  topic: string,
  attempts = 50,
): Promise<{ partition: number; high: string; low: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 20 * attempt)));
    }
  }
}

/** Committed offsets as `fetchOffsets` lists them, by partition (-1, never committed, left out). */
export function committedOf(
  partitions: readonly { readonly partition: number; readonly offset: string }[],
): Map<number, string> {
  return new Map(
    partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, p.offset] as const),
  );
}

/** A group's committed offsets of `topic`, by partition (partitions it never committed left out). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return committedOf(offsets?.partitions ?? []);
}

/**
 * Messages a group has yet to commit on a topic: per partition, its high watermark less the
 * committed offset (from the low watermark where the group committed nothing), summed.
 * Transaction markers count as messages.
 */
export function lagBehind(
  ends: readonly { readonly partition: number; readonly high: string; readonly low: string }[],
  committed: ReadonlyMap<number, string>,
): number {
  let behind = 0;
  for (const end of ends) {
    const from = committed.get(end.partition) ?? end.low;
    behind += Math.max(0, Number(end.high) - Number(from));
  }
  return behind;
}

/**
 * `groupId`'s lag on `topic` (`lagBehind`). Undefined while the group has committed nothing on
 * the topic: a group that never ran has no lag to speak of.
 */
export async function groupLag(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<number | undefined> {
  const [committed, ends] = await Promise.all([
    committedOffsets(admin, groupId, topic),
    fetchTopicOffsets(admin, topic),
  ]);
  return committed.size === 0 ? undefined : lagBehind(ends, committed);
}
