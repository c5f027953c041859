import { randomUUID } from 'node:crypto';
import {
  connectionKey,
  exactParser,
  SalesforceAccountState,
  type JobProgress,
} from '@crm-sync/domain';
import { readTopicToEnd, type InboundMessage, type Kafka } from '@crm-sync/kafka';
import { changeEventOf, changeMessage, replayedChange } from '../capture/change-events.js';
import type { SfConnectorTopics } from '../topics.js';
import type { SnapshotPage, SnapshotSource } from './snapshot-jobs.js';

/** Per account key: the offset of its latest state, and why it cannot be replayed (if so). */
type ReplayIndex = Map<string, { readonly offset: string; readonly invalid?: string }>;

/**
 * Replay: the accounts of the connection whose latest state changed at or after `from` (the
 * job's `resumeAfter`), read from our latest-state topic — not from Salesforce, so a replay
 * costs no API call — and published again as changes (see `replayedChange`). sync-rules
 * re-derives its state and decisions from them with today's settings and mappings (a newly
 * mapped field is filled, a changed value map applied).
 *
 * The topic is compacted, but not at once: it can hold several states of one account. A first
 * read indexes the latest offset per account (~100 bytes per account in memory: 20 MB for
 * 200,000) and gives the total; a second publishes exactly those states. The topic has no order
 * by time, so a replay cannot resume mid-way: a paused replay starts over when its connection is
 * owned again, which only repeats changes (harmless: the rules are idempotent).
 */
export class ReplaySource implements SnapshotSource {
  readonly kind = 'replay';
  /** The index `count` built, for the `pages` call that follows (else built again). */
  private readonly indexes = new Map<string, ReplayIndex>();

  constructor(
    private readonly o: {
      readonly kafka: Kafka;
      readonly topics: SfConnectorTopics;
      /** Consumer groups of the reads are named after it (and deleted once read). */
      readonly groupPrefix: string;
    },
  ) {}

  async count(job: JobProgress, signal: AbortSignal): Promise<number> {
    const index = await this.index(job, signal);
    this.indexes.set(job.jobId, index);
    return index.size;
  }

  async pages(
    job: JobProgress,
    signal: AbortSignal,
    publish: (page: SnapshotPage) => Promise<void>,
  ): Promise<void> {
    const index = this.indexes.get(job.jobId) ?? (await this.index(job, signal));
    this.indexes.delete(job.jobId);
    await this.read(job, signal, async (messages) => {
      const valid: SalesforceAccountState[] = [];
      const invalid: string[] = [];
      for (const m of messages) {
        const entry = m.key === null ? undefined : index.get(m.key);
        if (entry?.offset !== m.offset) continue; // an older state, or one written since
        const state = entry.invalid === undefined ? accountStateOf(m) : entry.invalid;
        if (typeof state === 'string') invalid.push(`${m.key ?? ''}: ${state}`);
        else valid.push(state);
      }
      if (valid.length + invalid.length === 0) return;
      await publish({
        messages: valid.map((s) =>
          changeMessage(
            this.o.topics.salesforceChanges,
            changeEventOf(job.connectionId, replayedChange(s, job.jobId)),
          ),
        ),
        records: valid.length,
        invalid,
        resumeAfter: null,
      });
    });
  }

  private async index(job: JobProgress, signal: AbortSignal): Promise<ReplayIndex> {
    const from = Date.parse(job.resumeAfter ?? '');
    if (Number.isNaN(from)) throw new Error(`replay ${job.jobId} has no valid "from" instant`);
    const latest = new Map<string, { offset: string; include: boolean; invalid?: string }>();
    await this.read(job, signal, (messages) => {
      for (const m of messages) {
        if (m.key === null) continue;
        const state = accountStateOf(m);
        if (typeof state === 'string') {
          latest.set(m.key, { offset: m.offset, include: true, invalid: state });
        } else if (state.connectionId === job.connectionId) {
          const include = Date.parse(state.payload.changedAt) >= from;
          latest.set(m.key, { offset: m.offset, include });
        }
      }
      return Promise.resolve();
    });
    const index: ReplayIndex = new Map();
    for (const [key, e] of latest) {
      if (e.include) index.set(key, e.invalid === undefined ? { offset: e.offset } : e);
    }
    return index;
  }

  /** The connection's messages of the state topic (by key), batch by batch. */
  private async read(
    job: JobProgress,
    signal: AbortSignal,
    onMessages: (messages: readonly InboundMessage[]) => Promise<void>,
  ): Promise<void> {
    const keyPrefix = `${connectionKey(job.connectionId)}:`;
    await readTopicToEnd({
      kafka: this.o.kafka,
      topic: this.o.topics.salesforceAccountState,
      groupId: `${this.o.groupPrefix}-replay-${randomUUID()}`,
      signal,
      onBatch: async (messages) => {
        // Another connection's account, or a tombstone (nothing to replay).
        const mine = messages.filter(
          (m) => m.key !== null && m.key.startsWith(keyPrefix) && m.value !== null,
        );
        if (mine.length > 0) await onMessages(mine);
      },
    });
  }
}

const parseAccountState = exactParser(SalesforceAccountState);

/** An account state message, or why it is not one. */
function accountStateOf(m: InboundMessage): SalesforceAccountState | string {
  let json: unknown;
  try {
    json = JSON.parse(m.value ?? '');
  } catch {
    return 'not JSON';
  }
  const parsed = parseAccountState(json);
  return parsed.success
    ? parsed.data
    : `not an account state (${parsed.error.issues[0]?.message ?? 'invalid'})`;
}
