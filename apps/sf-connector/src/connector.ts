import {
  BudgetReporter,
  MongoBudgetReportStore,
  type Clock,
  type ConnectorMetrics,
} from '@crm-sync/connector-kit';
import type { ControlMessage } from '@crm-sync/domain';
import { ensureTopics, type Admin, type Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { Db } from 'mongodb';
import { CaptureStore } from './capture/capture-store.js';
import { ChangePublisher } from './capture/publisher.js';
import { CommandPipeline } from './commands/command-pipeline.js';
import type { ConnectionSettings, RetrySettings } from './config.js';
import { deadLetterMessage } from './dead-letter.js';
import { JobStore } from './jobs/job-store.js';
import { KafkaEngineBacklog, LookAhead } from './jobs/look-ahead.js';
import { ControlConsumer } from './ownership/control-consumer.js';
import { ConnectionRuntime } from './runtime/connection-runtime.js';
import { sfConnectorTopicSpecs, sfConnectorTopics, type SfConnectorTopics } from './topics.js';

const SHARE_REFRESH_MS = 30_000;
const LAG_REFRESH_MS = 15_000;
/** A waiting job reads the engine's backlog this often; it waits at most a minute (`LookAhead`). */
const LOOK_AHEAD_CHECK_MS = 250;
const LOOK_AHEAD_MAX_WAIT_MS = 60_000;

export interface SfConnectorOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly db: Db;
  readonly connections: readonly ConnectionSettings[];
  readonly topicPrefix: string | undefined;
  /** Consumer group prefix: instances with the same one share the work. */
  readonly groupPrefix: string;
  readonly commandPartitionsConcurrently: number;
  /** Most bytes fetched per command partition at once. */
  readonly commandFetchBytes: number;
  /** Most bytes of one fetch over all command partitions (the commands in memory at once). */
  readonly commandFetchMaxBytes: number;
  readonly retry: RetrySettings;
  /** How often each connection's API budget is written to `api_budget` (settings API status). */
  readonly budgetReportIntervalMs: number;
  /**
   * Jobs wait while the engine's group has `maxAhead` or more changes yet to decide (see
   * `LookAhead`); none, or 0: they never wait.
   */
  readonly jobLookAhead?: { readonly maxAhead: number; readonly engineGroup: string };
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  /** Fault injection for tests: a throw here is a crash between producing results and committing. */
  readonly beforeCommandCommit?: (ctx: {
    readonly topic: string;
    readonly partition: number;
  }) => void;
}

/**
 * sf-connector in one process:
 * - the command pipeline (every instance; Kafka spreads the command partitions);
 * - the control consumer, whose partition assignment decides which connections this instance
 *   owns (capture and jobs run only there);
 * - one `ConnectionRuntime` per configured connection.
 */
export class SfConnector {
  readonly topics: SfConnectorTopics;
  readonly runtimes = new Map<string, ConnectionRuntime>();
  private readonly publisher: ChangePublisher;
  private readonly commands: CommandPipeline;
  private readonly control: ControlConsumer;
  readonly budgetReports: BudgetReporter;
  private assignment: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: SfConnectorOptions) {
    this.topics = sfConnectorTopics(o.topicPrefix);
    this.publisher = new ChangePublisher(o.kafka);
    const deps = {
      kafka: o.kafka,
      groupPrefix: o.groupPrefix,
      captureStore: new CaptureStore(o.db),
      jobStore: new JobStore(o.db),
      publisher: this.publisher,
      lookAhead: jobLookAhead(o, this.topics.salesforceChanges),
      topics: this.topics,
      clock: o.clock,
      metrics: o.metrics,
      logger: o.logger,
    };
    for (const settings of o.connections) {
      this.runtimes.set(settings.connectionId, new ConnectionRuntime(settings, deps));
    }
    this.budgetReports = new BudgetReporter({
      store: new MongoBudgetReportStore(o.db),
      intervalMs: o.budgetReportIntervalMs,
      clock: o.clock,
      logger: o.logger,
    });
    for (const runtime of this.runtimes.values()) this.budgetReports.watch(runtime);
    this.commands = new CommandPipeline({
      kafka: o.kafka,
      topics: this.topics,
      groupId: this.commandGroup,
      serves: (id) => this.runtimes.has(id),
      executorFor: (id) => this.runtime(id).executor(),
      partitionsConcurrently: o.commandPartitionsConcurrently,
      fetchBytes: o.commandFetchBytes,
      fetchMaxBytes: o.commandFetchMaxBytes,
      retry: o.retry,
      clock: o.clock,
      metrics: o.metrics,
      logger: o.logger,
      ...(o.beforeCommandCommit ? { beforeCommit: o.beforeCommandCommit } : {}),
    });
    this.control = new ControlConsumer({
      kafka: o.kafka,
      topic: this.topics.syncControl,
      groupId: this.controlGroup,
      connectionIds: [...this.runtimes.keys()],
      onAssignment: (owned) => {
        this.assignment = this.assignment.then(() => this.reconcile(owned));
      },
      onMessage: (m) => this.onControl(m),
      deadLetter: async (failed) => {
        o.metrics.errors.inc({ connection: 'unknown', category: 'poison' });
        await this.publisher.publish([
          deadLetterMessage({
            deadLetterTopic: this.topics.deadLetter,
            failed: { topic: this.topics.syncControl, ...failed },
            reason: failed.reason,
            consumerGroup: this.controlGroup,
            connectionId: undefined,
            now: new Date(o.clock.now()).toISOString(),
          }),
        ]);
      },
      logger: o.logger,
    });
  }

  get commandGroup(): string {
    return `${this.o.groupPrefix}-commands`;
  }

  get controlGroup(): string {
    return `${this.o.groupPrefix}-control`;
  }

  runtime(connectionId: string): ConnectionRuntime {
    const r = this.runtimes.get(connectionId);
    if (!r) throw new Error(`connection ${connectionId} is not served here`);
    return r;
  }

  async start(): Promise<void> {
    await ensureTopics(this.o.admin, sfConnectorTopicSpecs(this.o.topicPrefix));
    await this.publisher.start();
    await this.commands.start();
    await this.control.start();
    this.every(SHARE_REFRESH_MS, () => this.refreshShare());
    this.every(LAG_REFRESH_MS, () => this.refreshLag());
    this.budgetReports.start();
  }

  /**
   * Graceful stop: no new control messages; owned connections finish the page or CDC round in
   * flight and store their cursors; command batches in flight finish (or are released for
   * redelivery after a grace period); the final budget reports are written; then the producer
   * goes.
   */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.control.stop();
    await this.assignment;
    await Promise.all([...this.runtimes.values()].map((r) => r.release()));
    await this.commands.stop();
    // Every call has been made: the last report (marked stopped) holds them all.
    await this.budgetReports.stop();
    await this.publisher.stop();
  }

  private async reconcile(owned: readonly string[]): Promise<void> {
    for (const runtime of this.runtimes.values()) {
      if (owned.includes(runtime.connectionId)) runtime.own();
      else await runtime.release();
    }
  }

  private async onControl(message: ControlMessage): Promise<void> {
    await this.runtimes.get(message.connectionId)?.onControl(message);
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((e: unknown) => {
        this.o.logger.debug('periodic task failed', {
          error: e instanceof Error ? e.message : String(e),
        });
      });
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** N instances in the command group split each connection's budget evenly. */
  private async refreshShare(): Promise<void> {
    const { groups } = await this.o.admin.describeGroups([this.commandGroup]);
    const members = Math.max(1, groups[0]?.members.length ?? 1);
    for (const r of this.runtimes.values()) r.setShare(1 / members);
  }

  private async refreshLag(): Promise<void> {
    const pairs = [
      { group: this.commandGroup, topic: this.topics.salesforceCommands },
      { group: this.controlGroup, topic: this.topics.syncControl },
    ];
    for (const { group, topic } of pairs) {
      const [high, committed] = await Promise.all([
        this.o.admin.fetchTopicOffsets(topic),
        this.o.admin.fetchOffsets({ groupId: group, topics: [topic] }),
      ]);
      const next = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
      );
      for (const p of high) {
        const offset = next.get(p.partition) ?? -1n;
        const consumedUpTo = offset < 0n ? BigInt(p.low) - 1n : offset - 1n;
        this.o.metrics.recordLag(group, topic, p.partition, p.high, consumedUpTo.toString());
      }
    }
  }
}

/** The jobs' look-ahead on the engine's lag on `changeTopic` (at `maxAhead` 0 it never waits). */
function jobLookAhead(o: SfConnectorOptions, changeTopic: string): LookAhead | undefined {
  const { jobLookAhead: settings, admin, clock, logger } = o;
  if (settings === undefined) return undefined;
  return new LookAhead({
    backlog: new KafkaEngineBacklog(admin, settings.engineGroup, changeTopic),
    settings: {
      maxAhead: settings.maxAhead,
      checkMs: LOOK_AHEAD_CHECK_MS,
      maxWaitMs: LOOK_AHEAD_MAX_WAIT_MS,
    },
    clock,
    logger,
  });
}
