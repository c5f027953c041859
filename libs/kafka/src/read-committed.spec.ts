import { describe, expect, it } from '@jest/globals';
import {
  assertReadCommittedFilter,
  kafkajsAbortedRecordFilter,
  type FetchedRecord,
} from './read-committed.js';

const record = (
  offset: number,
  producerId: string,
  kind: 'data' | 'plain' | 'abort' | 'commit',
  key: Buffer = Buffer.from(`k${offset}`),
): FetchedRecord => ({
  offset: String(offset),
  key:
    kind === 'abort'
      ? Buffer.from([0, 0, 0, 0])
      : kind === 'commit'
        ? Buffer.from([0, 0, 0, 1])
        : key,
  isControlRecord: kind === 'abort' || kind === 'commit',
  batchContext: { producerId, inTransaction: kind !== 'plain' },
});

/** Offsets of the data records the installed kafkajs filter lets through. */
function delivered(
  messages: readonly FetchedRecord[],
  abortedTransactions: readonly { producerId: string; firstOffset: number }[],
): number[] {
  return kafkajsAbortedRecordFilter()({
    messages,
    abortedTransactions: abortedTransactions.map((t) => ({
      producerId: t.producerId,
      firstOffset: String(t.firstOffset),
    })),
  })
    .filter((r) => !r.isControlRecord)
    .map((r) => Number(r.offset));
}

describe('kafkajs read_committed filter (as installed, with tools/patches)', () => {
  it('drops a transaction that began first and was aborted last (the broker lists it second)', () => {
    const messages = [
      record(0, '1', 'data'),
      record(1, '2', 'data'),
      record(2, '2', 'abort'),
      record(3, '1', 'abort'),
      record(4, '3', 'plain'),
    ];
    expect(
      delivered(messages, [
        { producerId: '2', firstOffset: 1 },
        { producerId: '1', firstOffset: 0 },
      ]),
    ).toEqual([4]);
  });

  it('drops the next aborted transaction when the fetch starts inside an earlier one', () => {
    // Fetched from offset 67: producer 304's transaction began at 0 and ends at 142.
    const messages = [
      record(67, '306', 'data'),
      record(68, '306', 'data'),
      record(142, '304', 'abort'),
      record(143, '313', 'data'),
      record(144, '313', 'commit'),
      record(145, '306', 'abort'),
    ];
    expect(
      delivered(messages, [
        { producerId: '304', firstOffset: 0 },
        { producerId: '306', firstOffset: 67 },
      ]),
    ).toEqual([143]);
  });

  it('keeps committed transactions of a producer around its aborted one', () => {
    const messages = [
      record(0, '7', 'data'),
      record(1, '7', 'commit'),
      record(2, '7', 'data'),
      record(3, '7', 'abort'),
      record(4, '7', 'data'),
      record(5, '7', 'commit'),
    ];
    expect(delivered(messages, [{ producerId: '7', firstOffset: 2 }])).toEqual([0, 4]);
  });

  it('does not take a data record keyed 0x00000000 for an abort marker', () => {
    const messages = [
      record(0, '7', 'data'),
      record(1, '8', 'plain', Buffer.from([0, 0, 0, 0])),
      record(2, '7', 'data'),
      record(3, '7', 'abort'),
    ];
    expect(delivered(messages, [{ producerId: '7', firstOffset: 0 }])).toEqual([1]);
  });

  it('passes the boot check', () => {
    expect(() => {
      assertReadCommittedFilter();
    }).not.toThrow();
  });

  it('the boot check refuses a filter that lets aborted records through', () => {
    expect(() => {
      assertReadCommittedFilter(({ messages }) => [...messages]);
    }).toThrow(/aborted transactions/);
  });
});
