import { describe, expect, it } from '@jest/globals';
import type { JobRecord } from './job.js';
import { jobView } from './job-view.js';
import { planResume } from './resume.js';

const job = (over: Partial<JobRecord> = {}): JobRecord => ({
  jobId: 'job-1',
  connectionId: 'c1',
  kind: 'mass_sync',
  request: { kind: 'mass_sync', revision: 3, resumeAfter: null },
  requestedBy: 'api-key:1',
  requestedAt: '2026-03-01T10:00:00.000Z',
  resumeOf: null,
  messages: ['{}'],
  publishedAt: '2026-03-01T10:00:00.100Z',
  cancelRequestedAt: null,
  ...over,
});

const progress = (over: Record<string, unknown> = {}) => ({
  _id: 'job-1',
  jobId: 'job-1',
  connectionId: 'c1',
  kind: 'mass_sync',
  state: 'running',
  done: 500,
  total: 2000,
  startedAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:10.000Z',
  finishedAt: null,
  ...over,
});

describe('jobView', () => {
  it('is `requested` without progress', () => {
    const view = jobView(job(), undefined);
    expect(view).toMatchObject({
      state: 'requested',
      progress: null,
      error: null,
      resumable: false,
    });
  });

  it('shows done/total, percent, rate and time left from the executor progress', () => {
    expect(jobView(job(), progress()).progress).toEqual({
      done: 500,
      total: 2000,
      failed: 0,
      percent: 25,
      perSecond: 50,
      secondsLeft: 30,
      startedAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:10.000Z',
      finishedAt: null,
    });
  });

  it('shows a partial mass sync with MAPPING_SYNC_LIMIT, the number left, and that it resumes (R5)', () => {
    const view = jobView(
      job(),
      progress({
        state: 'partial',
        done: 200,
        total: 300,
        finishedAt: '2026-03-01T10:00:10.000Z',
        errorCode: 'MAPPING_SYNC_LIMIT',
        message: "We couldn't sync all your updates for this mapping",
        remaining: 100,
        resumeAfter: '4242',
      }),
    );
    expect(view).toMatchObject({
      state: 'partial',
      error: {
        code: 'MAPPING_SYNC_LIMIT',
        message: "We couldn't sync all your updates for this mapping",
        remaining: 100,
      },
      resumable: true,
      resumeAfter: '4242',
    });
    expect(view.progress?.secondsLeft).toBeNull();
    expect(planResume(view)).toEqual({
      ok: true,
      request: { kind: 'mass_sync', revision: 3, resumeAfter: '4242' },
    });
  });

  it('ignores unreadable progress or progress of another connection, with a warning', () => {
    expect(jobView(job(), { state: 'exploded' })).toMatchObject({
      state: 'requested',
      warnings: ['The executor reported progress this API cannot read; it is not shown.'],
    });
    expect(jobView(job(), progress({ connectionId: 'c2' })).state).toBe('requested');
  });
});

describe('planResume', () => {
  const stopped = (request: JobRecord['request'], resumeAfter: string | null) =>
    jobView(
      job({ kind: request.kind, request }),
      progress({ kind: request.kind, state: 'cancelled', resumeAfter }),
    );

  it('continues an import after the last account, ignoring a resumeAfter that is no account id', () => {
    const request = { kind: 'import', object: 'Account', resumeAfter: null } as const;
    expect(planResume(stopped(request, '001000000000123AAA'))).toEqual({
      ok: true,
      request: { ...request, resumeAfter: '001000000000123AAA' },
    });
    expect(planResume(stopped(request, 'not an id'))).toEqual({ ok: true, request });
  });

  it('continues a resync of ids after the last one handled; refuses when none is left', () => {
    const request: JobRecord['request'] = {
      kind: 'resync',
      scope: { kind: 'companies', companyIds: ['1', '2', '3'] },
    };
    expect(planResume(stopped(request, '2'))).toEqual({
      ok: true,
      request: { kind: 'resync', scope: { kind: 'companies', companyIds: ['3'] } },
    });
    expect(planResume(stopped(request, '3'))).toEqual({
      ok: false,
      message: 'Job job-1 handled every record of its set already.',
    });
  });

  it('refuses running and completed jobs', () => {
    expect(planResume(jobView(job(), progress()))).toEqual({
      ok: false,
      message: 'Job job-1 is running; only a partial, cancelled or failed job can be resumed.',
    });
    expect(planResume(jobView(job(), progress({ state: 'completed' })))).toEqual({
      ok: false,
      message: 'Job job-1 completed; there is nothing to resume.',
    });
  });
});
