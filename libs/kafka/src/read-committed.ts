import { createRequire } from 'node:module';

/** A fetched record as kafkajs hands it to its aborted-transaction filter (the fields it reads). */
export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

export type AbortedRecordFilter = (fetched: {
  messages: readonly FetchedRecord[];
  abortedTransactions: readonly AbortedTransaction[];
}) => FetchedRecord[];

/** The filter kafkajs's consumers run on every read_committed fetch (as installed). */
export function kafkajsAbortedRecordFilter(): AbortedRecordFilter {
  return createRequire(import.meta.url)(
    'kafkajs/src/consumer/filterAbortedMessages.js',
  ) as AbortedRecordFilter;
}

const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);
const data = (offset: string, producerId: string): FetchedRecord => ({
  offset,
  key: Buffer.from('k'),
  isControlRecord: false,
  batchContext: { producerId, inTransaction: true },
});
const abortMarker = (offset: string, producerId: string): FetchedRecord => ({
  offset,
  key: ABORT_MARKER,
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});

/**
 * Throws unless kafkajs drops the records of aborted transactions. kafkajs 2.2.4's own filter
 * lets some through (a transaction that began first but was aborted last, or one that began
 * before the fetch offset next to another); `tools/patches` replaces it at install. Without
 * the fix, consumers (the transactional pipelines included) would act on records whose
 * transaction never committed, so a client is refused rather than run without it.
 */
export function assertReadCommittedFilter(filter = kafkajsAbortedRecordFilter()): void {
  // Producer 1 began first and aborted last, so the broker lists its transaction second.
  const kept = filter({
    messages: [data('0', '1'), data('1', '2'), abortMarker('2', '2'), abortMarker('3', '1')],
    abortedTransactions: [
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ],
  }).filter((r) => !r.isControlRecord);
  if (kept.length > 0) {
    throw new Error(
      'kafkajs passes records of aborted transactions to read_committed consumers: ' +
        'run `node tools/patches/apply.js` (it runs on npm ci as postinstall)',
    );
  }
}
