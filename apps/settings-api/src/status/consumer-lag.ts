import { committedOf, lagBehind, type Admin } from '@crm-sync/kafka';
import type { ConnectionStatusView } from './status.schemas.js';

export type LagReport = ConnectionStatusView['lag'];

/** How far behind the sync engine is: messages its consumer groups have not committed yet. */
export interface LagProbe {
  lag(): Promise<LagReport>;
}

/**
 * Kafka consumer lag of the configured groups (sync-rules' route and decide stages by default):
 * per group, the sum over its partitions of the latest offset minus the committed one. It covers
 * every connection of the deployment, since topics are shared; per-connection lag is not tracked.
 */
export class KafkaLagProbe implements LagProbe {
  constructor(
    private readonly admin: Admin,
    private readonly groupIds: readonly string[],
  ) {}

  async lag(): Promise<LagReport> {
    if (this.groupIds.length === 0) {
      return {
        available: false,
        note: 'No consumer groups configured (LAG_CONSUMER_GROUPS).',
        groups: [],
      };
    }
    const groups = await Promise.all(this.groupIds.map((g) => this.groupLag(g)));
    return {
      available: groups.some((g) => g.messages !== null),
      note: 'Messages not yet processed by each consumer group, over all connections of this deployment (Kafka consumer lag). null: the group has committed nothing yet.',
      groups,
    };
  }

  private async groupLag(groupId: string): Promise<LagReport['groups'][number]> {
    const topics = (await this.admin.fetchOffsets({ groupId }))
      .map((t) => ({ topic: t.topic, committed: committedOf(t.partitions) }))
      .filter((t) => t.committed.size > 0);
    if (topics.length === 0) return { groupId, messages: null, topics: 0 };
    let messages = 0;
    for (const t of topics) {
      messages += lagBehind(await this.admin.fetchTopicOffsets(t.topic), t.committed);
    }
    return { groupId, messages, topics: topics.length };
  }
}
