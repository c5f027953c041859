import type { ConnectorMetrics } from '@crm-sync/connector-kit';
import { isAborted } from '../async.js';
import type { SalesforceObject } from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { ConnectionSettings } from '../config.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';
import type { CaptureLedger } from './capture-ledger.js';
import { afterCdc, withTombstones } from './capture-state.js';
import { completedCdcChange, readCdcMessage, type CdcChange } from './cdc-events.js';
import { changeEventOf, changeMessage } from './change-events.js';
import type { CreatedDates } from './created-dates.js';
import type { ChangePublisher } from './publisher.js';
import { byIdsQuery, parseSalesforceTime } from './records.js';

/** Messages published per round; more wait for the next round (which starts right away). */
const MAX_BATCH = 1_000;
/** CDC moves the cursor often; one MongoDB write covers the rounds within this time. */
const SAVE_EVERY_MS = 1_000;

export interface CdcPumpOptions {
  readonly settings: ConnectionSettings;
  readonly createdDates: CreatedDates;
  readonly client: SalesforceClient;
  readonly ledger: CaptureLedger;
  readonly publisher: ChangePublisher;
  readonly topics: SfConnectorTopics;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
}

/**
 * Turns CDC messages into change events on Kafka as they arrive: whatever queued while one round
 * was being published goes in the next round (no timer, so an idle stream adds no latency).
 * After Kafka acknowledged a round, the replay id moves on and the published versions are
 * registered with the poll's de-duplication, so polling does not publish them again.
 */
export class CdcPump {
  private queue: unknown[] = [];
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly o: CdcPumpOptions) {}

  push(message: unknown): void {
    this.queue.push(message);
    this.kick();
  }

  private kick(): void {
    if (this.running !== undefined || this.abort.signal.aborted) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  /**
   * Publishes what was received, then stops. If Kafka does not take it within `graceMs`, the
   * rest is left: the stored replay id still points before it, so the next owner replays it.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const timer = setTimeout(() => {
      this.abort.abort(new Error('cdc pump stopped'));
    }, graceMs);
    try {
      this.kick();
      while (this.running !== undefined) await this.running;
    } finally {
      clearTimeout(timer);
      this.abort.abort(new Error('cdc pump stopped'));
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.abort.signal.aborted) {
      const batch = this.queue.splice(0, MAX_BATCH);
      for (;;) {
        try {
          await this.publish(batch);
          break;
        } catch (e) {
          if (isAborted(this.abort.signal)) return;
          // Kept, in order, until Kafka or Salesforce answer again: nothing received is dropped.
          this.o.logger.warn('cdc publish failed; retrying', {
            connectionId: this.o.settings.connectionId,
            error: e instanceof Error ? e.message : String(e),
          });
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    }
  }

  private async publish(batch: readonly unknown[]): Promise<void> {
    const { settings, ledger, topics } = this.o;
    const changes: CdcChange[] = [];
    let lastReplayId: number | null = null;
    for (const message of batch) {
      const reading = readCdcMessage(message, settings.objects);
      if (reading.kind === 'invalid') {
        this.o.logger.error('cdc message not understood', {
          connectionId: settings.connectionId,
          reason: reading.reason.slice(0, 300),
        });
        continue;
      }
      lastReplayId = Math.max(lastReplayId ?? 0, reading.replayId);
      if (reading.kind === 'changes') changes.push(...reading.changes);
    }
    const created = await this.createdDates(changes);
    const messages: OutboundMessage[] = [];
    const published: CdcChange[] = [];
    for (const change of changes) {
      const createdDate = created.get(change.recordId);
      if (
        change.createdDate === undefined &&
        createdDate === undefined &&
        needsCreatedDate(change)
      ) {
        // Gone from Salesforce altogether: its delete event follows (or polling reports it).
        continue;
      }
      const event = changeEventOf(settings.connectionId, completedCdcChange(change, createdDate));
      messages.push(changeMessage(topics.salesforceChanges, event));
      published.push(change);
    }
    // Published and registered in one turn with the poll's pages (see `publication`).
    await ledger.publication(() => this.publishChanges(messages, published));
    if (lastReplayId !== null) ledger.setCdcReplayId(lastReplayId);
    ledger.saveSoon(SAVE_EVERY_MS, (e) => {
      this.o.logger.warn('capture state not saved; retried with the next change', {
        connectionId: settings.connectionId,
        error: e instanceof Error ? e.message : String(e),
      });
    });
  }

  /**
   * CDC updates do not carry CreatedDate, which the contract requires: known ones come from the
   * cache, the others from one query per object.
   */
  private async createdDates(changes: readonly CdcChange[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing = new Map<SalesforceObject, Set<string>>();
    const known = this.o.createdDates;
    for (const c of changes) {
      if (c.createdDate !== undefined) known.remember(c.recordId, c.createdDate);
    }
    for (const c of changes) {
      if (c.createdDate !== undefined || !needsCreatedDate(c)) continue;
      const cached = known.get(c.recordId);
      if (cached !== undefined) {
        out.set(c.recordId, cached);
        continue;
      }
      const ids = missing.get(c.object) ?? new Set<string>();
      ids.add(c.recordId);
      missing.set(c.object, ids);
    }
    for (const [object, ids] of missing) {
      const list = [...ids];
      for (let i = 0; i < list.length; i += 200) {
        const soql = byIdsQuery(object, ['Id', 'CreatedDate'], list.slice(i, i + 200));
        let page = await this.o.client.query(soql, true, { priority: 'live' });
        for (;;) {
          for (const r of page.records) {
            const at = parseSalesforceTime(r['CreatedDate']);
            if (typeof r['Id'] === 'string' && !Number.isNaN(at)) {
              out.set(r['Id'], at);
              known.remember(r['Id'], at);
            }
          }
          if (page.done || page.nextRecordsUrl === undefined) break;
          page = await this.o.client.queryMore(page.nextRecordsUrl, { priority: 'live' });
        }
      }
    }
    return out;
  }

  /** Publishes a round's change events and registers them with the poll's de-duplication. */
  private async publishChanges(
    messages: readonly OutboundMessage[],
    published: readonly CdcChange[],
  ): Promise<void> {
    const { settings, ledger } = this.o;
    await this.o.publisher.publish(messages);
    this.countCaptured(published);

    for (const object of settings.objects) {
      const versions = published
        .filter((c) => c.object === object && c.version !== undefined)
        .map((c) => ({ id: c.recordId, at: c.version ?? 0 }));
      if (versions.length > 0) {
        ledger.updateCursor(object, (cur) => afterCdc(cur, versions, settings.poll.overlapMs));
      }
    }
    ledger.updateTombstones((t) =>
      withTombstones(
        t,
        published.map((c) => ({ id: c.recordId, changeType: c.changeType, at: c.changedAt })),
      ),
    );
  }

  private countCaptured(published: readonly CdcChange[]): void {
    const byObject = new Map<SalesforceObject, number>();
    for (const c of published) byObject.set(c.object, (byObject.get(c.object) ?? 0) + 1);
    for (const [object, n] of byObject) {
      this.o.metrics.changesCaptured.inc(
        { connection: this.o.settings.connectionId, object, method: 'cdc' },
        n,
      );
    }
  }
}

function needsCreatedDate(c: CdcChange): boolean {
  return c.changeType !== 'deleted' && c.changeType !== 'merged';
}
