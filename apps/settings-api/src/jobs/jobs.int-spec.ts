/** Actions and jobs over real HTTP, Kafka and the database, with progress written as executors do. */
import type { JobProgressInput } from '@crm-sync/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, testKafka, uniqueName, type Collector } from '@crm-sync/testing';
import { startHarness, waitForControl, type Harness } from '../../test/harness.js';

let h: Harness;
let control: Collector;
beforeAll(async () => {
  h = await startHarness();
  control = await collect(testKafka(), h.controlTopic);
});
afterAll(async () => {
  await control.stop();
  await h.close();
});

async function newConnection(syncOn: boolean): Promise<string> {
  const id = uniqueName('c');
  expect((await h.call('POST', '/connections', { body: { id, name: id } })).status).toBe(201);
  if (syncOn)
    await h.call('PATCH', `/connections/${id}/settings`, { body: { syncCompanies: true } });
  return id;
}

/** What the executor (sf-connector or sync-rules) writes: one document per job, `_id` = job id. */
async function writeProgress(progress: JobProgressInput): Promise<void> {
  await h.db
    .collection<{ _id: string }>('job_progress')
    .replaceOne({ _id: progress.jobId }, progress, { upsert: true });
}

describe('import of Salesforce accounts (R1, R3)', () => {
  it('is refused while company sync is off, with a message that says to turn it on', async () => {
    const id = await newConnection(false);
    const res = await h.call('POST', `/connections/${id}/imports`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message:
        'Turn on company sync before importing Salesforce accounts: while it is off, accounts create and update no companies.',
      details: { code: 'COMPANY_SYNC_DISABLED' },
    });
    expect((await h.call('GET', `/connections/${id}/jobs`)).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('starts a job once company sync is on and publishes ImportRequested', async () => {
    const id = await newConnection(true);
    const res = await h.call('POST', `/connections/${id}/imports`, { body: {} });
    expect(res.status).toBe(202);
    const job = res.body as { jobId: string };
    expect(res.body).toMatchObject({
      kind: 'import',
      state: 'requested',
      requestedBy: 'bootstrap-key',
    });
    const [requested] = await waitForControl(control.messages, id, 'sync.import-requested.v1');
    expect(requested?.payload).toEqual({
      jobId: job.jobId,
      object: 'Account',
      requestedBy: 'bootstrap-key',
    });
  });
});

describe('job progress, cancel and resume', () => {
  it('shows done/total, rate and time left from the executor progress', async () => {
    const id = await newConnection(true);
    const job = (await h.call('POST', `/connections/${id}/imports`)).body as { jobId: string };
    await writeProgress({
      jobId: job.jobId,
      connectionId: id,
      kind: 'import',
      state: 'running',
      done: 3000,
      total: 12000,
      startedAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:30.000Z',
      finishedAt: null,
    });
    const res = await h.call('GET', `/connections/${id}/jobs/${job.jobId}`);
    expect(res.body).toMatchObject({
      state: 'running',
      progress: { done: 3000, total: 12000, percent: 25, perSecond: 100, secondsLeft: 90 },
      error: null,
      resumable: false,
    });
    const listed = (await h.call('GET', `/connections/${id}/jobs?kind=import`)).body as {
      items: unknown[];
    };
    expect(listed.items).toEqual([res.body]);
    expect((await h.call('GET', `/connections/${id}/jobs/job-unknown`)).status).toBe(404);
  });

  it('a mass sync past its limit shows partial with MAPPING_SYNC_LIMIT and the number left, and resumes after its last company (R5)', async () => {
    const id = await newConnection(true);
    const started = await h.call('PUT', `/connections/${id}/mappings`, {
      body: {
        mappings: [
          {
            hubspotProperty: 'name',
            hubspotType: 'string',
            salesforceField: 'Name',
            salesforceType: 'string',
            rule: 'two_way',
          },
        ],
        applyToExisting: true,
      },
    });
    const jobId = (started.body as { massSyncJob: { jobId: string } }).massSyncJob.jobId;
    await writeProgress({
      jobId,
      connectionId: id,
      kind: 'mass_sync',
      state: 'partial',
      done: 200,
      total: 350,
      startedAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:04.000Z',
      finishedAt: '2026-03-01T10:00:04.000Z',
      resumeAfter: '9001',
      errorCode: 'MAPPING_SYNC_LIMIT',
      message: "We couldn't sync all your updates for this mapping",
      remaining: 150,
    });
    const partial = await h.call('GET', `/connections/${id}/jobs/${jobId}`);
    expect(partial.body).toMatchObject({
      state: 'partial',
      error: {
        code: 'MAPPING_SYNC_LIMIT',
        message: "We couldn't sync all your updates for this mapping",
        remaining: 150,
      },
      resumable: true,
      resumeAfter: '9001',
    });

    const resumed = await h.call('POST', `/connections/${id}/jobs/${jobId}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({
      kind: 'mass_sync',
      resumeOf: jobId,
      request: { resumeAfter: '9001' },
    });
    const newJobId = (resumed.body as { jobId: string }).jobId;
    const requests = await waitForControl(control.messages, id, 'sync.mass-sync-requested.v1', 2);
    expect(requests[1]?.payload).toEqual({
      jobId: newJobId,
      resumeAfter: '9001',
      requestedBy: 'bootstrap-key',
    });

    const twice = await h.call('POST', `/connections/${id}/jobs/${jobId}/resume`);
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({
      message: `Job ${jobId} was resumed already as job ${newJobId}.`,
    });
  });

  it('cancels a running job by publishing JobCancelRequested, and refuses to cancel an ended one', async () => {
    const id = await newConnection(true);
    const job = (
      await h.call('POST', `/connections/${id}/resyncs`, {
        body: { kind: 'company', companyId: '4242' },
      })
    ).body as { jobId: string };
    const cancelled = await h.call('POST', `/connections/${id}/jobs/${job.jobId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ cancelRequestedAt: expect.any(String) });
    const [cancel] = await waitForControl(control.messages, id, 'sync.job-cancel-requested.v1');
    expect(cancel?.payload).toEqual({ jobId: job.jobId, requestedBy: 'bootstrap-key' });

    await writeProgress({
      jobId: job.jobId,
      connectionId: id,
      kind: 'resync',
      state: 'completed',
      done: 1,
      total: 1,
      startedAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:01.000Z',
      finishedAt: '2026-03-01T10:00:01.000Z',
    });
    const ended = await h.call('POST', `/connections/${id}/jobs/${job.jobId}/cancel`);
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({
      message: `Job ${job.jobId} has ended (completed); there is nothing to cancel.`,
    });
    expect(
      (await h.call('POST', `/connections/${id}/jobs/${job.jobId}/resume`)).body,
    ).toMatchObject({
      statusCode: 409,
      message: `Job ${job.jobId} completed; there is nothing to resume.`,
    });
  });
});

describe('resync (R8) and replay', () => {
  it('publishes ResyncRequested for a company, a set of accounts and a property filter; refused while sync is off', async () => {
    const off = await newConnection(false);
    const refused = await h.call('POST', `/connections/${off}/resyncs`, {
      body: { kind: 'company', companyId: '1' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      message: expect.stringContaining('Turn on company sync before resyncing records'),
    });

    const id = await newConnection(true);
    const scopes = [
      { kind: 'company', companyId: '4242' },
      { kind: 'accounts', accountIds: ['001000000000001AAA', '001000000000002AAA'] },
      { kind: 'company_filter', filter: { city: 'Paris', industry: ['BANKING', 'INSURANCE'] } },
    ];
    for (const scope of scopes) {
      expect((await h.call('POST', `/connections/${id}/resyncs`, { body: scope })).status).toBe(
        202,
      );
    }
    const published = await waitForControl(control.messages, id, 'sync.resync-requested.v1', 3);
    expect(published.map((m) => m.payload.scope)).toEqual(scopes);
  });

  it('publishes ReplayRequested, and refuses a start in the future (422)', async () => {
    const id = await newConnection(false);
    const res = await h.call('POST', `/connections/${id}/replays`, {
      body: { from: '2026-01-01T00:00:00Z', reason: 'new industry value map' },
    });
    expect(res.status).toBe(202);
    const [replay] = await waitForControl(control.messages, id, 'sync.replay-requested.v1');
    expect(replay?.payload).toMatchObject({
      from: '2026-01-01T00:00:00Z',
      reason: 'new industry value map',
    });
    const future = await h.call('POST', `/connections/${id}/replays`, {
      body: { from: '2999-01-01T00:00:00Z', reason: 'x' },
    });
    expect(future.status).toBe(422);
  });
});
