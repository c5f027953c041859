import { randomUUID } from 'node:crypto';
import {
  fetchTopicOffsets,
  type Consumer,
  type Kafka,
  type OutboundMessage,
  type Producer,
} from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { StateRecord, SyncState } from './sync-state.js';
import { SEP } from './table.js';

/** Key of the barrier messages (null value): never a row key, which always holds `SEP`. */
const BARRIER_KEY = '__barrier__';

/** Header with the record's `seq`, so a reader can tell a version it holds without parsing. */
export const SEQ_HEADER = 'crm-sync-seq';

/** A state change as a message of the compacted changelog topic (latest per row survives). */
export function encodeRecord(topic: string, r: StateRecord): OutboundMessage {
  return {
    topic,
    key: r.table + SEP + r.id,
    // JSON.stringify({ seq, row }), with the row's serialization reused when the record has it.
    value:
      r.json === undefined
        ? JSON.stringify({ seq: r.seq, row: r.row })
        : `{"seq":${String(r.seq)},"row":${r.json}}`,
    headers: { [SEQ_HEADER]: String(r.seq) },
  };
}

/**
 * Whether `state` already holds the version a changelog message carries (by its key and seq
 * header), so that parsing and applying it would change nothing: mostly this instance's own
 * commits coming back. A message without the header is never skipped.
 */
export function alreadyHeld(state: SyncState, key: string, seqHeader: string | undefined): boolean {
  if (seqHeader === undefined) return false;
  const row = splitKey(key);
  const seq = Number(seqHeader);
  if (row === undefined || !Number.isFinite(seq)) return false;
  const table = state.tables.get(row.table);
  return table !== undefined && table.seqOf(row.id) >= seq;
}

/** A changelog key's table and row id (`encodeRecord`'s `<table><SEP><id>`). */
function splitKey(key: string): { readonly table: string; readonly id: string } | undefined {
  const at = key.indexOf(SEP);
  return at <= 0 ? undefined : { table: key.slice(0, at), id: key.slice(at + 1) };
}

export function decodeRecord(key: string | null, value: string | null): StateRecord | undefined {
  if (key === null || value === null) return undefined;
  const row = splitKey(key);
  if (row === undefined) return undefined;
  const parsed = JSON.parse(value) as { seq: number; row: unknown };
  return { ...row, seq: parsed.seq, row: parsed.row };
}

/**
 * Keeps this instance's `SyncState` equal to the changelog topic: restores it at start and then
 * follows the commits of every instance (read_committed, so an aborted batch is never seen).
 * Each instance reads every partition (its own consumer group), because rules read across
 * subjects (dedupe by domain, contacts of a company) whatever partition owns them.
 *
 * `barrier()` returns once everything committed to the changelog before the call is applied: it
 * appends a marker to every partition and waits to read past it. Since a read_committed reader
 * cannot pass an open transaction, the barrier also waits out a previous owner's in-flight batch.
 * The engine calls it at start and whenever its consumers join the group (partitions may have
 * moved here from another instance).
 */
export class StateReplica {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  /** Per partition: the highest offset read. */
  private readonly position = new Map<number, bigint>();
  private waiters: { readonly target: Map<number, bigint>; readonly resolve: () => void }[] = [];
  recordsApplied = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupPrefix: string,
    private readonly state: SyncState,
    private readonly logger: Logger,
    /** Applies committed records to `state` (the engine's, which also handles a refusing store). */
    private readonly applyCommitted: (records: readonly StateRecord[]) => number,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}-state-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 20,
      maxBytesPerPartition: 1_048_576,
      maxBytes: 4 * 1_048_576,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: ({ batch }) => {
        const records: StateRecord[] = [];
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? null;
          if (key === null || key === BARRIER_KEY) continue;
          if (alreadyHeld(this.state, key, m.headers?.[SEQ_HEADER]?.toString())) continue;
          try {
            const r = decodeRecord(key, m.value?.toString('utf8') ?? null);
            if (r) records.push(r);
          } catch (error) {
            this.logger.error('unreadable state record skipped', { key, error });
          }
        }
        this.recordsApplied += this.applyCommitted(records);
        this.position.set(batch.partition, BigInt(batch.lastOffset()));
        this.release();
        return Promise.resolve();
      },
    });
  }

  async barrier(): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('StateReplica not started');
    const admin = this.kafka.admin();
    await admin.connect();
    let partitions: number[];
    try {
      partitions = (await fetchTopicOffsets(admin, this.topic)).map((p) => p.partition);
    } finally {
      await admin.disconnect();
    }
    const sent = await producer.send({
      topic: this.topic,
      messages: partitions.map((partition) => ({ key: BARRIER_KEY, value: null, partition })),
    });
    const target = new Map<number, bigint>();
    for (const meta of sent) target.set(meta.partition, BigInt(meta.baseOffset ?? '0'));
    // `send` reports one base offset per partition; our marker is the message at that offset.
    await new Promise<void>((resolve) => {
      this.waiters.push({ target, resolve });
      this.release();
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = undefined;
    this.producer = undefined;
  }

  private release(): void {
    this.waiters = this.waiters.filter((w) => {
      for (const [p, offset] of w.target) {
        if ((this.position.get(p) ?? -1n) < offset) return true;
      }
      w.resolve();
      return false;
    });
  }
}
