import type { PolledRecord } from './records.js';

/** Test data: an Account version read by a poll, created a day before `at` unless `extra` says. */
export function polledAccount(
  id: string,
  at: number,
  extra: Partial<PolledRecord> = {},
): PolledRecord {
  return {
    object: 'Account',
    id,
    systemModstamp: at,
    createdDate: at - 86_400_000,
    isDeleted: false,
    masterRecordId: null,
    fields: { Id: id },
    ...extra,
  };
}
