import type { BudgetSample, BudgetSource, Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import { isAborted } from '../async.js';
import type { ControlMessage, SalesforceObject } from '@crm-sync/domain';
import type { Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { CaptureLedger } from '../capture/capture-ledger.js';
import type { CaptureStore } from '../capture/capture-store.js';
import { CdcPump } from '../capture/cdc-pump.js';
import { CdcSubscriber } from '../capture/cdc-subscriber.js';
import { CreatedDates } from '../capture/created-dates.js';
import { Poller } from '../capture/poller.js';
import type { ChangePublisher } from '../capture/publisher.js';
import { selectableFields } from '../capture/records.js';
import { CommandExecutor } from '../commands/command-executor.js';
import type { ConnectionSettings } from '../config.js';
import { ImportSource } from '../jobs/import-source.js';
import { ReplaySource } from '../jobs/replay-source.js';
import { SnapshotJobs } from '../jobs/snapshot-jobs.js';
import { isStaleRequest } from '../ownership/control-consumer.js';
import type { JobStore } from '../jobs/job-store.js';
import type { LookAhead } from '../jobs/look-ahead.js';
import { resyncAccounts } from '../jobs/resync.js';
import { rateGateOf, SalesforceBudget } from '../salesforce/budget.js';
import { syncErrorOf } from '../salesforce/errors.js';
import { JsforceSalesforceApi } from '../salesforce/jsforce.salesforce-api.js';
import type { OrgApiUsage, SalesforceApi } from '../salesforce/salesforce-api.port.js';
import { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';

export interface RuntimeDeps {
  readonly kafka: Kafka;
  /** The connector's consumer group prefix (replays name their reads after it). */
  readonly groupPrefix: string;
  readonly captureStore: CaptureStore;
  readonly jobStore: JobStore;
  readonly publisher: ChangePublisher;
  /** Keeps imports and replays near the sync engine (none: they never wait). */
  readonly lookAhead?: LookAhead | undefined;
  readonly topics: SfConnectorTopics;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
}

/** Change capture of an owned connection while it runs. */
interface Capture {
  readonly ledger: CaptureLedger;
  readonly pump: CdcPump;
  readonly subscriber: CdcSubscriber | undefined;
  readonly poller: Poller;
}

const START_RETRY_MS = [1_000, 2_000, 5_000, 15_000, 60_000];

/**
 * One connection (one Salesforce org) on this instance.
 * - Every instance writes commands for every connection (command partitions are spread over the
 *   instances), so the API client and budget exist wherever commands arrive.
 * - Change capture and jobs run only while this instance owns the connection (`own`/`release`,
 *   driven by the control topic's partition assignment).
 */
export class ConnectionRuntime implements BudgetSource {
  readonly crm = 'salesforce';
  readonly api: JsforceSalesforceApi;
  readonly imports: SnapshotJobs;
  readonly replays: SnapshotJobs;
  private clientPromise: Promise<SalesforceClient> | undefined;
  private budget: SalesforceBudget | undefined;
  private readonly fieldLists = new Map<SalesforceObject, Promise<readonly string[]>>();
  private capture: Capture | undefined;
  private starting: Promise<void> | undefined;
  private ownedSignal: AbortController | undefined;
  private share = 1;
  private readonly createdDates = new CreatedDates();

  constructor(
    readonly settings: ConnectionSettings,
    private readonly deps: RuntimeDeps,
    api?: JsforceSalesforceApi,
  ) {
    this.api = api ?? new JsforceSalesforceApi(settings, deps.logger);
    const jobs = {
      connectionId: settings.connectionId,
      publisher: deps.publisher,
      jobs: deps.jobStore,
      lookAhead: deps.lookAhead,
      clock: deps.clock,
      metrics: deps.metrics,
      logger: deps.logger,
    };
    this.imports = new SnapshotJobs({
      ...jobs,
      source: new ImportSource({
        settings,
        client: () => this.client(),
        fields: (o) => this.fields(o),
        topics: deps.topics,
        clock: deps.clock,
        logger: deps.logger,
      }),
    });
    this.replays = new SnapshotJobs({
      ...jobs,
      source: new ReplaySource({
        kafka: deps.kafka,
        topics: deps.topics,
        groupPrefix: deps.groupPrefix,
      }),
    });
  }

  get connectionId(): string {
    return this.settings.connectionId;
  }

  get owned(): boolean {
    return this.ownedSignal !== undefined;
  }

  /** The running poller (tests observe its cycles). */
  get poller(): Poller | undefined {
    return this.capture?.poller;
  }

  /**
   * The budgeted client. The first use reads the org's daily allocation (one call) to size the
   * budget; a failure is retried by the next caller.
   */
  client(): Promise<SalesforceClient> {
    this.clientPromise ??= this.createClient(this.api).catch((e: unknown) => {
      this.clientPromise = undefined;
      throw e;
    });
    return this.clientPromise;
  }

  /** The budget for reports; none until the first use sized it. */
  sample(): BudgetSample | undefined {
    return this.budget?.sample();
  }

  private async createClient(api: SalesforceApi): Promise<SalesforceClient> {
    let orgUsage: OrgApiUsage | undefined;
    let dailyMax = this.settings.budget.dailyLimitFallback;
    // The call that sizes the budget already counts against the rate.
    const rate = rateGateOf(this.settings.budget, this.deps.clock);
    const release = await rate?.enter('live');
    try {
      orgUsage = await api.limits();
      dailyMax = orgUsage.max;
    } catch (e) {
      const error = syncErrorOf(e);
      if (error.retriable) throw error;
      this.deps.logger.warn('org limits unreadable; using the fallback allocation', {
        connectionId: this.connectionId,
        code: error.code,
        dailyMax,
      });
    } finally {
      release?.();
    }
    const budget = new SalesforceBudget(this.settings.budget, dailyMax, this.deps.clock, rate);
    budget.setShare(this.share);
    budget.observe(orgUsage, '/limits DailyApiRequests');
    this.budget = budget;
    this.deps.metrics.watchBudget(this.connectionId, 'salesforce', budget.limiter);
    return new SalesforceClient(this.connectionId, api, budget, this.deps.metrics);
  }

  /** This instance's share of the connection's budget (1 / instances in the command group). */
  setShare(share: number): void {
    if (share === this.share) return;
    this.share = share;
    void this.clientPromise
      ?.then((c) => {
        c.budget.setShare(share);
      })
      .catch(() => undefined);
  }

  async executor(): Promise<CommandExecutor> {
    return new CommandExecutor({
      client: await this.client(),
      retry: this.settings.retry,
      collectionSize: this.settings.collectionSize,
      clock: this.deps.clock,
      logger: this.deps.logger,
    });
  }

  /** Field list of capture queries (describe once per object). */
  fields(object: SalesforceObject): Promise<readonly string[]> {
    let list = this.fieldLists.get(object);
    if (!list) {
      list = this.client()
        .then((c) => c.describe(object, { priority: 'live' }))
        .then((described) => selectableFields(described));
      void list.catch(() => this.fieldLists.delete(object));
      this.fieldLists.set(object, list);
    }
    return list;
  }

  /** This instance now owns the connection: start capture and jobs (retrying until it can). */
  own(): void {
    if (this.ownedSignal) return;
    const owned = new AbortController();
    this.ownedSignal = owned;
    this.deps.logger.info('connection owned: capture starts', { connectionId: this.connectionId });
    this.starting = this.startWithRetries(owned.signal);
  }

  /** Another instance owns it now, or we shut down: finish in-flight work, then stop. */
  async release(): Promise<void> {
    const owned = this.ownedSignal;
    if (!owned) return;
    this.ownedSignal = undefined;
    owned.abort(new Error('connection released'));
    await this.starting;
    const capture = this.capture;
    this.capture = undefined;
    await this.imports.stop();
    await this.replays.stop();
    if (capture) {
      await capture.subscriber?.stop();
      await capture.poller.stop();
      await capture.pump.stop();
      await capture.ledger.save();
    }
    this.deps.logger.info('connection released: capture stopped', {
      connectionId: this.connectionId,
    });
  }

  private async startWithRetries(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.startCapture(signal);
        return;
      } catch (e) {
        if (isAborted(signal)) return;
        const wait = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)] ?? 60_000;
        this.deps.logger.warn('capture could not start; retrying', {
          connectionId: this.connectionId,
          error: e instanceof Error ? e.message : String(e),
          retryInMs: wait,
        });
        await this.deps.clock.sleep(wait, signal).catch(() => undefined);
      }
    }
  }

  private async startCapture(signal: AbortSignal): Promise<void> {
    const { deps, settings } = this;
    const client = await this.client();
    for (const object of settings.objects) await this.fields(object);
    const ledger = await CaptureLedger.open(this.connectionId, deps.captureStore, () =>
      deps.clock.now(),
    );
    if (signal.aborted) return;
    const pump = new CdcPump({
      settings,
      createdDates: this.createdDates,
      client,
      ledger,
      publisher: deps.publisher,
      topics: deps.topics,
      metrics: deps.metrics,
      logger: deps.logger,
    });
    const subscriber = settings.cdcEnabled
      ? new CdcSubscriber({
          connectionId: this.connectionId,
          api: this.api,
          replayAfter: ledger.cdcReplayId,
          onMessage: (m) => {
            pump.push(m);
          },
          onSubscribed: (replayed) => {
            ledger.cdcSubscribed(replayed);
          },
          clock: deps.clock,
          logger: deps.logger,
        })
      : undefined;
    const poller = new Poller({
      settings,
      createdDates: this.createdDates,
      client,
      ledger,
      publisher: deps.publisher,
      topics: deps.topics,
      fields: (o) => this.fields(o),
      priority: () => (subscriber?.healthy === true ? 'backfill' : 'live'),
      clock: deps.clock,
      metrics: deps.metrics,
      logger: deps.logger,
    });
    this.capture = { ledger, pump, subscriber, poller };
    subscriber?.start();
    poller.start();
    await this.imports.start();
    await this.replays.start();
  }

  /** A control message for this connection (the instance owns its partition). */
  async onControl(message: ControlMessage): Promise<void> {
    switch (message.type) {
      case 'sync.import-requested.v1':
        await this.imports.request(message);
        return;
      case 'sync.replay-requested.v1':
        await this.replays.request(message);
        return;
      case 'sync.job-cancel-requested.v1':
        await this.imports.cancel(message);
        await this.replays.cancel(message);
        return;
      case 'sync.resync-requested.v1': {
        const { deps } = this;
        if (isStaleRequest(message.occurredAt, deps.clock.now())) {
          deps.logger.warn('resync request from long ago; ignored', {
            connectionId: this.connectionId,
            jobId: message.payload.jobId,
          });
          return;
        }
        try {
          await resyncAccounts(message, {
            settings: this.settings,
            client: await this.client(),
            publisher: deps.publisher,
            topics: deps.topics,
            fields: (o) => this.fields(o),
            clock: deps.clock,
            metrics: deps.metrics,
            logger: deps.logger,
          });
        } catch (e) {
          const error = syncErrorOf(e);
          deps.metrics.errors.inc({ connection: this.connectionId, category: error.category });
          deps.logger.error('resync failed', {
            connectionId: this.connectionId,
            jobId: message.payload.jobId,
            code: error.code,
          });
        }
        return;
      }
      default:
        return;
    }
  }
}
