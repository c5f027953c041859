import { HubSpotId, SalesforceId, type JobKind, type ResyncScope } from '@crm-sync/domain';
import type { Connection } from '../connections/connection.js';
import type { Connections } from '../connections/connections.service.js';
import { conflict, unprocessable } from '../http/errors.js';
import type { Clock } from '../shared/clock.js';
import type { ErrorResyncBody, ErrorResyncView } from '../status/status.schemas.js';
import type { SyncStateReader } from '../status/sync-state.js';
import type { JobRequest } from './job.js';
import type { JobView, ReplayBody, ResyncBody } from './job.schemas.js';
import { checkJobAllowed } from './job-policy.js';
import type { Jobs } from './jobs.service.js';
import { planResume } from './resume.js';

const ERROR_PAGE = 500;

/** What users ask the engine to do: resync (R8), import (R3), replay, resume, bulk error resync. */
export class Actions {
  constructor(
    private readonly connections: Connections,
    private readonly jobs: Jobs,
    private readonly reader: SyncStateReader,
    private readonly clock: Clock,
  ) {}

  async resync(connectionId: string, scope: ResyncBody, by: string): Promise<JobView> {
    await this.allowed(connectionId, 'resync');
    return this.start(connectionId, { kind: 'resync', scope }, by);
  }

  async import(connectionId: string, by: string): Promise<JobView> {
    await this.allowed(connectionId, 'import');
    return this.start(connectionId, { kind: 'import', object: 'Account', resumeAfter: null }, by);
  }

  async replay(connectionId: string, body: ReplayBody, by: string): Promise<JobView> {
    await this.allowed(connectionId, 'replay');
    if (Date.parse(body.from) > this.clock.now().getTime()) {
      throw unprocessable('"from" is in the future: a replay re-derives state from past events.');
    }
    return this.start(connectionId, { kind: 'replay', from: body.from, reason: body.reason }, by);
  }

  /** A new job continuing a partial, cancelled or failed one after its `resumeAfter`. */
  async resume(connectionId: string, jobId: string, by: string): Promise<JobView> {
    const stopped = await this.jobs.get(connectionId, jobId);
    const plan = planResume(stopped);
    if (!plan.ok) throw conflict(plan.message, { code: 'NOT_RESUMABLE', state: stopped.state });
    await this.allowed(connectionId, plan.request.kind);
    const job = this.jobs.create({
      connectionId,
      request: plan.request,
      requestedBy: by,
      resumeOf: jobId,
    });
    await this.jobs.claimResume(jobId, job.jobId);
    try {
      return await this.jobs.start(job);
    } catch (e) {
      await this.jobs.releaseResume(jobId);
      throw e;
    }
  }

  /**
   * Resyncs the records whose sync errors match the filters: one job for the companies and one
   * for the accounts among them, at most `max` records in all.
   */
  async resyncErrors(
    connectionId: string,
    body: ErrorResyncBody,
    by: string,
  ): Promise<ErrorResyncView> {
    await this.allowed(connectionId, 'resync');
    const filter = {
      category: body.category,
      system: body.system,
      recordId: body.recordId,
      code: body.code,
    };
    const companies = new Set<string>();
    const accounts = new Set<string>();
    let truncated = false;
    let after: string | undefined;
    for (;;) {
      const page = await this.reader.errorPage(connectionId, filter, after, ERROR_PAGE);
      for (const e of page) {
        const [set, valid] =
          e.system === 'hubspot' ? [companies, HubSpotId] : [accounts, SalesforceId];
        if (set.has(e.recordId) || !valid.safeParse(e.recordId).success) continue;
        if (companies.size + accounts.size >= body.max) {
          truncated = true;
          break;
        }
        set.add(e.recordId);
      }
      after = page.at(-1)?.id;
      if (truncated || page.length < ERROR_PAGE) break;
    }
    const scopes: ResyncScope[] = [
      ...(companies.size > 0 ? [{ kind: 'companies' as const, companyIds: [...companies] }] : []),
      ...(accounts.size > 0 ? [{ kind: 'accounts' as const, accountIds: [...accounts] }] : []),
    ];
    const jobs: JobView[] = [];
    for (const scope of scopes)
      jobs.push(await this.start(connectionId, { kind: 'resync', scope }, by));
    return {
      matchedErrors: await this.reader.errorCount(connectionId, filter),
      records: { companies: companies.size, accounts: accounts.size },
      truncated,
      jobs,
    };
  }

  private start(connectionId: string, request: JobRequest, by: string): Promise<JobView> {
    return this.jobs.start(this.jobs.create({ connectionId, request, requestedBy: by }));
  }

  private async allowed(connectionId: string, kind: JobKind): Promise<Connection> {
    const connection = await this.connections.get(connectionId);
    const permission = checkJobAllowed(connection.settings, kind);
    if (!permission.ok) {
      throw conflict(permission.error.message, { code: permission.error.code });
    }
    return connection;
  }
}
