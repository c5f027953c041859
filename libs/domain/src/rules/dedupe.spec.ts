import { describe, expect, it } from '@jest/globals';
import { decideDedupe, type CompanyCandidate, type DedupeInput } from './dedupe.js';
import { normaliseWebsiteHost } from './website-host.js';

const ACC = '001000000000001AAA';
const OTHER = '001000000000009AAA';
const c = (companyId: string, over: Partial<CompanyCandidate> = {}): CompanyCandidate => ({
  companyId,
  linkedAccountId: null,
  domain: null,
  additionalDomains: null,
  ...over,
});
const input = (over: Partial<DedupeInput>): DedupeInput => ({
  accountId: ACC,
  website: 'https://www.acme.com/about',
  byAccountId: [],
  byDomain: [],
  bySharedContacts: [],
  ...over,
});

describe('normaliseWebsiteHost', () => {
  it.each([
    ['https://www.Acme.com/about?x=1', 'acme.com'],
    ['http://acme.com:8080', 'acme.com'],
    ['  WWW.acme.co.uk  ', 'acme.co.uk'],
    ['acme.com/path#frag', 'acme.com'],
    ['//cdn.acme.com', 'cdn.acme.com'],
    ['ftp://user:pw@files.acme.com/', 'files.acme.com'],
    ['acme.com.', 'acme.com'],
    ['münchen.de', 'münchen.de'],
    ['www.www.acme.com', 'www.acme.com'],
  ])('%j → %j', (raw, host) => {
    expect(normaliseWebsiteHost(raw)).toBe(host);
  });

  it.each([
    null,
    undefined,
    '',
    '   ',
    'localhost',
    'not a website',
    'http://',
    'acme..com',
    '-acme.com',
    'https://www.',
  ])('garbage %j → null', (raw) => {
    expect(normaliseWebsiteHost(raw)).toBeNull();
  });
});

describe('decideDedupe (R4)', () => {
  it('step 1: one company with the account id → link', () => {
    expect(
      decideDedupe(
        input({
          byAccountId: [c('1', { linkedAccountId: ACC })],
          byDomain: [c('2', { domain: 'acme.com' })],
        }),
      ),
    ).toEqual({
      kind: 'link',
      target: 'hubspot',
      recordId: '1',
      step: 'account_id',
      reasons: ['DEDUPE_BY_ACCOUNT_ID'],
    });
  });

  it('step 1: several → conflict naming them', () => {
    expect(decideDedupe(input({ byAccountId: [c('1'), c('2'), c('1')] }))).toEqual({
      kind: 'conflict',
      target: 'hubspot',
      step: 'account_id',
      candidates: ['1', '2'],
      reasons: ['POSSIBLE_DUPLICATE', 'DEDUPE_BY_ACCOUNT_ID'],
    });
  });

  it('step 2: primary domain or additional domain matches the website host', () => {
    expect(decideDedupe(input({ byDomain: [c('3', { domain: 'ACME.com' })] }))).toMatchObject({
      kind: 'link',
      recordId: '3',
      step: 'domain',
      reasons: ['DEDUPE_BY_DOMAIN'],
    });
    expect(
      decideDedupe(
        input({
          byDomain: [c('4', { domain: 'other.com', additionalDomains: 'x.io;www.acme.com' })],
        }),
      ),
    ).toMatchObject({ kind: 'link', recordId: '4', step: 'domain' });
  });

  it('step 2: a loose search hit whose domains do not match is ignored', () => {
    expect(decideDedupe(input({ byDomain: [c('5', { domain: 'acme.co' })] }))).toMatchObject({
      kind: 'create',
      reasons: ['NO_DUPLICATE_FOUND'],
    });
  });

  it('step 2: a company linked to another account is excluded', () => {
    const d = decideDedupe(
      input({
        byDomain: [
          c('6', { domain: 'acme.com', linkedAccountId: OTHER }),
          c('7', { domain: 'acme.com' }),
        ],
      }),
    );
    expect(d).toMatchObject({ kind: 'link', recordId: '7', step: 'domain' });
  });

  it('step 2: several → conflict', () => {
    expect(
      decideDedupe(
        input({
          byDomain: [c('6', { domain: 'acme.com' }), c('7', { additionalDomains: 'acme.com' })],
        }),
      ),
    ).toMatchObject({
      kind: 'conflict',
      step: 'domain',
      candidates: ['6', '7'],
      reasons: ['POSSIBLE_DUPLICATE', 'DEDUPE_BY_DOMAIN'],
    });
  });

  it('step 2 is skipped when the website has no usable host', () => {
    expect(
      decideDedupe(
        input({
          website: 'n/a',
          byDomain: [c('6', { domain: 'n/a' })],
          bySharedContacts: [c('8')],
        }),
      ),
    ).toMatchObject({ kind: 'link', recordId: '8', step: 'shared_contacts' });
  });

  it('step 3: one company sharing contacts → link; several → conflict; linked elsewhere excluded', () => {
    expect(decideDedupe(input({ bySharedContacts: [c('8')] }))).toMatchObject({
      kind: 'link',
      recordId: '8',
      reasons: ['DEDUPE_BY_SHARED_CONTACTS'],
    });
    expect(decideDedupe(input({ bySharedContacts: [c('8'), c('9')] }))).toMatchObject({
      kind: 'conflict',
      step: 'shared_contacts',
      candidates: ['8', '9'],
    });
    expect(
      decideDedupe(input({ bySharedContacts: [c('8', { linkedAccountId: OTHER })] })),
    ).toMatchObject({ kind: 'create' });
  });

  it('step 4: nothing found → create', () => {
    expect(decideDedupe(input({}))).toEqual({
      kind: 'create',
      target: 'hubspot',
      reasons: ['NO_DUPLICATE_FOUND'],
    });
  });

  it('forced create skips steps 2–3 but not step 1', () => {
    expect(
      decideDedupe(
        input({
          forceCreate: true,
          byDomain: [c('6', { domain: 'acme.com' })],
          bySharedContacts: [c('8')],
        }),
      ),
    ).toEqual({ kind: 'create', target: 'hubspot', reasons: ['FORCED_CREATE'] });
    expect(decideDedupe(input({ forceCreate: true, byAccountId: [c('1')] }))).toMatchObject({
      kind: 'link',
      recordId: '1',
    });
  });
});
