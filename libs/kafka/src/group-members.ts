import { AssignerProtocol } from 'kafkajs';

/** The partitions of `topic` a group member holds, from its assignment in `describeGroups`. */
export function assignedPartitions(memberAssignment: Buffer, topic: string): number[] {
  return AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment[topic] ?? [];
}
