import { BudgetExhaustedError, type Clock } from '@crm-sync/connector-kit';
import type { HubSpotChangeEvent } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import { associationChangeEvent, modifiedAt, recordChangeEvent } from '../changes/change-events.js';
import { HubSpotRequestError, nextUtcMidnight } from '../hubspot/failures.js';
import {
  MAX_ASSOCIATION_READ,
  MAX_HISTORY_READ,
  type HubSpotApi,
  type HubSpotRecord,
  type ObjectType,
} from '../hubspot/hubspot-api.port.js';
import type { PropertySet } from '../hubspot/properties.js';
import { chunk, mapConcurrent } from '../util/batching.js';
import { associationDiff, polledChange, rememberSeen, unseen } from './poll-changes.js';
import type { PollStateStore, SweepState } from './poll-state.port.js';
import { pollRange, scanModified } from './windows.js';
import type { WrittenVersions } from './written-versions.js';

export interface PollSettings {
  readonly intervalMs: number;
  readonly lookbackMs: number;
  /** Where the very first poll starts; default now minus the lookback. */
  readonly startAt: number | undefined;
  /** 0: no sweeps. */
  readonly sweepIntervalMs: number;
  /** Sweep pages per poll cycle, so a long sweep does not delay the polls. */
  readonly sweepPagesPerCycle: number;
  /**
   * Commands waiting (`ConnectionPollerDeps.commandBacklog`) at which a cycle waits before it
   * starts, until they are down to a tenth of this or `maxDeferMs` has passed; 0: never waits.
   */
  readonly deferAtBacklog: number;
  readonly maxDeferMs: number;
}

export interface ConnectionPollerDeps {
  readonly connectionId: string;
  readonly api: HubSpotApi;
  readonly properties: Readonly<Record<ObjectType, PropertySet>>;
  readonly state: PollStateStore;
  /** Publishes to the HubSpot changes topic and resolves once Kafka has them (acks=all). */
  readonly publish: (events: readonly HubSpotChangeEvent[]) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: PollSettings;
  readonly concurrency: number;
  /** Company versions our writes published: found by a poll, they are not read back. */
  readonly writtenVersions?: Pick<WrittenVersions, 'takeOurs'>;
  /** HubSpot commands this instance has yet to carry out (see `PollSettings.deferAtBacklog`). */
  readonly commandBacklog?: () => number;
}

/** How often a deferred cycle looks at the command backlog again. */
export const DEFER_CHECK_MS = 1_000;

const OBJECTS: readonly ObjectType[] = ['companies', 'contacts'];

/**
 * Reconciliation of one connection (what webhooks may have missed), run only by the instance
 * that owns the connection. Each cycle polls companies and contacts by hs_lastmodifieddate from
 * the durable watermark minus the lookback overlap, then advances a bounded part of the full
 * sweep. Every request is `backfill`: live work (webhooks, commands) goes first. The watermark
 * moves only after the events up to it are acknowledged by Kafka. Companies found at a version
 * our own writes published are not read (`WrittenVersions`).
 *
 * While many commands wait (an import, a mass sync), a cycle waits too, for a bounded time: the
 * companies it would find are then mostly our own writes, and its searches and reads would
 * spend the budget the writes need (backfill priority yields the next permit, not the calls
 * already spent). The watermark stays put meanwhile, so nothing is missed, only found later.
 */
export class ConnectionPoller {
  constructor(private readonly deps: ConnectionPollerDeps) {}

  /** Polls until `signal` aborts (ownership lost, shutdown). */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, settings, logger, connectionId } = this.deps;
    while (!signal.aborted) {
      let waitMs = settings.intervalMs;
      try {
        await this.deferToCommands(signal);
        await this.cycle(signal);
      } catch (e) {
        if (aborted(signal)) break;
        waitMs = Math.max(waitMs, this.pauseAfter(e));
        logger.warn('hubspot poll failed; retrying later', {
          connectionId,
          waitMs,
          // Driver messages can quote whole documents: keep the log line short.
          error: (e instanceof Error ? e.message : String(e)).slice(0, 300),
        });
      }
      await clock.sleep(waitMs, signal).catch(() => undefined);
    }
  }

  /** Waits while the command backlog is high, for at most `maxDeferMs` (see the class). */
  private async deferToCommands(signal: AbortSignal): Promise<void> {
    const { clock, settings, logger, connectionId, commandBacklog } = this.deps;
    const { deferAtBacklog, maxDeferMs } = settings;
    if (commandBacklog === undefined || deferAtBacklog === 0) return;
    if (commandBacklog() < deferAtBacklog) return;
    const from = clock.now();
    const resumeAt = Math.floor(deferAtBacklog / 10);
    logger.info('hubspot poll deferred while commands wait', {
      connectionId,
      backlog: commandBacklog(),
    });
    while (commandBacklog() > resumeAt && clock.now() - from < maxDeferMs) {
      await clock.sleep(Math.min(DEFER_CHECK_MS, from + maxDeferMs - clock.now()), signal);
    }
    logger.info('hubspot poll resumes', {
      connectionId,
      backlog: commandBacklog(),
      deferredMs: clock.now() - from,
    });
  }

  /** One poll of both objects and a slice of the sweep. */
  async cycle(signal: AbortSignal): Promise<void> {
    for (const object of OBJECTS) await this.pollObject(object, signal);
    if (this.deps.settings.sweepIntervalMs > 0) await this.sweep(signal);
  }

  /** Reports every record of `object` modified since the watermark (minus the overlap). */
  async pollObject(object: ObjectType, signal: AbortSignal): Promise<number> {
    const { api, state, clock, settings, connectionId } = this.deps;
    const now = clock.now();
    const cursor = (await state.loadCursor(connectionId, object)) ?? {
      watermark: settings.startAt ?? now - settings.lookbackMs,
      seen: new Map<string, number>(),
    };
    const range = pollRange(cursor.watermark, settings.lookbackMs, now);
    const seen = new Map(cursor.seen);
    let reported = 0;
    for await (const step of scanModified(
      (q) => api.searchModified(q, 'backfill'),
      object,
      range,
    )) {
      signal.throwIfAborted();
      const fresh = unseen(step.hits, seen);
      // Versions our writes published reached the engine with their command results.
      const ours = new Set(
        object === 'companies'
          ? (this.deps.writtenVersions?.takeOurs(connectionId, fresh) ?? []).map((h) => h.id)
          : [],
      );
      const records = await this.readRecords(
        object,
        fresh.filter((h) => !ours.has(h.id)).map((h) => h.id),
      );
      const events: HubSpotChangeEvent[] = [];
      for (const record of records) {
        const e = polledChange(connectionId, object, record, range.from, seen.get(record.id));
        if (e !== undefined) events.push(e);
      }
      const associations =
        object === 'contacts' ? await this.contactAssociations(records, range.from) : undefined;
      events.push(...(associations?.events ?? []));
      await this.deps.publish(events);
      reported += events.length;
      if (associations) await state.saveAssociations(connectionId, associations.current);
      for (const h of fresh) seen.set(h.id, h.modifiedAt);
      for (const r of records) seen.set(r.id, modifiedAt(r));
      if (step.windowDone) {
        await state.saveCursor(connectionId, object, {
          watermark: step.window.to,
          seen: rememberSeen(seen, step.window.to, settings.lookbackMs),
        });
      }
    }
    return reported;
  }

  /**
   * Advances the full sweep by a few pages: every contact's companies (diffed with the last
   * reading: association changes that do not touch hs_lastmodifieddate), then the recycle bins
   * of companies and contacts (deletions, which search cannot see). Resumes where it stopped.
   */
  async sweep(signal: AbortSignal): Promise<void> {
    const { state, clock, settings, connectionId } = this.deps;
    const now = clock.now();
    let s = await state.loadSweep(connectionId);
    if (s === undefined || !s.running) {
      if (s?.completedAt !== undefined && now < s.completedAt + settings.sweepIntervalMs) return;
      s = {
        running: true,
        phase: 'associations',
        after: undefined,
        startedAt: now,
        deletedSince: (s?.startedAt ?? now) - settings.lookbackMs,
        completedAt: s?.completedAt,
      };
    }
    for (let page = 0; page < settings.sweepPagesPerCycle && s.running; page++) {
      signal.throwIfAborted();
      s = await this.sweepPage(s);
      await state.saveSweep(connectionId, s);
    }
  }

  private async sweepPage(s: SweepState): Promise<SweepState> {
    const { api, state, connectionId } = this.deps;
    if (s.phase === 'associations') {
      const page = await api.listContactCompanies(s.after, 'backfill');
      const current = new Map(page.items.map((c) => [c.contactId, c.companyIds]));
      const known = await state.loadAssociations(connectionId, [...current.keys()]);
      const events: HubSpotChangeEvent[] = [];
      for (const [contactId, companies] of current)
        events.push(...this.associationEvents(contactId, known.get(contactId), companies, false));
      await this.deps.publish(events);
      await state.saveAssociations(connectionId, current);
      return page.next === undefined
        ? { ...s, phase: 'companies', after: undefined }
        : { ...s, after: page.next };
    }
    const page = await api.listArchived(s.phase, s.after, 'backfill');
    const events = page.items
      .filter((r) => Date.parse(r.archivedAt) >= s.deletedSince)
      .map((r) =>
        recordChangeEvent({
          connectionId,
          object: s.phase === 'contacts' ? 'contacts' : 'companies',
          recordId: r.id,
          changeType: 'deleted',
          record: undefined,
          changedProperties: [],
          changedAt: Date.parse(r.archivedAt),
          origin: { changeSource: null, sourceId: null },
          capturedBy: 'poll',
        }),
      );
    await this.deps.publish(events);
    if (page.next !== undefined) return { ...s, after: page.next };
    if (s.phase === 'companies') return { ...s, phase: 'contacts', after: undefined };
    return { ...s, running: false, after: undefined, completedAt: this.deps.clock.now() };
  }

  private async readRecords(object: ObjectType, ids: readonly string[]): Promise<HubSpotRecord[]> {
    const props = this.deps.properties[object];
    const pages = await mapConcurrent(chunk(ids, MAX_HISTORY_READ), this.deps.concurrency, (part) =>
      this.deps.api.read(
        { object, ids: part, properties: props.all, history: props.history },
        'backfill',
      ),
    );
    return pages.flat();
  }

  /** Companies of polled contacts now, diffed with the last reading. */
  private async contactAssociations(
    contacts: readonly HubSpotRecord[],
    since: number,
  ): Promise<{ events: HubSpotChangeEvent[]; current: Map<string, string[]> }> {
    const ids = contacts.map((c) => c.id);
    const current = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const part of chunk(ids, MAX_ASSOCIATION_READ)) {
      const found = await this.deps.api.companiesOfContacts(part, 'backfill');
      for (const [contactId, companies] of found) current.set(contactId, companies);
    }
    const known = await this.deps.state.loadAssociations(this.deps.connectionId, ids);
    const events: HubSpotChangeEvent[] = [];
    for (const c of contacts) {
      events.push(
        ...this.associationEvents(
          c.id,
          known.get(c.id),
          current.get(c.id) ?? [],
          modifiedAt(c) >= since,
          modifiedAt(c),
        ),
      );
    }
    return { events, current };
  }

  private associationEvents(
    contactId: string,
    before: readonly string[] | undefined,
    after: readonly string[],
    reportFirstSight: boolean,
    at: number = this.deps.clock.now(),
  ): HubSpotChangeEvent[] {
    const diff = associationDiff(before, after, reportFirstSight);
    const event = (companyId: string, changeType: 'added' | 'removed') =>
      associationChangeEvent({
        connectionId: this.deps.connectionId,
        companyId,
        contactId,
        changeType,
        changedAt: at,
        origin: { changeSource: null, sourceId: null },
        capturedBy: 'poll',
      });
    return [
      ...diff.added.map((c) => event(c, 'added')),
      ...diff.removed.map((c) => event(c, 'removed')),
    ];
  }

  /** How long to wait after a failed cycle: until the budget is back, else one interval. */
  private pauseAfter(e: unknown): number {
    const now = this.deps.clock.now();
    if (e instanceof BudgetExhaustedError) return Math.max(0, e.availableAt - now);
    if (e instanceof HubSpotRequestError && e.failure.policyName === 'DAILY')
      return Math.max(0, nextUtcMidnight(now) - now);
    return 0;
  }
}

/** Read through a call: the signal changes while we await (narrowing would say it cannot). */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
