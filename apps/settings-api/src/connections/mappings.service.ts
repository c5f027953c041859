import type { ControlMessages } from '../control/control-messages.js';
import { conflict, notFound, unprocessable } from '../http/errors.js';
import { jobView } from '../jobs/job-view.js';
import type { Jobs } from '../jobs/jobs.service.js';
import { sameJson } from '../shared/json.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.service.js';
import { editMappings, type MappingEdit } from './mapping-edit.js';
import type { MappingsView } from './mappings.schemas.js';
import type { JobView } from '../jobs/job.schemas.js';

/**
 * The broker's default `max.message.bytes` is about 1 MB and `MappingsChanged` carries the whole
 * set: a set whose message would not fit is refused here, with room left for the envelope.
 */
export const MAX_MAPPINGS_MESSAGE_BYTES = 900_000;

/**
 * Field mappings: edited only while company sync is on (R1), validated as a whole (R9), published
 * whole in `MappingsChanged`. "Apply to existing records" starts a mass sync job (R5): its
 * `MassSyncRequested` goes out right after the `MappingsChanged` that names it.
 */
export class MappingsService {
  constructor(
    private readonly connections: Connections,
    private readonly jobs: Jobs,
    private readonly messages: ControlMessages,
  ) {}

  async get(connectionId: string): Promise<MappingsView> {
    return view(await this.connections.get(connectionId));
  }

  async edit(
    connectionId: string,
    edit: MappingEdit,
    applyToExisting: boolean,
    changedBy: string,
  ): Promise<MappingsView & { changed: boolean; massSyncJob: JobView | null }> {
    const outcome = await this.connections.change(connectionId, changedBy, (current) => {
      const result = editMappings(current.settings, current.mappings, edit);
      if (!result.ok) {
        if (result.refusal === 'COMPANY_SYNC_DISABLED') {
          throw conflict(result.message, { code: result.refusal });
        }
        if (result.refusal === 'NO_SUCH_MAPPING') throw notFound(result.message);
        throw unprocessable(result.message, { code: result.refusal, problems: result.problems });
      }
      if (sameJson(result.mappings, current.mappings) && !applyToExisting) return undefined;
      const job = applyToExisting
        ? this.jobs.create({
            connectionId,
            request: { kind: 'mass_sync', revision: current.revision + 1, resumeAfter: null },
            requestedBy: changedBy,
          })
        : undefined;
      const changed = this.messages.mappingsChanged(
        connectionId,
        result.mappings,
        changedBy,
        job?.jobId,
      );
      if (Buffer.byteLength(changed, 'utf8') > MAX_MAPPINGS_MESSAGE_BYTES) {
        throw unprocessable(
          `The mapping set is too large to publish (${Buffer.byteLength(changed, 'utf8')} bytes, at most ${MAX_MAPPINGS_MESSAGE_BYTES}): use fewer or smaller value maps.`,
          { code: 'MAPPINGS_TOO_LARGE' },
        );
      }
      return {
        connection: { ...current, mappings: [...result.mappings] },
        messages: [changed, ...(job?.messages ?? [])],
        jobs: job ? [job] : [],
      };
    });
    const job = outcome.jobs[0];
    return {
      ...view(outcome.connection),
      changed: outcome.changed,
      massSyncJob:
        job === undefined
          ? null
          : jobView({ ...job, publishedAt: outcome.connection.updatedAt }, undefined),
    };
  }
}

function view(c: Connection): MappingsView {
  return {
    connectionId: c.id,
    revision: c.revision,
    syncCompanies: c.settings.syncCompanies,
    mappings: c.mappings,
  };
}
