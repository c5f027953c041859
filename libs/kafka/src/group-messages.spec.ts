import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

interface Args {
  readonly topic: string;
  readonly partitionMetadata: readonly { partitionId: number }[];
  readonly messages: readonly { key: string }[];
  readonly partitioner: (a: { message: { key: string } }) => number;
}
type Group = (args: Args) => Record<string, { key: string }[]>;

/** kafkajs's grouping of a send's messages by partition, as installed (with tools/patches). */
const group = createRequire(import.meta.url)(
  'kafkajs/src/producer/groupMessagesPerPartition.js',
) as Group;

const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId }));
const partitioner = ({ message }: { message: { key: string } }) => Number(message.key) % 3;

describe('kafkajs groupMessagesPerPartition (as installed, with tools/patches)', () => {
  it('puts each message in its partition, in the order sent', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: String(i) }));
    expect(group({ topic: 't', partitionMetadata, messages, partitioner })).toEqual({
      0: [0, 3, 6, 9].map((i) => messages[i]),
      1: [1, 4, 7].map((i) => messages[i]),
      2: [2, 5, 8].map((i) => messages[i]),
    });
  });

  it('groups nothing while no partition is known', () => {
    expect(
      group({ topic: 't', partitionMetadata: [], messages: [{ key: '1' }], partitioner }),
    ).toEqual({});
  });

  it('is the linear one from tools/patches (by its function name)', () => {
    expect(group.name).toBe('groupMessagesLinear');
  });
});
