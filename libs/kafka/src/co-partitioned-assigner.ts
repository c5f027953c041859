import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * A consumer-group assignor that keeps partition N of every subscribed topic on the same member
 * (Kafka Streams' co-partitioning): with topics keyed alike and partitioned alike, everything about
 * one key reaches one member, whichever topic it came through. Partition N goes to the N-th member
 * (modulo their number) in member-id order, so the assignment is the same whoever computes it.
 * Every member of the group must use it (the protocol name says so to the broker).
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CoPartitioned',
  version: 1,
  assign({ members, topics }) {
    const sorted = members.map((m) => m.memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>();
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const member = sorted[partitionId % sorted.length];
        if (member === undefined) continue;
        const mine = assignment.get(member) ?? {};
        (mine[topic] ??= []).push(partitionId);
        assignment.set(member, mine);
      }
    }
    return Promise.resolve(
      sorted.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: assignment.get(memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      })),
    );
  },
  protocol({ topics }) {
    return {
      name: 'CoPartitioned',
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 1,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
