import {
  changeEventKey,
  type ChangeEvent,
  type CommandResult,
  type ConnectionSettings,
  type DecisionRecorded,
  type FieldMapping,
  type JobProgress,
  type HubSpotCommand,
  type SalesforceCommand,
} from '@crm-sync/domain';
import { tmpdir } from 'node:os';
import { ensureTopics, type Kafka, type Producer } from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import {
  collect,
  createTestDatabase,
  deleteTopicsWithPrefix,
  testKafka,
  uniqueName,
  waitFor,
  type Collector,
  type TestDatabase,
} from '@crm-sync/testing';
import { systemClock } from '../src/deciding/ports.js';
import { DiskStorage, MemoryStorage, type StateStorage } from '../src/store/state/row-store.js';
import type { SyncStore } from '../src/store/sync-store.port.js';
import { SyncRulesEngine } from '../src/sync-rules.service.js';
import { syncRulesTopics, type SyncRulesTopics } from '../src/topics.js';

export const OWN = { salesforceClientName: 'crm-sync', hubspotAppId: '1000001' };

export interface HarnessOptions {
  readonly instances?: number;
  readonly topicPrefix?: string;
  readonly beforeDecideCommit?: (ctx: {
    readonly topic: string;
    readonly partition: number;
  }) => void;
  /** The first instance's state storage (default: on disk in the OS temp directory). */
  readonly stateStorage?: StateStorage;
  /**
   * Creates the Salesforce change topic with this many partitions before the engines start (as
   * an operator who resized it would): unlike the work topic's, so account changes are routed.
   */
  readonly salesforceChangePartitions?: number;
  /** Creates the command result topic with this many partitions (the work topic has 12). */
  readonly commandResultPartitions?: number;
}

/**
 * sync-rules on the real broker and database: its own topic prefix, consumer groups and
 * database per harness, collectors on every output topic, and helpers to feed it like the
 * connectors and the settings API do.
 */
export class Harness {
  private producer!: Producer;
  private collectors: Collector[] = [];
  readonly engines: SyncRulesEngine[] = [];
  /** What the engines reported through `onStateStoreFailure` (the service would have exited). */
  readonly stateStoreFailures: unknown[] = [];
  salesforceCommands!: Collector;
  hubspotCommands!: Collector;
  decisions!: Collector;
  deadLetters!: Collector;
  uncommittedHubspotCommands!: Collector;

  private constructor(
    readonly kafka: Kafka,
    readonly db: TestDatabase,
    readonly topics: SyncRulesTopics,
    readonly connectionId: string,
    private readonly prefix: string,
    readonly groupPrefix: string,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const kafka = testKafka();
    const db = await createTestDatabase('syncrules');
    const prefix = options.topicPrefix ?? uniqueName('t');
    const groupPrefix = uniqueName('sr');
    const h = new Harness(
      kafka,
      db,
      syncRulesTopics(prefix),
      uniqueName('conn'),
      prefix,
      groupPrefix,
      options,
    );
    const resized = [
      { topic: h.topics.salesforceChanges, partitions: options.salesforceChangePartitions },
      { topic: h.topics.commandResults, partitions: options.commandResultPartitions },
    ].flatMap(({ topic, partitions }) =>
      partitions === undefined ? [] : [{ topic, partitions, cleanupPolicy: 'delete' as const }],
    );
    if (resized.length > 0) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, resized);
      } finally {
        await admin.disconnect();
      }
    }
    for (let i = 0; i < (options.instances ?? 1); i++) h.engines.push(await h.startEngine(i));
    // Idempotent: a send retried after "not the leader" must not write the batch twice.
    h.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await h.producer.connect();
    h.salesforceCommands = await h.track(h.topics.salesforceCommands);
    h.hubspotCommands = await h.track(h.topics.hubspotCommands);
    h.decisions = await h.track(h.topics.syncDecisions);
    h.deadLetters = await h.track(h.topics.deadLetter);
    h.uncommittedHubspotCommands = await h.track(h.topics.hubspotCommands, true);
    return h;
  }

  /** Starts instance `i` of the engine (the first and every second one on disk). */
  private async startEngine(i: number): Promise<SyncRulesEngine> {
    const options = this.options;
    const engine = new SyncRulesEngine({
      kafka: this.kafka,
      readModel: this.db.db,
      clock: systemClock,
      logger: createLogger('sync-rules-test', {
        level: 'warn',
        write: (l) => process.stderr.write(l),
      }),
      own: OWN,
      topicPrefix: this.prefix,
      groupPrefix: this.groupPrefix,
      keyConcurrency: 4,
      partitionsConcurrently: 2,
      ...(options.beforeDecideCommit ? { beforeDecideCommit: options.beforeDecideCommit } : {}),
      // The service's disk store; a second instance keeps its state in memory, so "two
      // instances equal one" also shows that the two stores decide alike.
      stateStorage:
        i % 2 === 0
          ? (options.stateStorage ?? new DiskStorage({ dir: tmpdir() }))
          : new MemoryStorage(),
      onStateStoreFailure: (error) => this.stateStoreFailures.push(error),
    });
    await engine.start();
    return engine;
  }

  /**
   * Stops every instance, runs `meanwhile`, and starts as many again, on the same topics and
   * consumer groups (as an upgrade does).
   */
  async restartEngines(meanwhile: () => Promise<void>): Promise<void> {
    const count = this.engines.length;
    for (const e of this.engines.splice(0)) await e.stop();
    await meanwhile();
    for (let i = 0; i < count; i++) this.engines.push(await this.startEngine(i));
  }

  private async track(topic: string, readUncommitted = false): Promise<Collector> {
    const c = await collect(this.kafka, topic, { readUncommitted });
    this.collectors.push(c);
    return c;
  }

  /** The committed state as the first instance sees it. */
  get store(): SyncStore {
    const engine = this.engines[0];
    if (!engine) throw new Error('no engine running');
    return engine.view();
  }

  get topicPrefix(): string {
    return this.prefix;
  }

  async configure(settings: ConnectionSettings, mappings: readonly FieldMapping[]): Promise<void> {
    const base = {
      connectionId: this.connectionId,
      occurredAt: new Date().toISOString(),
      source: 'settings-api',
    };
    await this.producer.send({
      topic: this.topics.syncControl,
      messages: [
        {
          key: this.connectionId,
          value: JSON.stringify({
            ...base,
            id: uniqueName('s'),
            type: 'sync.settings-changed.v1',
            payload: { settings, changedBy: 'test' },
          }),
        },
        {
          key: this.connectionId,
          value: JSON.stringify({
            ...base,
            id: uniqueName('m'),
            type: 'sync.mappings-changed.v1',
            payload: { mappings, changedBy: 'test' },
          }),
        },
      ],
    });
    await waitFor(
      async () => {
        const c = await this.store.getConnection(this.connectionId);
        return (
          c !== undefined &&
          c.settings.syncCompanies === settings.syncCompanies &&
          c.mappings.length === mappings.length
        );
      },
      { description: 'settings applied' },
    );
  }

  /** Publishes a control message (a job request) the way the settings API does. */
  async control(type: string, payload: unknown): Promise<void> {
    await this.producer.send({
      topic: this.topics.syncControl,
      messages: [
        {
          key: this.connectionId,
          value: JSON.stringify({
            id: uniqueName('ctl'),
            type,
            connectionId: this.connectionId,
            occurredAt: new Date().toISOString(),
            source: 'settings-api',
            payload,
          }),
        },
      ],
    });
  }

  /** A job's progress as the settings API reads it, once `until` holds. */
  async jobProgress(jobId: string, until: (p: JobProgress) => boolean): Promise<JobProgress> {
    return waitFor(
      async () => {
        const doc = await this.db.db
          .collection<JobProgress & { _id: string }>('job_progress')
          .findOne({ _id: jobId });
        return doc && until(doc) ? doc : undefined;
      },
      { description: `progress of job ${jobId}` },
    );
  }

  async send(...events: ChangeEvent[]): Promise<void> {
    for (const e of events) {
      const topic = e.type.startsWith('salesforce')
        ? this.topics.salesforceChanges
        : this.topics.hubspotChanges;
      await this.producer.send({
        topic,
        messages: [{ key: changeEventKey(e), value: JSON.stringify(e) }],
      });
    }
  }

  async sendResult(result: CommandResult, key: string): Promise<void> {
    await this.producer.send({
      topic: this.topics.commandResults,
      messages: [{ key, value: JSON.stringify(result) }],
    });
  }

  async sendRaw(topic: string, key: string, value: string): Promise<void> {
    await this.producer.send({ topic, messages: [{ key, value }] });
  }

  uncommittedHubspot(): HubSpotCommand[] {
    return this.uncommittedHubspotCommands.messages.map(
      (m) => JSON.parse(m.value) as HubSpotCommand,
    );
  }

  hubspot(): HubSpotCommand[] {
    return this.hubspotCommands.messages.map((m) => JSON.parse(m.value) as HubSpotCommand);
  }

  salesforce(): SalesforceCommand[] {
    return this.salesforceCommands.messages.map((m) => JSON.parse(m.value) as SalesforceCommand);
  }

  decided(recordId: string): DecisionRecorded['payload'][] {
    return this.decisions.messages
      .map((m) => (JSON.parse(m.value) as DecisionRecorded).payload)
      .filter((d) => d.subject.recordId === recordId);
  }

  /** Waits for a decision of `rule` on the record and returns it. */
  async decision(
    recordId: string,
    rule: string,
    predicate: (d: DecisionRecorded['payload']) => boolean = () => true,
  ) {
    return waitFor(() => this.decided(recordId).find((d) => d.rule === rule && predicate(d)), {
      description: `a ${rule} decision on ${recordId}`,
    });
  }

  async stop(): Promise<void> {
    for (const c of this.collectors) await c.stop();
    for (const e of this.engines) await e.stop();
    await this.producer.disconnect();
    await this.db.dispose();
    await deleteTopicsWithPrefix(this.kafka, `${this.prefix}.`);
  }
}
