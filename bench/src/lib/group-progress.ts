import type { Kafka } from '@crm-sync/kafka';

/**
 * How many messages of a topic a consumer group has committed, read from the broker's group
 * offsets (one small admin request per probe) instead of by consuming the output: a reader that
 * decodes every result record would spend a third of a core of the same two cores the system
 * under test runs on. A connector commits its consumed offsets in the transaction that carries
 * the results, so the committed count is the count of results made durable.
 *
 * Only meaningful on a topic written without transactions (no control records between offsets)
 * and read from the start: then offset = messages consumed.
 */
export async function groupProgress(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ committed: () => Promise<number>; close: () => Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  return {
    committed: async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      let total = 0;
      for (const p of offsets?.partitions ?? []) total += Math.max(0, Number(p.offset));
      return total;
    },
    close: () => admin.disconnect(),
  };
}

/** How long a count may stand still before the bench gives up: a stalled run fails, never hangs. */
const STALL_MS = 120_000;

/**
 * Polls `count` (every `intervalMs`, default 20) until it reaches `target`, noting progress on
 * stderr every 5 s. Returns when the count first moved and what it was then, and when it reached
 * the target (performance.now()): `target - firstCount` items took `doneAt - firstAt`, to within
 * one probe interval. Throws when the count has not moved for 2 minutes.
 */
export async function waitForCount(
  count: () => number | Promise<number>,
  target: number,
  what: string,
  intervalMs = 20,
): Promise<{ firstAt: number; firstCount: number; doneAt: number }> {
  let first: { at: number; n: number } | undefined;
  let lastReport = performance.now();
  let moved = { at: performance.now(), n: -1 };
  for (;;) {
    const n = await count();
    const now = performance.now();
    if (n > 0) first ??= { at: now, n };
    if (n >= target) return { firstAt: first?.at ?? now, firstCount: first?.n ?? 0, doneAt: now };
    if (n !== moved.n) moved = { at: now, n };
    else if (now - moved.at > STALL_MS) {
      throw new Error(
        `${what}: stuck at ${n.toLocaleString('en-US')} of ${target.toLocaleString('en-US')} for ${STALL_MS / 1000} s`,
      );
    }
    if (now - lastReport > 5_000) {
      process.stderr.write(
        `… ${n.toLocaleString('en-US')} of ${target.toLocaleString('en-US')} ${what}\n`,
      );
      lastReport = now;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
