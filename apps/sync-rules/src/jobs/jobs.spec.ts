import { describe, expect, it } from '@jest/globals';
import type { CompanyState, Link } from '../store/sync-store.port.js';
import { applyJobEvent } from './job-progress-writer.js';
import { byHubSpotId, planMassSync, planResync } from './job-planner.js';

const link = (companyId: string, accountId = `001${companyId.padStart(15, '0')}`): Link => ({
  accountId,
  companyId,
  linkedAt: '2026-11-01T00:00:00.000Z',
  via: 'created_company',
  ledger: { salesforce: {}, hubspot: {} },
  deletedOn: null,
});
const company = (companyId: string, properties: Record<string, string>): CompanyState => ({
  companyId,
  properties,
  propertyChangedAt: {},
  autoCreated: false,
  deleted: false,
});

describe('planMassSync (R5)', () => {
  const links = ['9', '10', '2', '100', '11'].map((id) => link(id));

  it('takes the first pairs in numeric company-id order up to the limit, and says where to resume', () => {
    const plan = planMassSync(links, undefined, 3);
    expect(plan.subjects.map((s) => (s.kind === 'account' ? s.accountId.slice(-3) : ''))).toEqual([
      '002',
      '009',
      '010',
    ]);
    expect(plan).toMatchObject({
      remaining: 2,
      resumeAfter: '10',
      errorCode: 'MAPPING_SYNC_LIMIT',
    });
  });

  it('resumes after the last handled company and completes', () => {
    const plan = planMassSync(links, '10', 3);
    expect(plan.subjects).toHaveLength(2);
    expect(plan).toMatchObject({ remaining: 0, resumeAfter: null, errorCode: null });
  });

  it('leaves out pairs whose record was deleted', () => {
    expect(
      planMassSync([{ ...link('5'), deletedOn: 'salesforce' }], undefined, 10).subjects,
    ).toEqual([]);
  });

  it('orders HubSpot ids as numbers', () => {
    expect(['10', '9', '100', '11'].sort(byHubSpotId)).toEqual(['9', '10', '11', '100']);
  });
});

describe('planResync (R8)', () => {
  const links = new Map([['7', link('7', '001000000000000007')]]);
  const companies = () => [
    company('7', { industry: 'BANKING' }),
    company('8', { industry: 'banking' }),
    company('9', { industry: 'RETAIL' }),
  ];

  it('addresses a linked company to its account and an unlinked one to itself', () => {
    expect(
      planResync({ kind: 'companies', companyIds: ['7', '8', '8'] }, links, companies)?.subjects,
    ).toEqual([
      { kind: 'account', accountId: '001000000000000007' },
      { kind: 'company', companyId: '8' },
    ]);
  });

  it('selects companies by a filter, ignoring case', () => {
    const plan = planResync(
      { kind: 'company_filter', filter: { industry: 'Banking' } },
      links,
      companies,
    );
    expect(plan?.subjects).toHaveLength(2);
  });

  it('leaves account scopes to the sf-connector', () => {
    expect(planResync({ kind: 'account', accountId: '001000000000000007' }, links, companies)).toBe(
      undefined,
    );
  });
});

describe('applyJobEvent', () => {
  const base = { jobId: 'j', connectionId: 'c', job: 'mass_sync' as const };
  const started = {
    ...base,
    event: 'started' as const,
    at: '2026-11-28T10:00:00.000Z',
    total: 2,
    remaining: 5,
    resumeAfter: '42',
    errorCode: 'MAPPING_SYNC_LIMIT',
    message: "We couldn't sync all your updates for this mapping",
  };
  const item = (at: string) => ({ ...base, event: 'item' as const, outcome: 'done' as const, at });

  it('counts items and ends partial when the plan stopped at the limit', () => {
    let p = applyJobEvent(undefined, started);
    p = applyJobEvent(p, item('2026-11-28T10:00:01.000Z'));
    expect(p).toMatchObject({ state: 'running', done: 1, total: 2 });
    p = applyJobEvent(p, item('2026-11-28T10:00:02.000Z'));
    expect(p).toMatchObject({
      state: 'partial',
      done: 2,
      remaining: 5,
      resumeAfter: '42',
      finishedAt: '2026-11-28T10:00:02.000Z',
    });
  });

  it('ends a job cancelled, once', () => {
    const cancelled = applyJobEvent(applyJobEvent(undefined, started), {
      ...base,
      event: 'cancelled',
      at: '2026-11-28T10:00:03.000Z',
    });
    expect(cancelled).toMatchObject({ state: 'cancelled', finishedAt: '2026-11-28T10:00:03.000Z' });
    expect(applyJobEvent(cancelled, item('2026-11-28T10:00:04.000Z')).state).toBe('cancelled');
  });
});
