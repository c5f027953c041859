import { randomUUID } from 'node:crypto';
import {
  ControlMessage,
  exactParser,
  parseChangeEvent,
  type DecisionRecorded,
  commandKey,
  recordKey,
  deadLetterRecord,
  type OwnOrigin,
} from '@crm-sync/domain';
import {
  committedOffsets,
  coPartitionedAssigner,
  ensureTopics,
  fetchTopicOffsets,
  TransactionalPipeline,
  type AfterJoin,
  type BatchContext,
  type Consumer,
  type InboundMessage,
  type Kafka,
  type OutboundMessage,
} from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { Db } from 'mongodb';
import { Decider } from './deciding/decider.js';
import type { Clock, ConnectionSource } from './deciding/ports.js';
import { JobProgressWriter } from './jobs/job-progress-writer.js';
import { itemDone, planJobs } from './jobs/job-runner.js';
import { Router } from './routing/router.js';
import { SyncCountsWriter } from './store/counts-writer.js';
import { ReadModelSink } from './store/read-model.js';
import { ReadModelYield, type ReadModelYieldSettings } from './store/read-model-yield.js';
import type { StateStorage } from './store/state/row-store.js';
import { applyRecords, StateBatch } from './store/state/state-batch.js';
import { encodeRecord, StateReplica } from './store/state/state-changelog.js';
import { SyncState, type StateRecord } from './store/state/sync-state.js';
import type { SyncStore } from './store/sync-store.port.js';
import { syncRulesTopicSpecs, syncRulesTopics, type SyncRulesTopics } from './topics.js';
import { accountChangeItem, isAccountChangeKey, subjectKey, WorkItem } from './work/work-item.js';

const parseWorkItem = exactParser(WorkItem);

export interface SyncRulesOptions {
  readonly kafka: Kafka;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly own: OwnOrigin;
  readonly topicPrefix: string | undefined;
  /** Consumer group prefix; instances with the same one share the work. */
  readonly groupPrefix: string;
  /** Keys processed at once within a batch. */
  readonly keyConcurrency: number;
  /** Partitions processed at once per stage, each in its own transaction. */
  readonly partitionsConcurrently: number;
  /** Most bytes of one fetch per stage (kafkajs' default, 10 MiB, without it). */
  readonly fetchMaxBytes?: number;
  /** Where the state's rows live (default: the JS heap); closed when the engine stops. */
  readonly stateStorage?: StateStorage;
  /**
   * Called when committed rows could not be written to the state store (a full disk, an I/O
   * error): this instance's state no longer matches the changelog, so it must not decide on.
   * The service exits, and its restart restores the state from the changelog; Kafka
   * transactions make that as safe as any crash. Tests observe it instead.
   */
  readonly onStateStoreFailure: (error: unknown) => void;
  /** Where the read model for the settings API goes; without it no read model is written. */
  readonly readModel?: Db;
  /**
   * When the read model pauses for the engine's backlog (route and decide stages of this
   * instance); without it, or with `pauseAt` 0, it never does.
   */
  readonly readModelYield?: ReadModelYieldSettings;
  /** Fault injection for tests (see TransactionalPipelineOptions.beforeCommit). */
  readonly beforeDecideCommit?: (ctx: {
    readonly topic: string;
    readonly partition: number;
  }) => void;
}

/**
 * The sync-rules engine. Its state lives in a local store (`SyncState`), durable in a compacted
 * changelog topic written in the same Kafka transaction as each batch's outputs and input
 * offsets: state, commands and progress commit together or not at all (exactly-once), and no
 * database round trip is on the per-event path. Consumers in one process:
 * - route (transactional): CRM changes and command results → work items keyed by sync subject;
 * - decide (transactional): work items → commands, decisions, forwards (and, when `direct`, the
 *   Salesforce changes: accounts decided at once, the rest routed);
 * - control (every instance reads all of it): settings and mappings → the connection configs;
 * - state replica: follows the changelog, so rows owned by other partitions/instances are seen;
 * - read model (optional, one group): changelog and decisions → MongoDB for the settings API;
 *   it pauses while this instance's route and decide stages have a backlog (`readModelYield`).
 * Kafka's consumer groups split the route and decide partitions between instances.
 */
export class SyncRulesEngine {
  readonly topics: SyncRulesTopics;
  readonly state: SyncState;
  private readonly replica: StateReplica;
  private readonly readModel: ReadModelSink | undefined;
  private readonly connections: ConnectionSource;
  private readonly jobProgress: JobProgressWriter | undefined;
  private readonly counts: SyncCountsWriter | undefined;
  private jobs: TransactionalPipeline | undefined;
  private route: TransactionalPipeline | undefined;
  private decide: TransactionalPipeline | undefined;
  private control: Consumer | undefined;
  private readonly controlPosition = new Map<number, bigint>();
  /**
   * The decide stage reads the Salesforce change topic itself (no route hop) when the work topic
   * and that topic have as many partitions: an account's change events and its work items then
   * share a partition number, which the co-partitioned assignor keeps on one member. It decides
   * the account changes there and routes the rest (contacts, leads) as the route stage would.
   */
  private direct = false;
  /**
   * Likewise for the command results: the decide stage reads them itself when the work topic and
   * the results topic have as many partitions. A result keyed by its subject (an account's, as
   * every HubSpot company upsert's is) is decided there; the others are routed.
   */
  private directResults = false;

  constructor(private readonly options: SyncRulesOptions) {
    this.topics = syncRulesTopics(options.topicPrefix);
    this.state = new SyncState(options.stateStorage);
    this.replica = new StateReplica(
      options.kafka,
      this.topics.state,
      options.groupPrefix,
      this.state,
      options.logger,
      (records) => this.applyCommitted(records),
    );
    this.connections = { get: (c) => Promise.resolve(this.state.connections.getShared(c)) };
    this.readModel = options.readModel
      ? new ReadModelSink({
          kafka: options.kafka,
          db: options.readModel,
          stateTopic: this.topics.state,
          decisionsTopic: this.topics.syncDecisions,
          groupId: `${options.groupPrefix}-read-model`,
          logger: options.logger,
          ...(options.readModelYield && options.readModelYield.pauseAt > 0
            ? {
                yieldTo: {
                  backlog: () => (this.decide?.backlog() ?? 0) + (this.route?.backlog() ?? 0),
                  policy: new ReadModelYield(options.readModelYield),
                  nowMs: () => options.clock.now().getTime(),
                  everyMs: 250,
                },
              }
            : {}),
        })
      : undefined;
    this.counts = options.readModel
      ? new SyncCountsWriter({
          db: options.readModel,
          state: this.state,
          logger: options.logger,
          now: () => options.clock.now(),
          intervalMs: 1_000,
        })
      : undefined;
    this.jobProgress = options.readModel
      ? new JobProgressWriter({
          kafka: options.kafka,
          db: options.readModel,
          topic: this.topics.jobEvents,
          groupId: `${options.groupPrefix}-job-progress`,
          logger: options.logger,
        })
      : undefined;
  }

  /** A read-only view of the committed state (tests, diagnostics). */
  view(): SyncStore {
    return new StateBatch(this.state, () => 0);
  }

  async start(): Promise<void> {
    const { kafka, logger, groupPrefix } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    let controlEnd: Map<number, bigint>;
    try {
      await ensureTopics(admin, syncRulesTopicSpecs(this.options.topicPrefix));
      const meta = await admin.fetchTopicMetadata({
        topics: [this.topics.work, this.topics.salesforceChanges, this.topics.commandResults],
      });
      const [work, changes, results] = meta.topics.map((t) => t.partitions.length);
      this.direct = work !== undefined && work === changes;
      if (!this.direct) {
        logger.warn('work and Salesforce change topics differ in partitions: accounts routed', {
          work,
          salesforceChanges: changes,
        });
      }
      this.directResults = work !== undefined && work === results;
      if (!this.directResults) {
        logger.warn('work and command result topics differ in partitions: results routed', {
          work,
          commandResults: results,
        });
      }
      controlEnd = new Map(
        (await fetchTopicOffsets(admin, this.topics.syncControl)).map((p) => [
          p.partition,
          BigInt(p.high) - 1n,
        ]),
      );
    } finally {
      await admin.disconnect();
    }
    // Every instance reads the whole control topic (kept forever): configs are state of all.
    this.control = kafka.consumer({
      groupId: `${groupPrefix}-control-${randomUUID()}`,
      maxWaitTimeInMs: 50,
    });
    await this.control.connect();
    await this.control.subscribe({ topic: this.topics.syncControl, fromBeginning: true });
    const controlCaughtUp = new Promise<void>((resolve) => {
      const check = () => {
        for (const [p, last] of controlEnd) {
          if ((this.controlPosition.get(p) ?? -1n) < last) return false;
        }
        resolve();
        return true;
      };
      if (!check()) this.controlCheck = check;
    });
    await this.control.run({
      eachMessage: ({ message, partition }) => {
        this.onControl(message.value?.toString() ?? '', BigInt(message.offset));
        this.controlPosition.set(partition, BigInt(message.offset));
        if (this.controlCheck?.()) this.controlCheck = undefined;
        return Promise.resolve();
      },
    });
    await this.replica.start();
    await Promise.all([controlCaughtUp, this.replica.barrier()]);
    logger.info('state restored', {
      rows: [...this.state.tables.values()].reduce((n, t) => n + t.size, 0),
      connections: this.state.connections.size,
    });

    const fetchBound =
      this.options.fetchMaxBytes === undefined
        ? {}
        : { maxBytesPerFetch: this.options.fetchMaxBytes };
    this.decide = new TransactionalPipeline({
      kafka,
      logger,
      groupId: this.decideGroup,
      topics: [
        this.topics.work,
        ...(this.direct ? [this.topics.salesforceChanges] : []),
        ...(this.directResults ? [this.topics.commandResults] : []),
      ],
      ...(this.direct || this.directResults
        ? { coPartitioned: { assigners: [coPartitionedAssigner] } }
        : {}),
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      ...fetchBound,
      handle: (messages, ctx) => this.decideBatch(messages, ctx),
      beforeFirstBatchAfterJoin: async (joined) => {
        await this.replica.barrier();
        if (this.directResults) await this.takeOverResults(joined);
      },
      ...(this.options.beforeDecideCommit ? { beforeCommit: this.options.beforeDecideCommit } : {}),
    });
    this.route = new TransactionalPipeline({
      kafka,
      logger,
      groupId: this.routeGroup,
      // With `direct` (`directResults`), the decide stage reads the Salesforce change topic
      // (the command results), all of it.
      topics: [
        ...(this.direct ? [] : [this.topics.salesforceChanges]),
        this.topics.hubspotChanges,
        ...(this.directResults ? [] : [this.topics.commandResults]),
      ],
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      ...fetchBound,
      handle: (messages, ctx) => this.routeBatch(messages, ctx),
      beforeFirstBatchAfterJoin: () => this.replica.barrier(),
    });
    // Job requests are planned once (one group), unlike settings, which every instance reads.
    this.jobs = new TransactionalPipeline({
      kafka,
      logger,
      groupId: `${groupPrefix}-jobs`,
      topics: [this.topics.syncControl],
      handle: (messages, ctx) => {
        const batch = this.beginBatch();
        const out = planJobs({
          messages,
          state: this.state,
          batch,
          topics: this.topics,
          now: this.options.clock.now().toISOString(),
          warn: (msg, fields) => {
            logger.warn(msg, fields);
          },
        });
        return Promise.resolve([...out, ...this.finishBatch(ctx, batch)]);
      },
      beforeFirstBatchAfterJoin: () => this.replica.barrier(),
    });
    await this.decide.start();
    await this.route.start();
    await this.jobs.start();
    if (this.readModel) {
      await this.readModel.ensureIndexes();
      await this.readModel.start();
    }
    this.counts?.start();
    await this.jobProgress?.start();
  }

  private controlCheck: (() => boolean) | undefined;

  /** Stops consuming upstream first, so the decide stage drains what routing already produced. */
  async stop(): Promise<void> {
    await this.jobs?.stop();
    await this.route?.stop();
    await this.decide?.stop();
    await this.control?.disconnect();
    await this.replica.stop();
    await this.readModel?.stop();
    await this.counts?.stop();
    await this.jobProgress?.stop();
    this.state.close();
  }

  /**
   * Committed records into the state: a batch's own after its commit, everyone's from the
   * replica. A store that refuses them is reported (`onStateStoreFailure`) and the error rethrown.
   */
  private applyCommitted(records: readonly StateRecord[]): number {
    try {
      return applyRecords(this.state, records);
    } catch (error) {
      this.options.logger.error(
        'the state store refused committed rows: stopping, so that a restart restores the state from the changelog',
        { error },
      );
      this.options.onStateStoreFailure(error);
      throw error;
    }
  }

  private onControl(raw: string, offset: bigint): void {
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
    const connections = this.state.connections;
    const current = connections.get(msg.connectionId);
    const seq = Number(offset) + 1;
    if (msg.type === 'sync.settings-changed.v1') {
      connections.apply(msg.connectionId, seq, {
        settings: msg.payload.settings,
        mappings: current?.mappings ?? [],
      });
    } else if (msg.type === 'sync.mappings-changed.v1') {
      if (!current) {
        this.options.logger.warn('mappings for an unknown connection; ignored', {
          connectionId: msg.connectionId,
        });
        return;
      }
      connections.apply(msg.connectionId, seq, {
        settings: current.settings,
        mappings: msg.payload.mappings,
      });
    }
  }

  /** A batch's own store: staged writes become state when its transaction commits. */
  private beginBatch(): StateBatch {
    return new StateBatch(this.state, () => this.options.clock.now().getTime() * 1000);
  }

  /** The batch's changes as changelog records; they become state once its transaction commits. */
  private finishBatch(ctx: BatchContext, batch: StateBatch): OutboundMessage[] {
    const records = batch.records();
    if (records.length > 0) ctx.onCommit(() => this.applyCommitted(records));
    return records.map((r) => encodeRecord(this.topics.state, r));
  }

  private async routeBatch(
    messages: readonly InboundMessage[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const store = this.beginBatch();
    const router = new Router(store, this.topics);
    const out = await inKeyOrder(messages, this.options.keyConcurrency, (m) =>
      this.routeOne(router, m, this.routeGroup),
    );
    return [...out, ...this.finishBatch(ctx, store)];
  }

  /** One message re-keyed to its sync subject: work items, or a dead letter. */
  private async routeOne(
    router: Router,
    m: InboundMessage,
    group: string,
  ): Promise<OutboundMessage[]> {
    const outcome = await router.route(m);
    if (outcome.kind === 'dead-letter') return [this.deadLetter(m, outcome.reason, group)];
    return outcome.items.map((item) => this.workMessage(item));
  }

  /** A work item on the work topic, keyed by its subject. */
  private workMessage(item: WorkItem): OutboundMessage {
    return {
      topic: this.topics.work,
      key: subjectKey(item.connectionId, item.subject),
      value: JSON.stringify(item),
    };
  }

  private async decideBatch(
    messages: readonly InboundMessage[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const store = this.beginBatch();
    const decider = new Decider({
      store,
      connections: this.connections,
      clock: this.options.clock,
      own: this.options.own,
    });
    let router: Router | undefined;
    const out = await inKeyOrder(messages, this.options.keyConcurrency, (m) => {
      if (m.topic === this.topics.commandResults) {
        router ??= new Router(store, this.topics);
        return this.decideResult(router, decider, store, m);
      }
      if (m.topic !== this.topics.salesforceChanges) return this.decideWork(decider, store, m);
      if (isAccountChangeKey(m.key)) return this.decideAccountChange(decider, store, m);
      // Contacts and leads are routed here, in this batch's transaction: no other stage reads
      // the topic, so the route stage never fetches (and drops) the account changes.
      router ??= new Router(store, this.topics);
      return this.routeOne(router, m, this.decideGroup);
    });
    return [...out, ...this.finishBatch(ctx, store)];
  }

  private async decideWork(
    decider: Decider,
    store: StateBatch,
    m: InboundMessage,
  ): Promise<OutboundMessage[]> {
    const parsed = parseWorkItem(m.value === null ? null : safeJson(m.value));
    if (!parsed.success) {
      return [this.deadLetter(m, `not a work item: ${parsed.error.message}`, this.decideGroup)];
    }
    return this.decideItem(decider, store, parsed.data);
  }

  /**
   * A command result read directly: routed as the route stage would, and its work item decided
   * here when its subject's key is the message's (co-partitioned, so this partition owns it),
   * else sent to the work topic.
   */
  private async decideResult(
    router: Router,
    decider: Decider,
    store: StateBatch,
    m: InboundMessage,
  ): Promise<OutboundMessage[]> {
    const outcome = await router.route(m);
    if (outcome.kind === 'dead-letter')
      return [this.deadLetter(m, outcome.reason, this.decideGroup)];
    const out: OutboundMessage[] = [];
    for (const item of outcome.items) {
      if (subjectKey(item.connectionId, item.subject) === m.key) {
        out.push(...(await this.decideItem(decider, store, item)));
      } else {
        out.push(this.workMessage(item));
      }
    }
    return out;
  }

  /**
   * Where the decide stage starts on the command results it now holds and has never committed
   * on: where the route stage left them, if it ever read them (an upgrade from a version whose
   * route stage read the results, so that those it committed are not decided again). After a
   * join the group's coordinator has loaded its positions, so they can be read at once.
   */
  private async takeOverResults(joined: AfterJoin): Promise<void> {
    const topic = this.topics.commandResults;
    const held = joined.assigned[topic] ?? [];
    if (held.length === 0) return;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const decided = await committedOffsets(admin, this.decideGroup, topic);
      const fresh = held.filter((p) => !decided.has(p));
      if (fresh.length === 0) return;
      const routed = await committedOffsets(admin, this.routeGroup, topic);
      for (const partition of fresh) {
        const offset = routed.get(partition);
        if (offset !== undefined) joined.seek(topic, partition, offset);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async decideAccountChange(
    decider: Decider,
    store: StateBatch,
    m: InboundMessage,
  ): Promise<OutboundMessage[]> {
    const json = m.value === null ? undefined : safeJson(m.value);
    if (json === undefined) return [this.deadLetter(m, 'not JSON', this.decideGroup)];
    const parsed = parseChangeEvent(json);
    if (!parsed.ok) return [this.deadLetter(m, parsed.reason, this.decideGroup)];
    const event = parsed.event;
    if (event.payload.kind !== 'salesforce_account') {
      return [
        this.deadLetter(m, `an account's key on a ${event.payload.kind} change`, this.decideGroup),
      ];
    }
    return this.decideItem(decider, store, accountChangeItem(event, event.payload.recordId));
  }

  private get routeGroup(): string {
    return `${this.options.groupPrefix}-route`;
  }

  private get decideGroup(): string {
    return `${this.options.groupPrefix}-decide`;
  }

  private async decideItem(
    decider: Decider,
    store: StateBatch,
    item: WorkItem,
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    const now = this.options.clock.now().toISOString();
    if (item.cause.kind === 'job' && store.isJobCancelled(item.connectionId, item.cause.jobId)) {
      const skipped = itemDone(this.topics, item, 'skipped', now);
      return skipped ? [skipped] : [];
    }
    const fx = await decider.process(item);
    if (fx.forwards.length === 0) {
      const done = itemDone(this.topics, item, 'done', now);
      if (done) out.push(done);
    }
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
    for (const fwd of fx.forwards) out.push(this.workMessage(fwd));
    if (fx.decisions.length > 0) {
      const ids = fx.decisions.map((_, i) => `${item.id}~d${i}`);
      for (const [i, d] of fx.decisions.entries()) {
        const envelope: DecisionRecorded = {
          id: ids[i] ?? '',
          type: 'sync.decision-recorded.v1',
          connectionId: item.connectionId,
          occurredAt: d.decidedAt,
          source: 'sync-rules',
          payload: d,
        };
        out.push({
          topic: this.topics.syncDecisions,
          key: recordKey(item.connectionId, d.subject),
          value: JSON.stringify(envelope),
        });
      }
    }
    return out;
  }

  private deadLetter(m: InboundMessage, reason: string, group: string): OutboundMessage {
    this.options.logger.warn('message dead-lettered', {
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      reason: reason.slice(0, 200),
    });
    return {
      topic: this.topics.deadLetter,
      ...deadLetterRecord({
        failed: m,
        reason,
        consumerGroup: group,
        source: 'sync-rules',
        now: this.options.clock.now().toISOString(),
      }),
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
