import { ConnectionSettings, enableCompanySync } from '@crm-sync/domain';
import { describe, expect, it } from '@jest/globals';
import { editSettings } from './settings-edit.js';

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-02T10:00:00.000Z';
const off = ConnectionSettings.parse({ connectionId: 'c1' });

describe('editSettings', () => {
  it('turning company sync on records syncEnabledAt = now (R1); staying on keeps the first time', () => {
    const on = editSettings(off, { syncCompanies: true }, 'merge', T1);
    expect(on).toMatchObject({ syncCompanies: true, syncEnabledAt: T1 });
    const again = editSettings(on, { syncCompanies: true, lifecycleRollup: false }, 'merge', T2);
    expect(again).toMatchObject({ syncCompanies: true, syncEnabledAt: T1, lifecycleRollup: false });
  });

  it('turning it off clears syncEnabledAt', () => {
    const on = enableCompanySync(off, T1);
    expect(editSettings(on, { syncCompanies: false }, 'merge', T2)).toMatchObject({
      syncCompanies: false,
      syncEnabledAt: null,
    });
  });

  it('PATCH changes only the given fields and merges apiBudget field by field', () => {
    const before = ConnectionSettings.parse({
      connectionId: 'c1',
      massSyncLimit: 10,
      apiBudget: { hubspotDailyShare: 0.3 },
    });
    const after = editSettings(before, { apiBudget: { backfillShare: 0.2 } }, 'merge', T1);
    expect(after.massSyncLimit).toBe(10);
    expect(after.apiBudget).toMatchObject({ hubspotDailyShare: 0.3, backfillShare: 0.2 });
  });

  it('PUT resets omitted fields to their defaults and keeps the toggle as given', () => {
    const before = enableCompanySync(
      ConnectionSettings.parse({
        connectionId: 'c1',
        massSyncLimit: 10,
        deletePolicy: 'propagate',
      }),
      T1,
    );
    const after = editSettings(
      before,
      { syncCompanies: true, lifecycleRollup: false },
      'replace',
      T2,
    );
    expect(after).toEqual({
      ...ConnectionSettings.parse({ connectionId: 'c1', lifecycleRollup: false }),
      syncCompanies: true,
      syncEnabledAt: T1,
    });
  });

  it('keeps an explicit null inclusion list and sets a given one', () => {
    const list = {
      groups: [{ filters: [{ property: 'country', operator: 'eq' as const, value: 'FR' }] }],
    };
    const withList = editSettings(off, { inclusionList: list }, 'merge', T1);
    expect(withList.inclusionList).toEqual(list);
    expect(editSettings(withList, { inclusionList: null }, 'merge', T1).inclusionList).toBeNull();
  });
});
