import {
  ImportRequested,
  JobCancelRequested,
  MappingsChanged,
  MassSyncRequested,
  ReplayRequested,
  ResyncRequested,
  SettingsChanged,
  type ConnectionSettings,
  type FieldMapping,
  type ResyncScope,
} from '@crm-sync/domain';
import type { z } from 'zod';
import type { Clock, IdGenerator } from '../shared/clock.js';

/**
 * Builds the control envelopes the settings API publishes, each checked against its contract in
 * libs/domain before it leaves (a mismatch is our bug and fails loudly), and serialized: stored
 * outboxes keep the exact bytes that are (re)published.
 */
export class ControlMessages {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  settingsChanged(settings: ConnectionSettings, changedBy: string): string {
    return this.build(SettingsChanged, 'sync.settings-changed.v1', settings.connectionId, {
      settings,
      changedBy,
    });
  }

  mappingsChanged(
    connectionId: string,
    mappings: readonly FieldMapping[],
    changedBy: string,
    massSyncJobId?: string,
  ): string {
    return this.build(MappingsChanged, 'sync.mappings-changed.v1', connectionId, {
      mappings: [...mappings],
      changedBy,
      ...(massSyncJobId === undefined ? {} : { massSyncJobId }),
    });
  }

  massSyncRequested(
    connectionId: string,
    jobId: string,
    requestedBy: string,
    resumeAfter: string | null,
  ): string {
    return this.build(MassSyncRequested, 'sync.mass-sync-requested.v1', connectionId, {
      jobId,
      requestedBy,
      ...(resumeAfter === null ? {} : { resumeAfter }),
    });
  }

  resyncRequested(
    connectionId: string,
    jobId: string,
    scope: ResyncScope,
    requestedBy: string,
  ): string {
    return this.build(ResyncRequested, 'sync.resync-requested.v1', connectionId, {
      jobId,
      scope,
      requestedBy,
    });
  }

  importRequested(
    connectionId: string,
    jobId: string,
    requestedBy: string,
    resumeAfter: string | null,
  ): string {
    return this.build(ImportRequested, 'sync.import-requested.v1', connectionId, {
      jobId,
      object: 'Account',
      requestedBy,
      ...(resumeAfter === null ? {} : { resumeAfter }),
    });
  }

  replayRequested(
    connectionId: string,
    jobId: string,
    from: string,
    reason: string,
    requestedBy: string,
  ): string {
    return this.build(ReplayRequested, 'sync.replay-requested.v1', connectionId, {
      jobId,
      from,
      reason,
      requestedBy,
    });
  }

  jobCancelRequested(connectionId: string, jobId: string, requestedBy: string): string {
    return this.build(JobCancelRequested, 'sync.job-cancel-requested.v1', connectionId, {
      jobId,
      requestedBy,
    });
  }

  private build(schema: z.ZodType, type: string, connectionId: string, payload: unknown): string {
    const envelope = schema.parse({
      id: this.ids.messageId(),
      type,
      connectionId,
      occurredAt: this.clock.now().toISOString(),
      source: 'settings-api',
      payload,
    });
    return JSON.stringify(envelope);
  }
}
