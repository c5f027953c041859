import {
  ConnectionSettings,
  disableCompanySync,
  enableCompanySync,
  type IsoDateTime,
} from '@crm-sync/domain';
import { definedOnly } from '../shared/json.js';
import type { PatchSettingsBody } from './settings.schemas.js';

export type SettingsEditMode = 'replace' | 'merge';

/**
 * The settings after a PUT (`replace`: omitted fields take their defaults) or a PATCH (`merge`).
 * The company sync toggle goes through the domain's `enableCompanySync` / `disableCompanySync`,
 * so turning it on records `syncEnabledAt = now` (R1) and leaving it on keeps the first value.
 */
export function editSettings(
  current: ConnectionSettings,
  edit: PatchSettingsBody,
  mode: SettingsEditMode,
  now: IsoDateTime,
): ConnectionSettings {
  const { syncCompanies, apiBudget, ...rest } = edit;
  const toggle = { syncCompanies: current.syncCompanies, syncEnabledAt: current.syncEnabledAt };
  const base =
    mode === 'replace'
      ? ConnectionSettings.parse({
          connectionId: current.connectionId,
          ...toggle,
          ...definedOnly(rest),
          apiBudget: definedOnly(apiBudget ?? {}),
        })
      : ConnectionSettings.parse({
          ...current,
          ...definedOnly(rest),
          apiBudget: { ...current.apiBudget, ...definedOnly(apiBudget ?? {}) },
        });
  const wanted = syncCompanies ?? current.syncCompanies;
  if (wanted && !base.syncCompanies) return enableCompanySync(base, now);
  if (!wanted && base.syncCompanies) return disableCompanySync(base);
  return base;
}
