import { describe, expect, it } from '@jest/globals';
import type { SalesforceChangeType } from '../contracts/change-events.js';
import {
  checkImportAllowed,
  checkMappingEditAllowed,
  decideAccountSync,
  decideCompanySync,
  planMassSyncRun,
} from './account-sync.js';

const ENABLED = '2025-02-01T00:00:00Z';
const on = { syncCompanies: true, syncEnabledAt: ENABLED, deletePolicy: 'record_only' } as const;
const BEFORE = '2025-01-01T00:00:00Z';
const AFTER = '2025-03-01T00:00:00Z';

describe('decideAccountSync (R1–R3)', () => {
  it.each([
    // name, changeType, createdDate, changedAt, linked, expected
    [
      'new account after enable, unlinked → create',
      'created',
      AFTER,
      AFTER,
      false,
      { kind: 'create', target: 'hubspot', reasons: ['NEW_ACCOUNT_AFTER_SYNC_ENABLED'] },
    ],
    [
      'created exactly at enable counts as new',
      'created',
      ENABLED,
      ENABLED,
      false,
      { kind: 'create', target: 'hubspot', reasons: ['NEW_ACCOUNT_AFTER_SYNC_ENABLED'] },
    ],
    [
      'old account changed after enable → create',
      'updated',
      BEFORE,
      AFTER,
      false,
      { kind: 'create', target: 'hubspot', reasons: ['CHANGED_AFTER_SYNC_ENABLED'] },
    ],
    [
      'old account changed after enable, linked → update',
      'updated',
      BEFORE,
      AFTER,
      true,
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['CHANGED_AFTER_SYNC_ENABLED', 'LINKED_RECORD_CHANGED'],
      },
    ],
    [
      'old account not changed since (polled late) → skip',
      'updated',
      BEFORE,
      BEFORE,
      false,
      { kind: 'skip', reasons: ['CREATED_BEFORE_SYNC_ENABLED'] },
    ],
    [
      'old account changed at the enable instant → skip',
      'updated',
      BEFORE,
      ENABLED,
      false,
      { kind: 'skip', reasons: ['CREATED_BEFORE_SYNC_ENABLED'] },
    ],
    [
      'old account imported → create',
      'snapshot',
      BEFORE,
      BEFORE,
      false,
      { kind: 'create', target: 'hubspot', reasons: ['IMPORTED'] },
    ],
    [
      'deleted, unlinked → skip',
      'deleted',
      undefined,
      AFTER,
      false,
      { kind: 'skip', reasons: ['NOT_LINKED'] },
    ],
    [
      'deleted, linked, record_only → skip',
      'deleted',
      undefined,
      AFTER,
      true,
      { kind: 'skip', reasons: ['DELETE_NOT_PROPAGATED'] },
    ],
    [
      'merged, linked → skip',
      'merged',
      undefined,
      AFTER,
      true,
      { kind: 'skip', reasons: ['MERGED_INTO_OTHER_RECORD'] },
    ],
    [
      'undeleted, linked → restore',
      'undeleted',
      BEFORE,
      AFTER,
      true,
      { kind: 'update', target: 'hubspot', reasons: ['RESTORED'] },
    ],
    [
      'undeleted, unlinked → like a change',
      'undeleted',
      BEFORE,
      AFTER,
      false,
      { kind: 'create', target: 'hubspot', reasons: ['CHANGED_AFTER_SYNC_ENABLED'] },
    ],
  ] as const)(
    '%s',
    (_n, changeType: SalesforceChangeType, createdDate, changedAt, linked, expected) => {
      expect(
        decideAccountSync({ settings: on, change: { changeType, createdDate, changedAt }, linked }),
      ).toEqual(expected);
    },
  );

  it('skips everything while sync is off', () => {
    const off = { syncCompanies: false, syncEnabledAt: null, deletePolicy: 'propagate' } as const;
    for (const changeType of ['created', 'snapshot', 'deleted'] as const) {
      expect(
        decideAccountSync({
          settings: off,
          change: { changeType, createdDate: AFTER, changedAt: AFTER },
          linked: true,
        }),
      ).toEqual({ kind: 'skip', reasons: ['SYNC_DISABLED'] });
    }
  });

  it('propagates a delete only when the connection says so', () => {
    expect(
      decideAccountSync({
        settings: { ...on, deletePolicy: 'propagate' },
        change: { changeType: 'deleted', changedAt: AFTER },
        linked: true,
      }),
    ).toEqual({ kind: 'delete', target: 'hubspot', reasons: ['DELETE_PROPAGATED'] });
  });

  it('a manual resync skips R3 timing', () => {
    expect(
      decideAccountSync({
        settings: on,
        change: { changeType: 'updated', createdDate: BEFORE, changedAt: BEFORE },
        linked: true,
        manual: true,
      }),
    ).toEqual({
      kind: 'update',
      target: 'hubspot',
      reasons: ['MANUAL_RESYNC', 'LINKED_RECORD_CHANGED'],
    });
  });
});

describe('decideCompanySync', () => {
  it.each([
    [
      'off',
      { ...on, syncCompanies: false },
      'updated',
      true,
      { kind: 'skip', reasons: ['SYNC_DISABLED'] },
    ],
    [
      'linked update',
      on,
      'updated',
      true,
      { kind: 'update', target: 'salesforce', reasons: ['LINKED_RECORD_CHANGED'] },
    ],
    [
      'linked restored',
      on,
      'restored',
      true,
      { kind: 'update', target: 'salesforce', reasons: ['RESTORED'] },
    ],
    ['unlinked → R6 decides', on, 'created', false, { kind: 'skip', reasons: ['NOT_LINKED'] }],
    [
      'deleted record_only',
      on,
      'deleted',
      true,
      { kind: 'skip', reasons: ['DELETE_NOT_PROPAGATED'] },
    ],
    [
      'deleted propagate',
      { ...on, deletePolicy: 'propagate' },
      'deleted',
      true,
      { kind: 'delete', target: 'salesforce', reasons: ['DELETE_PROPAGATED'] },
    ],
    ['merged', on, 'merged', true, { kind: 'skip', reasons: ['MERGED_INTO_OTHER_RECORD'] }],
  ] as const)('%s', (_n, settings, changeType, linked, expected) => {
    expect(decideCompanySync({ settings, changeType, linked })).toEqual(expected);
  });
});

describe('R1 refusals and R5 cap', () => {
  it('refuses import and mapping edits while off, with a message saying what to do', () => {
    const imp = checkImportAllowed({ syncCompanies: false });
    const edit = checkMappingEditAllowed({ syncCompanies: false });
    expect(imp.ok ? '' : imp.error.message).toMatch(/Turn on company sync before importing/);
    expect(edit.ok ? '' : edit.error.code).toBe('COMPANY_SYNC_DISABLED');
    expect(checkImportAllowed({ syncCompanies: true })).toEqual({ ok: true });
    expect(checkMappingEditAllowed({ syncCompanies: true })).toEqual({ ok: true });
  });

  it.each([
    [10, 200_000, { status: 'complete', batchSize: 10 }],
    [200_000, 200_000, { status: 'complete', batchSize: 200_000 }],
  ] as const)('%i pending, limit %i → complete', (pending, massSyncLimit, expected) => {
    expect(planMassSyncRun({ pending, massSyncLimit })).toEqual(expected);
  });

  it('ends partial past the cap with MAPPING_SYNC_LIMIT and the number left', () => {
    const plan = planMassSyncRun({ pending: 200_005, massSyncLimit: 200_000 });
    expect(plan).toMatchObject({
      status: 'partial',
      batchSize: 200_000,
      remaining: 5,
      error: {
        code: 'MAPPING_SYNC_LIMIT',
        message: "We couldn't sync all your updates for this mapping",
      },
    });
  });
});
