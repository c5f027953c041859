import { HubSpotId, IsoDateTime, SalesforceId, type ResyncScope } from '@crm-sync/domain';
import type { JobRequest } from './job.js';
import type { JobView } from './job.schemas.js';

export type ResumePlan =
  | { readonly ok: true; readonly request: JobRequest }
  | { readonly ok: false; readonly message: string };

/**
 * The request that continues a stopped job after its progress's `resumeAfter` (the last record
 * it handled). Only `partial` (R5's MAPPING_SYNC_LIMIT), `cancelled` and `failed` jobs resume.
 * - import / mass sync: the executor's paged query restarts after `resumeAfter`;
 * - resync of ids: the ids after `resumeAfter` in the requested order (all of them when it is
 *   not one of them); one record or a filter: the same scope again (a resync is idempotent);
 * - replay: from `resumeAfter` when it is an instant, else from the original start.
 * A `resumeAfter` that is not an id of the right system is not trusted: the run starts over,
 * which is safe because every executor's writes are idempotent.
 */
export function planResume(job: JobView): ResumePlan {
  if (!job.resumable) {
    return {
      ok: false,
      message:
        job.state === 'completed'
          ? `Job ${job.jobId} completed; there is nothing to resume.`
          : `Job ${job.jobId} is ${job.state}; only a partial, cancelled or failed job can be resumed.`,
    };
  }
  const after = job.resumeAfter;
  const request = job.request;
  switch (request.kind) {
    case 'import':
      return {
        ok: true,
        request: { ...request, resumeAfter: valid(SalesforceId, after) ?? request.resumeAfter },
      };
    case 'mass_sync':
      return {
        ok: true,
        request: { ...request, resumeAfter: valid(HubSpotId, after) ?? request.resumeAfter },
      };
    case 'resync': {
      const scope = remainingScope(request.scope, after);
      return scope === undefined
        ? { ok: false, message: `Job ${job.jobId} handled every record of its set already.` }
        : { ok: true, request: { kind: 'resync', scope } };
    }
    case 'replay':
      return { ok: true, request: { ...request, from: valid(IsoDateTime, after) ?? request.from } };
  }
}

function remainingScope(scope: ResyncScope, after: string | null): ResyncScope | undefined {
  const rest = (ids: readonly string[]): string[] => {
    const i = after === null ? -1 : ids.indexOf(after);
    return i < 0 ? [...ids] : ids.slice(i + 1);
  };
  if (scope.kind === 'companies') {
    const companyIds = rest(scope.companyIds);
    return companyIds.length === 0 ? undefined : { kind: 'companies', companyIds };
  }
  if (scope.kind === 'accounts') {
    const accountIds = rest(scope.accountIds);
    return accountIds.length === 0 ? undefined : { kind: 'accounts', accountIds };
  }
  return scope;
}

function valid(
  schema: { safeParse(v: unknown): { success: boolean } },
  value: string | null,
): string | null {
  return value !== null && schema.safeParse(value).success ? value : null;
}
