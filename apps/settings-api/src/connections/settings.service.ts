import { validateMappingSet } from '@crm-sync/domain';
import type { ControlMessages } from '../control/control-messages.js';
import { unprocessable } from '../http/errors.js';
import type { Clock } from '../shared/clock.js';
import { sameJson } from '../shared/json.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.service.js';
import { describeProblems } from './mapping-edit.js';
import { editSettings, type SettingsEditMode } from './settings-edit.js';
import type { PatchSettingsBody, SettingsView } from './settings.schemas.js';

/** Per-connection settings; every change publishes `SettingsChanged` with the whole settings. */
export class SettingsService {
  constructor(
    private readonly connections: Connections,
    private readonly messages: ControlMessages,
    private readonly clock: Clock,
  ) {}

  async get(connectionId: string): Promise<SettingsView> {
    return view(await this.connections.get(connectionId));
  }

  async change(
    connectionId: string,
    edit: PatchSettingsBody,
    mode: SettingsEditMode,
    changedBy: string,
  ): Promise<SettingsView & { changed: boolean }> {
    const outcome = await this.connections.change(connectionId, changedBy, (current) => {
      const settings = editSettings(current.settings, edit, mode, this.clock.now().toISOString());
      if (sameJson(settings, current.settings)) return undefined;
      // e.g. a new external-id field that a mapping already uses.
      const check = validateMappingSet(current.mappings, settings);
      if (!check.ok) {
        throw unprocessable(
          `These settings conflict with the current field mappings. ${describeProblems(check.problems)}`,
          { code: 'SETTINGS_CONFLICT_WITH_MAPPINGS', problems: check.problems },
        );
      }
      return {
        connection: { ...current, settings },
        messages: [this.messages.settingsChanged(settings, changedBy)],
      };
    });
    return { ...view(outcome.connection), changed: outcome.changed };
  }
}

function view(c: Connection): SettingsView {
  return {
    connectionId: c.id,
    revision: c.revision,
    updatedAt: c.updatedAt,
    updatedBy: c.updatedBy,
    settings: c.settings,
  };
}
