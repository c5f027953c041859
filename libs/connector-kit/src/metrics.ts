import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RateLimiter } from './rate-limiter.js';

/**
 * The Prometheus metrics every connector exposes at `GET /metrics`. One registry per service
 * instance (tests start several in one process). Names follow Prometheus conventions: `_total`
 * for counters, base units, labels for the connection and what varies.
 */
export class ConnectorMetrics {
  readonly registry = new Registry();

  /** Change events published to Kafka, by object and capture method (cdc, poll, webhook, import). */
  readonly changesCaptured: Counter<'connection' | 'object' | 'method'>;
  /** Commands finished, by command type and outcome (succeeded, failed). */
  readonly commandsDone: Counter<'connection' | 'command' | 'outcome'>;
  /** Calls made to the CRM API, by operation and HTTP status (or `error` without one). */
  readonly apiCalls: Counter<'connection' | 'crm' | 'operation' | 'status'>;
  /** Errors by category (the sync error categories, plus `transient` and `poison`). */
  readonly errors: Counter<'connection' | 'category'>;
  /** Permits left in each budget window (sampled at scrape time). */
  readonly budgetRemaining: Gauge<'connection' | 'crm' | 'limit'>;
  /** Messages behind the high watermark per consumed partition, as of the last batch. */
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;

  private readonly budgets: {
    readonly labels: { readonly connection: string; readonly crm: string };
    readonly limiter: RateLimiter;
  }[] = [];

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.changesCaptured = new Counter({
      name: 'crm_sync_changes_captured_total',
      help: 'Change events captured and published to Kafka.',
      labelNames: ['connection', 'object', 'method'],
      registers,
    });
    this.commandsDone = new Counter({
      name: 'crm_sync_commands_total',
      help: 'Commands carried out, by outcome.',
      labelNames: ['connection', 'command', 'outcome'],
      registers,
    });
    this.apiCalls = new Counter({
      name: 'crm_sync_api_calls_total',
      help: 'Calls made to a CRM API.',
      labelNames: ['connection', 'crm', 'operation', 'status'],
      registers,
    });
    this.errors = new Counter({
      name: 'crm_sync_errors_total',
      help: 'Errors by category.',
      labelNames: ['connection', 'category'],
      registers,
    });
    const budgets = this.budgets;
    this.budgetRemaining = new Gauge({
      name: 'crm_sync_api_budget_remaining',
      help: 'API permits left in each budget window of this instance.',
      labelNames: ['connection', 'crm', 'limit'],
      registers,
      collect() {
        for (const { labels, limiter } of budgets) {
          for (const s of limiter.snapshot()) this.set({ ...labels, limit: s.name }, s.remaining);
        }
      },
    });
    this.consumerLag = new Gauge({
      name: 'crm_sync_consumer_lag',
      help: 'Messages not yet consumed per partition (high watermark minus next offset).',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
  }

  /** Reports a budget's remaining permits at every scrape. */
  watchBudget(connection: string, crm: 'salesforce' | 'hubspot', limiter: RateLimiter): void {
    this.budgets.push({ labels: { connection, crm }, limiter });
  }

  /** From a kafkajs batch: `highWatermark` is the next offset to be written. */
  recordLag(
    group: string,
    topic: string,
    partition: number,
    highWatermark: string,
    lastOffset: string,
  ): void {
    const lag = BigInt(highWatermark) - BigInt(lastOffset) - 1n;
    this.consumerLag.set(
      { group, topic, partition: String(partition) },
      Number(lag < 0n ? 0n : lag),
    );
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Adds one to `counter` for each label set, with one update per distinct set: a batch of
 * thousands of commands has a handful of sets, and prom-client hashes the labels on every `inc`.
 */
export function incEach<L extends string>(
  counter: Counter<L>,
  labelSets: Iterable<Partial<Record<L, string>>>,
): void {
  const tally = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();
  for (const labels of labelSets) {
    const key = Object.values(labels).join('\u0000');
    const entry = tally.get(key);
    if (entry === undefined) tally.set(key, { labels, n: 1 });
    else entry.n++;
  }
  for (const { labels, n } of tally.values()) counter.inc(labels, n);
}
