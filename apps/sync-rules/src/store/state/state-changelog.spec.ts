import { describe, expect, it } from '@jest/globals';
import { applyRecords } from './state-batch.js';
import { alreadyHeld, decodeRecord, encodeRecord, SEQ_HEADER } from './state-changelog.js';
import { SyncState, type StateRecord } from './sync-state.js';
import { SEP } from './table.js';

describe('state changelog messages', () => {
  const record: StateRecord = {
    table: 'companies',
    id: `c1${SEP}101`,
    seq: 5_000,
    row: {
      companyId: '101',
      properties: {},
      propertyChangedAt: {},
      autoCreated: false,
      deleted: false,
    },
  };

  it('round-trip, with the seq in a header', () => {
    const m = encodeRecord('state', record);
    expect(m.headers?.[SEQ_HEADER]).toBe('5000');
    expect(decodeRecord(m.key, m.value)).toEqual(record);
  });

  it('tell a version the state holds already (or a newer one) from its key and header alone', () => {
    const state = new SyncState();
    const key = encodeRecord('state', record).key;
    expect(alreadyHeld(state, key, '5000')).toBe(false);
    applyRecords(state, [record]);
    expect(alreadyHeld(state, key, '5000')).toBe(true);
    expect(alreadyHeld(state, key, '4999')).toBe(true);
    expect(alreadyHeld(state, key, '5001')).toBe(false);
    expect(alreadyHeld(state, key, undefined)).toBe(false);
    expect(alreadyHeld(state, key, 'not a number')).toBe(false);
    expect(alreadyHeld(state, `unknown-table${SEP}c1${SEP}101`, '1')).toBe(false);
  });
});
