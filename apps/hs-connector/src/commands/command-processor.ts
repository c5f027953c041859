import { incEach, type Clock, type ConnectorMetrics } from '@crm-sync/connector-kit';
import {
  exactParser,
  HubSpotCommand,
  type CommandOutcome,
  type HubSpotCompanyChangeEvent,
} from '@crm-sync/domain';
import type { BatchContext, InboundMessage, OutboundMessage } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { z } from 'zod';
import { writtenChangeEvent } from '../changes/change-events.js';
import type { WrittenVersions } from '../polling/written-versions.js';
import type { Connections, ConnectionRuntime } from '../connections/connection-runtime.js';
import { HubSpotRequestError } from '../hubspot/failures.js';
import {
  UPSERT_ID_PROPERTY,
  type BatchWriteResponse,
  type WriteInputs,
} from '../hubspot/hubspot-api.port.js';
import { holdWhileBudgetSpent } from '../kafka/budget-hold.js';
import { deadLetter, parseJson } from '../kafka/dead-letter.js';
import { mapConcurrent } from '../util/batching.js';
import { planWrites, type WriteGroup } from './command-plan.js';
import { allFailed, outcomesOf, resultMessage } from './command-results.js';
import { PooledRequestFailed, WriteCoalescer } from './write-coalescer.js';

const parseCommand = exactParser(HubSpotCommand);

export interface CommandProcessorDeps {
  readonly connections: Connections;
  readonly resultsTopic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly concurrency: number;
  /** Aborted at shutdown: a batch held for the budget lets go at once. */
  readonly signal: AbortSignal;
  /**
   * Where the versions our writes produced go once their results are committed, so that this
   * instance's polls need not read them back.
   */
  readonly writtenVersions?: WrittenVersions;
}

type WriteKind = 'upsert' | 'update';

/** The HubSpot batch request of a kind of write. */
function requestOf(
  runtime: ConnectionRuntime,
  kind: WriteKind,
): (inputs: WriteInputs) => Promise<BatchWriteResponse> {
  return kind === 'upsert'
    ? (inputs) => runtime.api.upsertCompanies(inputs)
    : (inputs) => runtime.api.updateCompanies(inputs);
}

/** One request's outcome per input, and the companies it wrote as HubSpot answered, by input. */
interface Written {
  readonly outcomes: Map<string, CommandOutcome>;
  readonly changes: Map<string, HubSpotCompanyChangeEvent>;
}

/**
 * HubSpot commands → HubSpot batch writes → one result per command, one partition batch at a
 * time inside a Kafka transaction (the results and the command offsets commit together).
 *
 * Exactly-once towards HubSpot rests on two facts: the only way a command runs twice is a batch
 * interrupted before its commit (crash, rebalance), and every write we make is idempotent (an
 * upsert by `salesforceaccountid` finds the company the first run created; an update writes the
 * same values again). So a re-run leaves no duplicate, and its results replace the lost ones.
 *
 * Failures: a record HubSpot refuses (207 error entry, or a whole request refused for it) is a
 * failed result with the domain's category; a request that keeps failing transiently (5xx,
 * timeouts, 429 after retries, the daily limit) throws, so the batch is retried later and no
 * command is lost or failed for a fault that heals.
 */
export class CommandProcessor {
  /** Per connection (its runtime, replaced when its settings change) and kind of write. */
  private readonly pools = new WeakMap<ConnectionRuntime, Record<WriteKind, WriteCoalescer>>();
  private held = 0;

  constructor(private readonly deps: CommandProcessorDeps) {}

  /** Commands in the batches being handled now (most of them wait for the HubSpot budget). */
  get inHand(): number {
    return this.held;
  }

  async handle(messages: readonly InboundMessage[], ctx: BatchContext): Promise<OutboundMessage[]> {
    this.held += messages.length;
    try {
      return await this.process(messages, ctx);
    } catch (e) {
      await holdWhileBudgetSpent(e, ctx, this.deps.clock, this.deps.signal);
      throw e;
    } finally {
      this.held -= messages.length;
    }
  }

  private async process(
    messages: readonly InboundMessage[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    const byConnection = new Map<string, HubSpotCommand[]>();
    for (const m of messages) {
      const parsed = parseCommand(parseJson(m.value));
      if (!parsed.success) {
        out.push(this.deadLetter(m, `not a HubSpot command: ${z.prettifyError(parsed.error)}`));
        continue;
      }
      const command = parsed.data;
      if (this.deps.connections.get(command.connectionId) === undefined) {
        out.push(
          this.deadLetter(m, `unknown connection ${command.connectionId}`, command.connectionId),
        );
        continue;
      }
      const list = byConnection.get(command.connectionId) ?? [];
      list.push(command);
      byConnection.set(command.connectionId, list);
    }
    for (const [connectionId, commands] of byConnection) {
      const runtime = this.deps.connections.get(connectionId);
      if (runtime !== undefined) out.push(...(await this.carryOut(runtime, commands, ctx)));
    }
    return out;
  }

  private async carryOut(
    runtime: ConnectionRuntime,
    commands: readonly HubSpotCommand[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const plan = planWrites(commands);
    const requests: [WriteKind, readonly WriteGroup[]][] = [
      ...plan.upserts.map((g): [WriteKind, readonly WriteGroup[]] => ['upsert', g]),
      ...plan.updates.map((g): [WriteKind, readonly WriteGroup[]] => ['update', g]),
    ];
    const outcomes = new Map<HubSpotCommand, CommandOutcome>();
    /** Company id → the version written, handed to the polls once the results are committed. */
    const versions: [string, number][] = [];
    let captured = 0;
    await mapConcurrent(requests, this.deps.concurrency, async ([kind, groups]) => {
      const written = await this.write(runtime, kind, groups);
      for (const g of groups) {
        const outcome = written.outcomes.get(g.input.id);
        if (outcome === undefined) continue;
        for (const c of g.commands) outcomes.set(c, outcome);
        // The written company goes with the result of the group's last command: sync-rules
        // learns the written values with the result, once.
        const change = written.changes.get(g.input.id);
        const last = g.commands.at(-1);
        if (change !== undefined && last !== undefined && outcome.outcome === 'succeeded') {
          outcomes.set(last, { ...outcome, written: change });
          versions.push([change.payload.recordId, Date.parse(change.payload.changedAt)]);
        }
      }
      captured += written.changes.size;
      await ctx.heartbeat().catch(() => undefined);
    });
    const completedAt = new Date(this.deps.clock.now()).toISOString();
    const connection = runtime.config.connectionId;
    const written = this.deps.writtenVersions;
    if (written !== undefined && versions.length > 0)
      ctx.onCommit(() => {
        written.record(connection, versions);
      });
    const done: { connection: string; command: string; outcome: string }[] = [];
    const results = commands.flatMap((c) => {
      const outcome = outcomes.get(c);
      if (outcome === undefined) return [];
      done.push({ connection, command: c.type, outcome: outcome.outcome });
      if (outcome.outcome === 'failed') {
        this.deps.metrics.errors.inc({ connection, category: outcome.error.category });
        this.deps.logger.warn('hubspot command failed', {
          connectionId: connection,
          commandId: c.payload.commandId,
          code: outcome.error.code,
          category: outcome.error.category,
        });
      }
      return [resultMessage(this.deps.resultsTopic, c, outcome, completedAt)];
    });
    incEach(this.deps.metrics.commandsDone, done);
    if (captured > 0) {
      this.deps.metrics.changesCaptured.inc(
        { connection, object: 'company', method: 'write' },
        captured,
      );
    }
    return results;
  }

  /**
   * One batch write: first pooled with the other batches' (`WriteCoalescer`). A whole request
   * refused with a 4xx (HubSpot refuses a batch for one bad value) is sent again alone if it held
   * other batches' records, then split in halves until the refused records stand alone, so every
   * other record is written and every result names the right record.
   */
  private async write(
    runtime: ConnectionRuntime,
    kind: WriteKind,
    groups: readonly WriteGroup[],
    alone = false,
  ): Promise<Written> {
    const inputs = groups.map((g) => g.input);
    try {
      const response = await (alone
        ? requestOf(runtime, kind)(inputs)
        : this.poolOf(runtime)[kind].write(inputs));
      const byInput = new Map(inputs.map((i) => [i.id, i]));
      const changes = new Map<string, HubSpotCompanyChangeEvent>();
      for (const result of response.results) {
        const input = byInput.get(result.inputId);
        if (input === undefined) continue;
        const written = Object.keys(input.properties);
        changes.set(
          result.inputId,
          writtenChangeEvent({
            connectionId: runtime.config.connectionId,
            appId: runtime.config.appId,
            result,
            written: kind === 'upsert' ? [...written, UPSERT_ID_PROPERTY] : written,
          }),
        );
      }
      return { outcomes: outcomesOf(groups, response), changes };
    } catch (failure) {
      // A pooled request held other batches' records too: the refused one may be theirs.
      const pooled = failure instanceof PooledRequestFailed;
      const e: unknown = pooled ? failure.cause : failure;
      if (!(e instanceof HubSpotRequestError) || !refusedForContent(e)) throw e;
      if (pooled) return this.write(runtime, kind, groups, true);
      // One record, or a refusal that is not about content (missing scopes): nothing to split.
      if (groups.length === 1 || e.failure.status === 403)
        return { outcomes: allFailed(groups, e.syncError.data), changes: new Map() };
      const half = Math.ceil(groups.length / 2);
      const [a, b] = await Promise.all([
        this.write(runtime, kind, groups.slice(0, half), true),
        this.write(runtime, kind, groups.slice(half), true),
      ]);
      return {
        outcomes: new Map([...a.outcomes, ...b.outcomes]),
        changes: new Map([...a.changes, ...b.changes]),
      };
    }
  }

  private poolOf(runtime: ConnectionRuntime): Record<WriteKind, WriteCoalescer> {
    let pool = this.pools.get(runtime);
    if (pool === undefined) {
      pool = {
        upsert: new WriteCoalescer(requestOf(runtime, 'upsert')),
        update: new WriteCoalescer(requestOf(runtime, 'update')),
      };
      this.pools.set(runtime, pool);
    }
    return pool;
  }

  private deadLetter(m: InboundMessage, reason: string, connectionId?: string): OutboundMessage {
    this.deps.logger.warn('hubspot command dead-lettered', {
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

/** A 4xx answer about the request's content (not auth, not limits): a record-level verdict. */
function refusedForContent(e: HubSpotRequestError): boolean {
  const status = e.failure.status;
  return (
    e.failure.kind === 'http' &&
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    status !== 401 &&
    status !== 429 &&
    !e.syncError.retriable
  );
}
