import {
  checkImportAllowed,
  syncErrorData,
  type ConnectionSettings,
  type JobKind,
  type Permission,
} from '@crm-sync/domain';

const WHILE_OFF = 'while it is off, no account or company syncs, so the job would change nothing.';

/**
 * May this job start now? Imports (R1, via the domain's `checkImportAllowed`), resyncs (R8) and
 * mass syncs (R5) need company sync on: refused with a message that says so rather than a job
 * that silently does nothing. A replay only re-derives state and may run either way.
 */
export function checkJobAllowed(
  settings: Pick<ConnectionSettings, 'syncCompanies'>,
  kind: JobKind,
): Permission {
  if (settings.syncCompanies || kind === 'replay') return { ok: true };
  if (kind === 'import') return checkImportAllowed(settings);
  const what = kind === 'resync' ? 'resyncing records' : 'applying mappings to existing records';
  return {
    ok: false,
    error: syncErrorData(
      'COMPANY_SYNC_DISABLED',
      'validation',
      `Turn on company sync before ${what}: ${WHILE_OFF}`,
    ),
  };
}
