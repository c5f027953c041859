import { incEach, type Clock, type ConnectorMetrics } from '@crm-sync/connector-kit';
import { exactParser, SalesforceCommand } from '@crm-sync/domain';
import {
  TransactionalPipeline,
  type BatchContext,
  type InboundMessage,
  type Kafka,
  type OutboundMessage,
} from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { z } from 'zod';
import type { RetrySettings } from '../config.js';
import { connectionIdOf, deadLetterMessage } from '../dead-letter.js';
import { retrying } from '../salesforce/errors.js';
import { yieldToEventLoop } from '../async.js';
import type { SfConnectorTopics } from '../topics.js';
import type { CommandExecutor, ExecutedCommand } from './command-executor.js';
import { resultMessage } from './command-results.js';

/** How long shutdown lets a batch in flight finish before releasing it for redelivery. */
const SHUTDOWN_GRACE_MS = 15_000;
const HEARTBEAT_MS = 3_000;

export type CommandDecoding =
  | { readonly ok: true; readonly command: SalesforceCommand }
  | { readonly ok: false; readonly reason: string; readonly connectionId: string | undefined };

const parseCommand = exactParser(SalesforceCommand);

/** Parses one command message at the edge; what fails goes to the dead letter with the reason. */
export function decodeCommand(raw: string | null): CommandDecoding {
  if (raw === null) return { ok: false, reason: 'empty message', connectionId: undefined };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    const reason = `not JSON: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, reason, connectionId: undefined };
  }
  const parsed = parseCommand(json);
  return parsed.success
    ? { ok: true, command: parsed.data }
    : { ok: false, reason: z.prettifyError(parsed.error), connectionId: connectionIdOf(json) };
}

export interface CommandPipelineOptions {
  readonly kafka: Kafka;
  readonly topics: SfConnectorTopics;
  readonly groupId: string;
  /** Whether this deployment serves the connection (others' commands are dead-lettered). */
  readonly serves: (connectionId: string) => boolean;
  /** The executor of a served connection (its first use reads the org's limits). */
  readonly executorFor: (connectionId: string) => Promise<CommandExecutor>;
  readonly partitionsConcurrently: number;
  readonly fetchBytes: number;
  /** Most bytes of one fetch over all partitions. */
  readonly fetchMaxBytes: number;
  /** Backoff while a connection's client cannot be created (Salesforce unreachable). */
  readonly retry: RetrySettings;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  /** Fault injection for tests (see TransactionalPipelineOptions.beforeCommit). */
  readonly beforeCommit?: (ctx: { readonly topic: string; readonly partition: number }) => void;
}

/**
 * Consumes the Salesforce command topic in batches: parse, write with sObject Collections, and
 * emit one result per command, with the results and the consumed offsets committed in one Kafka
 * transaction. A crash before the commit makes the batch run again; writes are idempotent
 * (upserts by external id, updates of absolute values), so no record is created twice.
 */
export class CommandPipeline {
  private pipeline: TransactionalPipeline | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly o: CommandPipelineOptions) {}

  async start(): Promise<void> {
    this.pipeline = new TransactionalPipeline({
      kafka: this.o.kafka,
      logger: this.o.logger,
      groupId: this.o.groupId,
      topics: [this.o.topics.salesforceCommands],
      partitionsConsumedConcurrently: this.o.partitionsConcurrently,
      maxBytesPerPartition: this.o.fetchBytes,
      maxBytesPerFetch: this.o.fetchMaxBytes,
      handle: (messages, ctx) => this.handle(messages, ctx),
      ...(this.o.beforeCommit ? { beforeCommit: this.o.beforeCommit } : {}),
    });
    await this.pipeline.start();
  }

  /** Lets batches in flight finish (up to a grace period, then releases them), then stops. */
  async stop(): Promise<void> {
    const timer = setTimeout(() => {
      this.abort.abort(new Error('shutting down'));
    }, SHUTDOWN_GRACE_MS);
    try {
      await this.pipeline?.stop();
    } finally {
      clearTimeout(timer);
      this.abort.abort(new Error('stopped'));
    }
  }

  private async handle(
    messages: readonly InboundMessage[],
    ctx: BatchContext,
  ): Promise<OutboundMessage[]> {
    const ticker = setInterval(() => {
      ctx.heartbeat().catch((e: unknown) => {
        this.o.logger.debug('heartbeat refused', {
          partition: ctx.partition,
          error: e instanceof Error ? e.message : String(e),
        });
      });
    }, HEARTBEAT_MS);
    try {
      return await this.process(messages);
    } finally {
      clearInterval(ticker);
    }
  }

  private async process(messages: readonly InboundMessage[]): Promise<OutboundMessage[]> {
    const now = () => new Date(this.o.clock.now()).toISOString();
    const outputs = new Map<InboundMessage, OutboundMessage>();
    const byConnection = new Map<
      string,
      { message: InboundMessage; command: SalesforceCommand }[]
    >();
    for (const [i, m] of messages.entries()) {
      // Parsing a large batch at once would hold the event loop, and with it requests that
      // already took their budget permit (their rate is measured where they arrive).
      if (i % 100 === 99) await yieldToEventLoop();
      const decoded = decodeCommand(m.value);
      if (!decoded.ok) {
        outputs.set(m, this.deadLetter(m, decoded.reason, decoded.connectionId, now()));
        continue;
      }
      const connectionId = decoded.command.connectionId;
      if (!this.o.serves(connectionId)) {
        const reason = `connection ${connectionId} is not served by this deployment`;
        outputs.set(m, this.deadLetter(m, reason, connectionId, now()));
        continue;
      }
      const list = byConnection.get(connectionId) ?? [];
      list.push({ message: m, command: decoded.command });
      byConnection.set(connectionId, list);
    }
    await Promise.all(
      [...byConnection].map(async ([connectionId, items]) => {
        const executor = await retrying(() => this.o.executorFor(connectionId), {
          retry: this.o.retry,
          sleep: (ms, signal) => this.o.clock.sleep(ms, signal),
          signal: this.abort.signal,
          bounded: false,
        });
        const executed = await executor.execute(
          items.map((i) => i.command),
          this.abort.signal,
        );
        const completedAt = now();
        const topic = this.o.topics.commandResults;
        executed.forEach((e, i) => {
          const item = items[i];
          if (item)
            outputs.set(
              item.message,
              resultMessage(topic, e.command, e.outcome, e.attempt, completedAt),
            );
        });
        this.count(executed);
      }),
    );
    return messages.flatMap((m) => {
      const out = outputs.get(m);
      return out ? [out] : [];
    });
  }

  /** Commands done and errors, one metric update per label set of the batch. */
  private count(executed: readonly ExecutedCommand[]): void {
    incEach(
      this.o.metrics.commandsDone,
      executed.map((e) => ({
        connection: e.command.connectionId,
        command: e.command.type,
        outcome: e.outcome.outcome,
      })),
    );
    incEach(
      this.o.metrics.errors,
      executed.flatMap((e) =>
        e.outcome.outcome === 'failed'
          ? [{ connection: e.command.connectionId, category: e.outcome.error.category }]
          : [],
      ),
    );
  }

  private deadLetter(
    m: InboundMessage,
    reason: string,
    connectionId: string | undefined,
    now: string,
  ): OutboundMessage {
    this.o.metrics.errors.inc({ connection: connectionId ?? 'unknown', category: 'poison' });
    this.o.logger.warn('command dead-lettered', {
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      reason: reason.slice(0, 200),
    });
    return deadLetterMessage({
      deadLetterTopic: this.o.topics.deadLetter,
      failed: m,
      reason,
      consumerGroup: this.o.groupId,
      connectionId,
      now,
    });
  }
}
