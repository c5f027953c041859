import {
  ControlMessage,
  type DecisionRecorded,
  commandKey,
  recordKey,
  type DeadLettered,
  type OwnOrigin,
} from '@crm-sync/domain';
import {
  ensureTopics,
  TransactionalPipeline,
  type InboundMessage,
  type Kafka,
  type OutboundMessage,
} from '@crm-sync/kafka';
import type { Consumer } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { Decider } from './deciding/decider.js';
import type { Clock } from './deciding/ports.js';
import { Router } from './routing/router.js';
import { CachedConnections } from './store/cached-connections.js';
import type { StoredDecision, SyncStore } from './store/sync-store.port.js';
import { syncRulesTopicSpecs, syncRulesTopics, type SyncRulesTopics } from './topics.js';
import { subjectKey, WorkItem } from './work/work-item.js';

export interface SyncRulesOptions {
  readonly kafka: Kafka;
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly own: OwnOrigin;
  readonly topicPrefix: string | undefined;
  /** Consumer group prefix; instances with the same one share the work. */
  readonly groupPrefix: string;
  /** Keys processed at once within a batch (FerretDB's single SQLite writer favours few). */
  readonly keyConcurrency: number;
  /** Partitions processed at once per stage, each in its own transaction. */
  readonly partitionsConcurrently: number;
  /** Fault injection for tests (see TransactionalPipelineOptions.beforeCommit). */
  readonly beforeDecideCommit?: (ctx: {
    readonly topic: string;
    readonly partition: number;
  }) => void;
}

/**
 * The sync-rules engine: three consumers in one process.
 * - route (transactional): CRM changes and command results → work items keyed by sync subject;
 * - decide (transactional): work items → commands, decisions, forwards, with the input offsets
 *   committed in the same Kafka transaction;
 * - control: settings and mapping changes → this service's copy of the connection config.
 * Every instance runs all three; Kafka's consumer groups split the partitions between instances.
 */
export class SyncRulesEngine {
  readonly topics: SyncRulesTopics;
  private readonly router: Router;
  private readonly decider: Decider;
  private readonly connections: CachedConnections;
  private route: TransactionalPipeline | undefined;
  private decide: TransactionalPipeline | undefined;
  private control: Consumer | undefined;

  constructor(private readonly options: SyncRulesOptions) {
    this.topics = syncRulesTopics(options.topicPrefix);
    this.router = new Router(options.store, this.topics);
    this.connections = new CachedConnections(options.store);
    this.decider = new Decider({
      store: options.store,
      connections: this.connections,
      clock: options.clock,
      own: options.own,
    });
  }

  async start(): Promise<void> {
    const { kafka, logger, groupPrefix } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, syncRulesTopicSpecs(this.options.topicPrefix));
    } finally {
      await admin.disconnect();
    }
    this.control = kafka.consumer({ groupId: `${groupPrefix}-control`, maxWaitTimeInMs: 100 });
    await this.control.connect();
    await this.control.subscribe({ topic: this.topics.syncControl, fromBeginning: true });
    await this.control.run({
      eachMessage: async ({ message }) => this.onControl(message.value?.toString() ?? ''),
    });

    this.decide = new TransactionalPipeline({
      kafka,
      logger,
      groupId: `${groupPrefix}-decide`,
      topics: [this.topics.work],
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      handle: (messages) => this.decideBatch(messages),
      ...(this.options.beforeDecideCommit ? { beforeCommit: this.options.beforeDecideCommit } : {}),
    });
    this.route = new TransactionalPipeline({
      kafka,
      logger,
      groupId: `${groupPrefix}-route`,
      topics: [
        this.topics.salesforceChanges,
        this.topics.hubspotChanges,
        this.topics.commandResults,
      ],
      handle: (messages) => this.routeBatch(messages),
    });
    await this.decide.start();
    await this.route.start();
  }

  /** Stops consuming upstream first, so the decide stage drains what routing already produced. */
  async stop(): Promise<void> {
    await this.route?.stop();
    await this.decide?.stop();
    await this.control?.disconnect();
  }

  private async onControl(raw: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.options.logger.warn('control message is not JSON; ignored');
      return;
    }
    const parsed = ControlMessage.safeParse(json);
    if (!parsed.success) {
      this.options.logger.warn('control message not understood; ignored', {
        reason: parsed.error.message,
      });
      return;
    }
    const msg = parsed.data;
    const store = this.options.store;
    if (msg.type === 'sync.settings-changed.v1') {
      const current = await store.getConnection(msg.connectionId);
      await store.putConnection({
        settings: msg.payload.settings,
        mappings: current?.mappings ?? [],
      });
    } else if (msg.type === 'sync.mappings-changed.v1') {
      const current = await store.getConnection(msg.connectionId);
      if (!current) {
        this.options.logger.warn('mappings for an unknown connection; ignored', {
          connectionId: msg.connectionId,
        });
        return;
      }
      await store.putConnection({ settings: current.settings, mappings: msg.payload.mappings });
    }
    // After the write: a read racing with it cannot cache the old value for long (TTL).
    this.connections.invalidate(msg.connectionId);
  }

  private async routeBatch(messages: readonly InboundMessage[]): Promise<OutboundMessage[]> {
    return inKeyOrder(messages, this.options.keyConcurrency, async (m) => {
      const outcome = await this.router.route(m);
      if (outcome.kind === 'dead-letter') {
        return [this.deadLetter(m, outcome.reason, `${this.options.groupPrefix}-route`)];
      }
      return outcome.items.map((item) => ({
        topic: this.topics.work,
        key: subjectKey(item.connectionId, item.subject),
        value: JSON.stringify(item),
      }));
    });
  }

  private async decideBatch(messages: readonly InboundMessage[]): Promise<OutboundMessage[]> {
    const history = new Map<string, StoredDecision[]>();
    const out = await inKeyOrder(messages, this.options.keyConcurrency, (m) =>
      this.decideOne(m, history),
    );
    // One write of the batch's history per connection, before the transaction commits.
    for (const [connectionId, decisions] of history) {
      await this.options.store.appendDecisions(connectionId, decisions);
    }
    return out;
  }

  private async decideOne(
    m: InboundMessage,
    history: Map<string, StoredDecision[]>,
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    const parsed = WorkItem.safeParse(m.value === null ? null : safeJson(m.value));
    if (!parsed.success) {
      return [
        this.deadLetter(
          m,
          `not a work item: ${parsed.error.message}`,
          `${this.options.groupPrefix}-decide`,
        ),
      ];
    }
    const fx = await this.decider.process(parsed.data);
    for (const cmd of fx.salesforceCommands) {
      out.push({
        topic: this.topics.salesforceCommands,
        key: commandKey(cmd),
        value: JSON.stringify(cmd),
      });
    }
    for (const cmd of fx.hubspotCommands) {
      out.push({
        topic: this.topics.hubspotCommands,
        key: commandKey(cmd),
        value: JSON.stringify(cmd),
      });
    }
    for (const fwd of fx.forwards) {
      out.push({
        topic: this.topics.work,
        key: subjectKey(fwd.connectionId, fwd.subject),
        value: JSON.stringify(fwd),
      });
    }
    if (fx.decisions.length > 0) {
      const ids = fx.decisions.map((_, i) => `${parsed.data.id}~d${i}`);
      const stored = history.get(parsed.data.connectionId) ?? [];
      stored.push(...fx.decisions.map((d, i) => ({ ...d, id: ids[i] ?? '' })));
      history.set(parsed.data.connectionId, stored);
      for (const [i, d] of fx.decisions.entries()) {
        const envelope: DecisionRecorded = {
          id: ids[i] ?? '',
          type: 'sync.decision-recorded.v1',
          connectionId: parsed.data.connectionId,
          occurredAt: d.decidedAt,
          source: 'sync-rules',
          payload: d,
        };
        out.push({
          topic: this.topics.syncDecisions,
          key: recordKey(parsed.data.connectionId, d.subject),
          value: JSON.stringify(envelope),
        });
      }
    }
    return out;
  }

  private deadLetter(m: InboundMessage, reason: string, group: string): OutboundMessage {
    const now = this.options.clock.now().toISOString();
    const envelope: DeadLettered = {
      id: `dlq:${m.topic}:${m.partition}:${m.offset}`,
      type: 'ops.dead-lettered.v1',
      connectionId: 'unknown',
      occurredAt: now,
      source: 'sync-rules',
      payload: {
        originalTopic: m.topic,
        partition: m.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        reason,
        consumerGroup: group,
        failedAt: now,
      },
    };
    this.options.logger.warn('message dead-lettered', {
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      reason: reason.slice(0, 200),
    });
    return {
      topic: this.topics.deadLetter,
      key: m.key ?? `${m.topic}:${m.partition}:${m.offset}`,
      value: JSON.stringify(envelope),
    };
  }
}

/**
 * Runs `handle` for every message, one key at a time in offset order (everything about one
 * subject or record stays sequential) and several keys at once, and returns the
 * outputs in the messages' order. `concurrency` keys at once overlap their database round trips.
 */
async function inKeyOrder<T>(
  messages: readonly InboundMessage[],
  concurrency: number,
  handle: (m: InboundMessage) => Promise<T[]>,
): Promise<T[]> {
  const byKey = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const key = m.key ?? `#${i}`;
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  const results: T[][] = new Array<T[]>(messages.length);
  const queues = [...byKey.values()];
  const worker = async () => {
    for (let q = queues.shift(); q !== undefined; q = queues.shift()) {
      for (const i of q) {
        const m = messages[i];
        if (m !== undefined) results[i] = await handle(m);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
  return results.flat();
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
