import type { Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import { exactParser } from '@crm-sync/domain';
import type { BatchContext, InboundMessage, OutboundMessage } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { z } from 'zod';
import { objectLabel, toMessage } from '../changes/change-events.js';
import type { Connections, ConnectionRuntime } from '../connections/connection-runtime.js';
import {
  MAX_ASSOCIATION_READ,
  MAX_HISTORY_READ,
  type HubSpotRecord,
  type ObjectType,
} from '../hubspot/hubspot-api.port.js';
import { holdWhileBudgetSpent } from '../kafka/budget-hold.js';
import { deadLetter, parseJson } from '../kafka/dead-letter.js';
import { chunk, mapConcurrent } from '../util/batching.js';
import { changesOfTouches, type CurrentState } from './inbox-changes.js';
import {
  addAction,
  dropOwnWrites,
  emptyTouches,
  interpretEvent,
  InboxMessage,
  type Touches,
} from './webhook-actions.js';

const parseInboxMessage = exactParser(InboxMessage);

export interface InboxProcessorDeps {
  readonly connections: Connections;
  readonly changesTopic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly concurrency: number;
  /** Aborted at shutdown: a batch held for the budget lets go at once. */
  readonly signal: AbortSignal;
}

/**
 * Webhook inbox → HubSpot change events, one partition batch at a time inside a Kafka
 * transaction (the events and the inbox offsets commit together). The batch's events are
 * de-duplicated (HubSpot retries keep the eventId) and folded per record; companies only our own
 * writes touched are left out (their echoes went out with the writes, see `dropOwnWrites`); the
 * other touched records are read in batches (with property history, `live` budget) and reported
 * as they are now. A failed read throws: the transaction aborts and the batch comes again.
 */
export class InboxProcessor {
  constructor(private readonly deps: InboxProcessorDeps) {}

  async handle(messages: readonly InboundMessage[], ctx: BatchContext): Promise<OutboundMessage[]> {
    try {
      return await this.process(messages, ctx);
    } catch (e) {
      await holdWhileBudgetSpent(e, ctx, this.deps.clock, this.deps.signal);
      throw e;
    }
  }

  private async process(
    messages: readonly InboundMessage[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    const byConnection = new Map<string, Touches>();
    const seen = new Set<string>();
    for (const m of messages) {
      const parsed = parseInboxMessage(parseJson(m.value));
      if (!parsed.success) {
        out.push(
          this.deadLetter(m, `not a webhook inbox message: ${z.prettifyError(parsed.error)}`),
        );
        continue;
      }
      const { connectionId, events } = parsed.data;
      if (this.deps.connections.get(connectionId) === undefined) {
        out.push(this.deadLetter(m, `unknown connection ${connectionId}`, connectionId));
        continue;
      }
      for (const event of events) {
        const eventKey = `${connectionId}:${String(event.eventId)}`;
        if (seen.has(eventKey)) continue;
        seen.add(eventKey);
        const action = interpretEvent(event);
        if (action.kind === 'invalid') {
          // The message's other events are still taken; replaying this dead letter is harmless.
          const reason = `webhook event ${String(event.eventId)} not understood: ${action.reason}`;
          out.push(this.deadLetter(m, reason, connectionId));
          continue;
        }
        let touches = byConnection.get(connectionId);
        if (touches === undefined) byConnection.set(connectionId, (touches = emptyTouches()));
        addAction(touches, action);
      }
    }
    for (const [connectionId, touches] of byConnection) {
      const runtime = this.deps.connections.get(connectionId);
      if (runtime === undefined) continue;
      const ownWrites = dropOwnWrites(touches, runtime.config.appId);
      const current = await this.readCurrent(runtime, touches, ctx);
      const events = changesOfTouches(connectionId, touches, current);
      this.deps.logger.debug('webhook changes captured', {
        connectionId,
        events: events.length,
        ownWritesNotRead: ownWrites,
      });
      for (const event of events) {
        out.push(toMessage(this.deps.changesTopic, event));
        this.deps.metrics.changesCaptured.inc({
          connection: connectionId,
          object: objectLabel(event),
          method: 'webhook',
        });
      }
    }
    return out;
  }

  /** The touched records (batch read with history) and the touched companies' contacts. */
  private async readCurrent(
    runtime: ConnectionRuntime,
    touches: Touches,
    ctx: BatchContext,
  ): Promise<CurrentState> {
    const ids: Record<ObjectType, string[]> = { companies: [], contacts: [] };
    for (const t of touches.records.values()) ids[t.object].push(t.id);
    const reads = (['companies', 'contacts'] as const).flatMap((object) =>
      chunk(ids[object], MAX_HISTORY_READ).map((part) => ({ object, part })),
    );
    const records = new Map<string, HubSpotRecord>();
    const pages = await mapConcurrent(reads, this.deps.concurrency, async ({ object, part }) => {
      const props = runtime.properties[object];
      const found = await runtime.api.read(
        { object, ids: part, properties: props.all, history: props.history },
        'live',
      );
      await ctx.heartbeat().catch(() => undefined);
      return found.map((r) => [`${object}:${r.id}`, r] as const);
    });
    for (const page of pages) for (const [k, r] of page) records.set(k, r);

    const companies = [...new Set([...touches.associations.values()].map((a) => a.companyId))];
    const contactsOfCompany = new Map<string, readonly string[]>();
    for (const part of chunk(companies, MAX_ASSOCIATION_READ)) {
      for (const [company, contacts] of await runtime.api.contactsOfCompanies(part, 'live'))
        contactsOfCompany.set(company, contacts);
    }
    return { records, contactsOfCompany };
  }

  private deadLetter(m: InboundMessage, reason: string, connectionId?: string): OutboundMessage {
    this.deps.logger.warn('webhook inbox message dead-lettered', {
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      reason: reason.slice(0, 200),
    });
    this.deps.metrics.errors.inc({ connection: connectionId ?? 'unknown', category: 'poison' });
    return deadLetter(
      m,
      reason,
      this.deps.groupId,
      this.deps.deadLetterTopic,
      new Date(this.deps.clock.now()),
      connectionId,
    );
  }
}
