import {
  BudgetReporter,
  MongoBudgetReportStore,
  type Clock,
  type ConnectorMetrics,
} from '@crm-sync/connector-kit';
import type { HubSpotChangeEvent } from '@crm-sync/domain';
import {
  ensureTopics,
  TransactionalPipeline,
  type Admin,
  type Kafka,
  type Producer,
} from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { Db } from 'mongodb';
import { objectLabel, toMessage } from './changes/change-events.js';
import { CommandProcessor } from './commands/command-processor.js';
import type { HsConnectorConfig } from './config.js';
import {
  Connections,
  createConnectionRuntime,
  type ConnectionRuntime,
} from './connections/connection-runtime.js';
import { budgetSource } from './hubspot/connection-budget.js';
import { InboxProcessor } from './inbox/inbox-processor.js';
import { LagSampler } from './metrics/lag-sampler.js';
import { ConnectionPoller } from './polling/connection-poller.js';
import { MongoPollState } from './polling/mongo.poll-state.js';
import { PollOwnership, type Ownership } from './polling/poll-ownership.js';
import { PollScheduler } from './polling/poll-scheduler.js';
import { WrittenVersions } from './polling/written-versions.js';
import { hsConnectorTopics, hsConnectorTopicSpecs, type HsConnectorTopics } from './topics.js';
import { chunk } from './util/batching.js';
import { HubSpotWebhookAppApi } from './webhooks/hubspot.webhook-app-api.js';
import { wantedSubscriptions } from './webhooks/subscription-plan.js';
import { SubscriptionSetup } from './webhooks/subscription-setup.js';

export interface EngineOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly db: Db;
  readonly config: HsConnectorConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
}

/** How long shutdown lets in-flight batches finish before it aborts their waits. */
const DRAIN_MS = 10_000;
const PUBLISH_CHUNK = 1_000;
/** HubSpot's webhook concurrency for a target we set (an existing one's setting is kept). */
const WEBHOOK_MAX_CONCURRENT_REQUESTS = 10;

/**
 * hs-connector's work, started after Nest is up and stopped first at shutdown:
 * - inbox pipeline: webhook inbox → change events (transactional, every instance);
 * - command pipelines: HubSpot commands → batch writes → results (transactional, every
 *   instance), `commandConsumers` members of the command group whose writes pool together;
 * - the app's webhook target and subscriptions, ensured at start-up when a developer key is
 *   configured (push: live changes);
 * - poll ownership and one poll loop per owned connection (reconciliation);
 * - consumer lag sampling for `/metrics`;
 * - budget reports: each connection's API budget use, written to `api_budget` every few seconds.
 * Instances with the same group split the partitions; the connection's budget is split evenly.
 */
export class HsConnectorEngine {
  readonly topics: HsConnectorTopics;
  readonly connections: Connections;
  readonly scheduler: PollScheduler;
  /** Writes each connection's budget to `api_budget` for the settings API's status. */
  readonly budgetReports: BudgetReporter;
  /** The last poll ownership this instance was given (tests and logs read it). */
  ownership: Ownership = { owned: new Set(), members: 1 };
  private readonly shutdown = new AbortController();
  private readonly pollState: MongoPollState;
  /** Versions our writes produced, which this instance's polls skip (shared by both). */
  private readonly writtenVersions: WrittenVersions;
  private readonly groups: { inbox: string; commands: string; owners: string };
  private inbox: TransactionalPipeline | undefined;
  private commands: TransactionalPipeline[] = [];
  private commandProcessor: CommandProcessor | undefined;
  private owners: PollOwnership | undefined;
  private lag: LagSampler | undefined;
  private producer: Producer | undefined;
  /** Undefined without a developer key: then HubSpot is configured by hand, or polled only. */
  readonly subscriptions: SubscriptionSetup | undefined;

  constructor(private readonly options: EngineOptions) {
    const { config } = options;
    this.topics = hsConnectorTopics(config.KAFKA_TOPIC_PREFIX);
    this.groups = {
      inbox: `${config.group}-inbox`,
      commands: `${config.group}-commands`,
      owners: `${config.group}-poll-owners`,
    };
    const runtimes = new Map<string, ConnectionRuntime>();
    for (const [id, c] of config.connections) {
      runtimes.set(
        id,
        createConnectionRuntime(c, {
          clock: options.clock,
          metrics: options.metrics,
          logger: options.logger,
          http: config.http,
          signal: this.shutdown.signal,
        }),
      );
    }
    this.connections = new Connections(runtimes);
    this.budgetReports = new BudgetReporter({
      store: new MongoBudgetReportStore(options.db),
      intervalMs: config.budgetReportIntervalMs,
      clock: options.clock,
      logger: options.logger,
    });
    for (const [id, r] of runtimes) this.budgetReports.watch(budgetSource(id, r.budget));
    const app = config.webhook.app;
    this.subscriptions =
      app === undefined
        ? undefined
        : new SubscriptionSetup({
            api: new HubSpotWebhookAppApi({
              basePath: app.baseUrl,
              developerApiKey: app.developerApiKey,
              appId: app.appId,
              timeoutMs: config.http.timeoutMs,
            }),
            appId: app.appId,
            targetUrl: app.targetUrl,
            wanted: wantedSubscriptions(...this.connections.all().map((r) => r.properties)),
            defaultMaxConcurrentRequests: WEBHOOK_MAX_CONCURRENT_REQUESTS,
            logger: options.logger.child({ component: 'webhook-subscriptions' }),
            clock: options.clock,
          });
    this.pollState = new MongoPollState(options.db);
    this.writtenVersions = new WrittenVersions(config.polling.skipWrittenMax);
    this.scheduler = new PollScheduler(
      (id, signal) => this.pollerFor(id).run(signal),
      options.logger.child({ component: 'polling' }),
    );
  }

  async start(): Promise<void> {
    const { kafka, admin, config, logger, metrics, clock } = this.options;
    await ensureTopics(admin, hsConnectorTopicSpecs(config.KAFKA_TOPIC_PREFIX));
    for (const r of this.connections.all()) await r.start();
    this.budgetReports.start();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    this.producer = producer;

    const common = {
      connections: this.connections,
      deadLetterTopic: this.topics.deadLetter,
      metrics,
      clock,
      concurrency: config.http.concurrency,
      signal: this.shutdown.signal,
    };
    const inbox = new InboxProcessor({
      ...common,
      changesTopic: this.topics.hubspotChanges,
      groupId: this.groups.inbox,
      logger: logger.child({ component: 'inbox' }),
    });
    const commands = new CommandProcessor({
      ...common,
      resultsTopic: this.topics.commandResults,
      groupId: this.groups.commands,
      logger: logger.child({ component: 'commands' }),
      writtenVersions: this.writtenVersions,
    });
    this.commandProcessor = commands;
    this.inbox = new TransactionalPipeline({
      kafka,
      logger,
      groupId: this.groups.inbox,
      topics: [this.topics.webhookInbox],
      partitionsConsumedConcurrently: config.partitionsConcurrently,
      maxBytesPerFetch: config.fetchMaxBytes,
      handle: (messages, ctx) => inbox.handle(messages, ctx),
    });
    // One processor for all the command consumers: their batches' writes pool into full
    // requests, and one consumer's fetch fills the requests while another's batches finish.
    this.commands = Array.from(
      { length: config.commandConsumers },
      () =>
        new TransactionalPipeline({
          kafka,
          logger,
          groupId: this.groups.commands,
          topics: [this.topics.hubspotCommands],
          partitionsConsumedConcurrently: config.partitionsConcurrently,
          maxBytesPerFetch: Math.floor(config.fetchMaxBytes / config.commandConsumers),
          handle: (messages, ctx) => commands.handle(messages, ctx),
        }),
    );
    await this.inbox.start();
    for (const pipeline of this.commands) await pipeline.start();

    this.owners = new PollOwnership({
      kafka,
      admin,
      topic: this.topics.syncControl,
      groupId: this.groups.owners,
      connectionIds: this.connections.ids(),
      logger: logger.child({ component: 'poll-ownership' }),
      onChange: (ownership) => {
        this.ownership = ownership;
        this.connections.setShare(1 / ownership.members);
        this.scheduler.update(ownership.owned);
      },
    });
    await this.owners.start();

    this.lag = new LagSampler(
      admin,
      metrics,
      [
        { groupId: this.groups.inbox, topic: this.topics.webhookInbox },
        { groupId: this.groups.commands, topic: this.topics.hubspotCommands },
      ],
      config.metricsLagIntervalMs,
      logger,
    );
    this.lag.start();
    // Last: deliveries HubSpot sends once the subscriptions exist find the pipelines running.
    await this.subscriptions?.start();
  }

  /**
   * Stops polling, then lets the pipelines finish their in-flight batches (their consumers
   * leave the group, so others take the partitions over); after `DRAIN_MS` the budget and
   * backoff waits are aborted, which aborts those batches' transactions (they run again
   * elsewhere). The producer goes last.
   */
  async stop(): Promise<void> {
    await this.subscriptions?.stop();
    await this.owners?.stop();
    const drained = setTimeout(() => {
      this.shutdown.abort(new Error('hs-connector is shutting down'));
    }, DRAIN_MS);
    try {
      await this.scheduler.stop();
      await Promise.all([this.inbox?.stop(), ...this.commands.map((p) => p.stop())]);
    } finally {
      clearTimeout(drained);
      this.shutdown.abort(new Error('hs-connector stopped'));
    }
    await this.lag?.stop();
    // Every request has been made: the last report (marked stopped) holds them all.
    await this.budgetReports.stop();
    await this.producer?.disconnect();
  }

  private pollerFor(connectionId: string): ConnectionPoller {
    const runtime = this.connections.get(connectionId);
    if (runtime === undefined) throw new Error(`unknown connection ${connectionId}`);
    const { config, logger, clock } = this.options;
    return new ConnectionPoller({
      connectionId,
      api: runtime.api,
      properties: runtime.properties,
      state: this.pollState,
      publish: (events) => this.publish(connectionId, events),
      clock,
      logger: logger.child({ component: 'polling', connectionId }),
      settings: { ...config.polling, sweepPagesPerCycle: 20 },
      concurrency: config.http.concurrency,
      writtenVersions: this.writtenVersions,
      commandBacklog: () => this.commandsWaiting(),
    });
  }

  /**
   * HubSpot commands this instance has yet to carry out: those it holds (most wait for the
   * budget) and those behind them in its partitions of the command topic.
   */
  private commandsWaiting(): number {
    const behind = this.commands.reduce((sum, p) => sum + p.backlog(), 0);
    return behind + (this.commandProcessor?.inHand ?? 0);
  }

  /** Poll events to Kafka, acknowledged by all in-sync replicas before the cursor moves. */
  private async publish(
    connectionId: string,
    events: readonly HubSpotChangeEvent[],
  ): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new Error('hs-connector is not started');
    for (const part of chunk(events, PUBLISH_CHUNK)) {
      await producer.send({
        topic: this.topics.hubspotChanges,
        acks: -1,
        messages: part.map((e) => {
          const { key, value } = toMessage(this.topics.hubspotChanges, e);
          return { key, value };
        }),
      });
    }
    this.options.logger.debug('poll changes captured', {
      connectionId,
      events: events.length,
      ownWrites: events.filter(
        (e) => e.payload.sourceId === this.connections.get(connectionId)?.config.appId,
      ).length,
    });
    for (const e of events) {
      this.options.metrics.changesCaptured.inc({
        connection: connectionId,
        object: objectLabel(e),
        method: 'poll',
      });
    }
  }
}
