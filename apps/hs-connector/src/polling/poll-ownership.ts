import type { Admin, Consumer, Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import { ownedConnections } from './partitioning.js';

export interface Ownership {
  /** Connections this instance polls now. */
  readonly owned: ReadonlySet<string>;
  /** Instances in the group (each takes that share of every connection's budget). */
  readonly members: number;
}

export interface PollOwnershipOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** The control topic: keyed by connection, so a connection's key is on one partition. */
  readonly topic: string;
  readonly groupId: string;
  readonly connectionIds: readonly string[];
  readonly logger: Logger;
  readonly onChange: (ownership: Ownership) => void;
}

/**
 * Who polls which connection. Every instance joins one consumer group on the control topic;
 * Kafka assigns each partition to exactly one member, and a connection belongs to the member
 * holding the partition its key (`connectionKey`) hashes to. When a rebalance starts, polling
 * stops everywhere; when it ends, each member starts the connections it now owns. An instance
 * that dies loses its partitions after the session timeout and another takes them over. The
 * consumer reads nothing of substance: membership is the point.
 */
export class PollOwnership {
  private consumer: Consumer | undefined;
  /** Kept through a rebalance: the budget share must not jump to 1 while the group re-forms. */
  private members = 1;

  constructor(private readonly options: PollOwnershipOptions) {}

  async start(): Promise<void> {
    const { kafka, topic, groupId, logger } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000,
    });
    const none = () => {
      this.options.onChange({ owned: new Set(), members: this.members });
    };
    consumer.on(consumer.events.REBALANCING, none);
    consumer.on(consumer.events.STOP, none);
    consumer.on(consumer.events.CRASH, none);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[topic] ?? []);
      this.joined(assigned).catch((error: unknown) => {
        logger.error('poll ownership not applied', { error });
      });
    });
    await consumer.connect();
    this.consumer = consumer;
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachMessage: () => Promise.resolve() });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async joined(assigned: ReadonlySet<number>): Promise<void> {
    const { admin, topic, groupId, connectionIds, logger } = this.options;
    const [meta, groups] = await Promise.all([
      admin.fetchTopicMetadata({ topics: [topic] }),
      admin.describeGroups([groupId]),
    ]);
    const partitions = meta.topics[0]?.partitions.length ?? 0;
    const members = Math.max(1, groups.groups[0]?.members.length ?? 1);
    this.members = members;
    const owned =
      partitions === 0 ? new Set<string>() : ownedConnections(connectionIds, assigned, partitions);
    logger.info('poll ownership', {
      groupId,
      partitions: [...assigned],
      owned: [...owned],
      members,
    });
    this.options.onChange({ owned, members });
  }
}
