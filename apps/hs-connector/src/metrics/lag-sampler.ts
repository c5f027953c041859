import type { ConnectorMetrics } from '@crm-sync/connector-kit';
import type { Admin } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';

export interface LaggedGroup {
  readonly groupId: string;
  readonly topic: string;
}

/**
 * Consumer lag per partition (end offset minus the group's committed offset), sampled from the
 * broker on a timer: it works whatever consumes, and a stalled consumer shows a growing lag.
 */
export class LagSampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly metrics: ConnectorMetrics,
    private readonly groups: readonly LaggedGroup[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => {
        this.sampling = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  async sample(): Promise<void> {
    for (const { groupId, topic } of this.groups) {
      try {
        const [committed, ends] = await Promise.all([
          this.admin.fetchOffsets({ groupId, topics: [topic] }),
          this.admin.fetchTopicOffsets(topic),
        ]);
        const byPartition = new Map(
          (committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]),
        );
        for (const end of ends) {
          const offset = byPartition.get(end.partition) ?? '-1';
          const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
          const lag = BigInt(end.high) - from;
          this.metrics.consumerLag.set(
            { group: groupId, topic, partition: String(end.partition) },
            Number(lag < 0n ? 0n : lag),
          );
        }
      } catch (e) {
        this.logger.debug('consumer lag not sampled', { groupId, topic, error: e });
      }
    }
  }
}
