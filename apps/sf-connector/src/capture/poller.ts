import type { Clock, ConnectorMetrics, Priority } from '@crm-sync/connector-kit';
import { isAborted } from '../async.js';
import type { SalesforceChangeType, SalesforceObject } from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { ConnectionSettings } from '../config.js';
import type { DeletedRecord } from '../salesforce/salesforce-api.port.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';
import type { CaptureLedger } from './capture-ledger.js';
import {
  afterPollPage,
  classifyPolled,
  deletedCheck,
  missedDeletes,
  pollDelay,
  pollFrom,
  pruneTombstones,
  withTombstones,
} from './capture-state.js';
import {
  accountStateMessage,
  accountStateOf,
  changeEventOf,
  changeMessage,
  polledChange,
} from './change-events.js';
import type { CreatedDates } from './created-dates.js';
import type { ChangePublisher } from './publisher.js';
import { pollQuery, polledRecordOf, type PolledRecord } from './records.js';

export interface PollerOptions {
  readonly settings: ConnectionSettings;
  /** Filled with what the poll reads, for CDC updates (which lack CreatedDate). */
  readonly createdDates: CreatedDates;
  readonly client: SalesforceClient;
  readonly ledger: CaptureLedger;
  readonly publisher: ChangePublisher;
  readonly topics: SfConnectorTopics;
  readonly fields: (object: SalesforceObject) => Promise<readonly string[]>;
  /** Live while CDC is down (polling is then the capture), backfill while CDC runs. */
  readonly priority: () => Priority;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
}

/**
 * Polls every captured object of one connection on its SystemModstamp cursor (queryAll, so
 * deletes, merges and undeletes show), publishes what is new, then moves the cursor; reconciles
 * deletes with getDeleted now and then. Runs while the instance owns the connection.
 */
export class Poller {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private nextDeletedCheck = 0;
  /** Completed poll cycles (tests and logs). */
  cycles = 0;

  constructor(private readonly o: PollerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the page in flight (published and stored), then stops. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('poller stopped'));
    await this.loop;
  }

  private async run(): Promise<void> {
    const { settings, clock, logger } = this.o;
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let calls = 0;
      try {
        for (const object of settings.objects) calls += await this.pollObject(object, signal);
        if (clock.now() >= this.nextDeletedCheck) {
          for (const object of settings.objects) calls += await this.checkDeleted(object, signal);
          this.nextDeletedCheck = clock.now() + settings.poll.deletedCheckIntervalMs;
        }
        this.o.ledger.updateTombstones((t) =>
          pruneTombstones(t, clock.now() - settings.poll.tombstoneRetentionMs),
        );
        await this.o.ledger.save();
        this.cycles++;
        failures = 0;
      } catch (e) {
        if (isAborted(signal)) break;
        failures++;
        logger.warn('poll failed; retrying', {
          connectionId: settings.connectionId,
          failures,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      const delay = pollDelay({
        intervalMs: settings.poll.intervalMs * Math.min(16, 2 ** failures),
        callsPerPoll: Math.max(calls, settings.objects.length),
        dailyBudget: this.o.client.budget.dailyLimit,
        pollShare: settings.poll.budgetShare,
      });
      await clock.sleep(delay, signal).catch(() => undefined);
    }
  }

  /** Reads everything changed since the cursor (minus the overlap), page by page. Returns calls made. */
  private async pollObject(object: SalesforceObject, signal: AbortSignal): Promise<number> {
    const { client, ledger, settings } = this.o;
    const ctx = { priority: this.o.priority(), signal };
    const fields = await this.o.fields(object);
    const from = pollFrom(ledger.cursor(object), settings.poll.overlapMs);
    let page = await client.query(pollQuery(object, fields, from), true, ctx);
    let calls = 1;
    for (;;) {
      await this.publishPage(object, page.records);
      // A stop waits for the page in flight, not for the rest of the query.
      if (page.done || page.nextRecordsUrl === undefined || signal.aborted) return calls;
      page = await client.queryMore(page.nextRecordsUrl, ctx);
      calls++;
    }
  }

  private async publishPage(
    object: SalesforceObject,
    raw: readonly Readonly<Record<string, unknown>>[],
  ): Promise<void> {
    const { ledger, settings } = this.o;
    const records: PolledRecord[] = [];
    for (const r of raw) {
      const rec = polledRecordOf(object, r);
      if ('invalid' in rec) {
        this.o.logger.error('polled record skipped', {
          connectionId: settings.connectionId,
          object,
          reason: rec.invalid,
        });
      } else {
        records.push(rec);
        this.o.createdDates.remember(rec.id, rec.createdDate);
      }
    }
    // Classify, publish and move the cursor in one turn, so CDC's versions are either all in
    // `seen` when the page is classified or published after it.
    await ledger.publication(() => this.publishRecords(object, records));
    await ledger.save();
  }

  /** Publishes what is new in a page's records and moves the cursor (within a ledger turn). */
  private async publishRecords(
    object: SalesforceObject,
    records: readonly PolledRecord[],
  ): Promise<void> {
    const { ledger, settings, topics } = this.o;
    const cursor = ledger.cursor(object);
    const messages: OutboundMessage[] = [];
    const changes: { id: string; changeType: SalesforceChangeType; at: number }[] = [];
    for (const record of records) {
      const action = classifyPolled(record, cursor, ledger.tombstones, ledger.cdcSince);
      if (action.kind === 'skip') continue;
      if (action.kind === 'change') {
        const event = changeEventOf(
          settings.connectionId,
          polledChange(record, action.changeType, { capturedBy: 'poll' }),
        );
        messages.push(changeMessage(topics.salesforceChanges, event));
        changes.push({ id: record.id, changeType: action.changeType, at: record.systemModstamp });
      }
      if (object === 'Account') {
        const state = accountStateOf(settings.connectionId, record);
        messages.push(accountStateMessage(topics.salesforceAccountState, state));
      }
    }
    await this.o.publisher.publish(messages);
    if (changes.length > 0) {
      this.o.metrics.changesCaptured.inc(
        { connection: settings.connectionId, object, method: 'poll' },
        changes.length,
      );
    }
    ledger.updateCursor(object, (c) => afterPollPage(c, records, settings.poll.overlapMs));
    ledger.updateTombstones((t) => withTombstones(t, changes));
  }

  /** getDeleted over the window polling has passed: deletes polling never saw (purged records). */
  private async checkDeleted(object: SalesforceObject, signal: AbortSignal): Promise<number> {
    const { client, ledger, settings, clock } = this.o;
    const plan = deletedCheck(ledger.cursor(object), settings.poll.overlapMs, clock.now());
    if (plan.kind === 'none') return 0;
    if (plan.kind === 'start') {
      ledger.updateCursor(object, (c) => ({ ...c, deletedCheckedUntil: plan.from }));
      return 0;
    }
    const window = plan;
    const deleted = await client.getDeleted(object, window.start, window.end, {
      priority: 'backfill',
      signal,
    });
    // In a ledger turn, as a poll page is: a delete CDC is publishing now is a tombstone by the
    // time the missed ones are picked, so it is not published twice.
    await ledger.publication(() => this.publishMissedDeletes(object, deleted));
    ledger.updateCursor(object, (c) => ({ ...c, deletedCheckedUntil: window.end }));
    return 1;
  }

  /** Publishes a delete for each of getDeleted's records that no one published (within a ledger turn). */
  private async publishMissedDeletes(
    object: SalesforceObject,
    deleted: readonly DeletedRecord[],
  ): Promise<void> {
    const { ledger, settings, topics } = this.o;
    const missed = missedDeletes(deleted, ledger.tombstones);
    const messages = missed.map((d) =>
      changeMessage(
        topics.salesforceChanges,
        changeEventOf(settings.connectionId, {
          object,
          recordId: d.id,
          changeType: 'deleted',
          fields: {},
          changedFields: [],
          changedAt: d.deletedAt,
          changeOrigin: null,
          capturedBy: 'poll',
        }),
      ),
    );
    await this.o.publisher.publish(messages);
    if (missed.length > 0) {
      this.o.metrics.changesCaptured.inc(
        { connection: settings.connectionId, object, method: 'poll' },
        missed.length,
      );
    }
    ledger.updateTombstones((t) =>
      withTombstones(
        t,
        missed.map((d) => ({ id: d.id, changeType: 'deleted', at: d.deletedAt })),
      ),
    );
  }
}
