import { describe, expect, it } from '@jest/globals';
import type { InclusionList } from '../contracts/settings.js';
import {
  decideCompanyToAccount,
  linkedSalesforceRecord,
  type AssociatedContact,
} from './company-to-account.js';
import { contactQualifies } from './inclusion.js';

const VIP: InclusionList = {
  groups: [{ filters: [{ property: 'vip', operator: 'eq', value: 'yes' }] }],
};
type Settings = Parameters<typeof decideCompanyToAccount>[0]['settings'];
const settings = (over: Partial<Settings> = {}): Settings => ({
  syncCompanies: true,
  defaultSalesforceObjectForNewContacts: 'Lead',
  inclusionList: null,
  ...over,
});
const unlinked = (id: string, vip = false): AssociatedContact => ({
  contactId: id,
  properties: vip ? { vip: 'yes' } : {},
  syncsWith: null,
});
const lead = (id: string, vip = false): AssociatedContact => ({
  ...unlinked(id, vip),
  syncsWith: { object: 'Lead', id: `00Q${id}` },
});
const privateContact = (id: string, vip = false): AssociatedContact => ({
  ...unlinked(id, vip),
  syncsWith: { object: 'Contact', id: `003${id}`, accountId: null },
});
const accountContact = (id: string, vip = false): AssociatedContact => ({
  ...unlinked(id, vip),
  syncsWith: { object: 'Contact', id: `003${id}`, accountId: '001X' },
});

const company = { linked: false, autoCreated: false };

describe('decideCompanyToAccount (R6)', () => {
  it.each([
    // exclusions alone
    ['no contacts', settings(), company, [], { kind: 'skip', reasons: ['NO_ASSOCIATED_CONTACTS'] }],
    [
      'all contacts sync with leads',
      settings(),
      company,
      [lead('1'), lead('2')],
      { kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS'] },
    ],
    [
      'unlinked contacts count as leads with default Lead',
      settings(),
      company,
      [unlinked('1'), lead('2')],
      { kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS'] },
    ],
    [
      'none qualifies for the list',
      settings({ inclusionList: VIP }),
      company,
      [accountContact('1')],
      { kind: 'skip', reasons: ['NO_CONTACT_QUALIFIES'] },
    ],
    // exclusions in combination
    [
      'leads only and none qualifies',
      settings({ inclusionList: VIP }),
      company,
      [lead('1'), unlinked('2')],
      { kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS', 'NO_CONTACT_QUALIFIES'] },
    ],
    [
      'exclusion beats every criterion',
      settings({ inclusionList: VIP, defaultSalesforceObjectForNewContacts: 'Contact' }),
      { linked: false, autoCreated: true },
      [privateContact('1')],
      { kind: 'skip', reasons: ['NO_CONTACT_QUALIFIES'] },
    ],
    // criteria
    [
      '(c) qualifies without a list (every contact qualifies)',
      settings(),
      company,
      [accountContact('1')],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: ['CONTACT_QUALIFIES_FOR_INCLUSION'],
        reparentContactIds: [],
      },
    ],
    [
      '(c) a lead-synced contact qualifies while another syncs with a contact',
      settings({ inclusionList: VIP }),
      company,
      [lead('1', true), accountContact('2')],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: ['CONTACT_QUALIFIES_FOR_INCLUSION'],
        reparentContactIds: [],
      },
    ],
    [
      '(a) auto-created with default Contact',
      settings({ defaultSalesforceObjectForNewContacts: 'Contact' }),
      { linked: false, autoCreated: true },
      [unlinked('1')],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: ['AUTO_CREATED_AND_DEFAULT_CONTACT', 'CONTACT_QUALIFIES_FOR_INCLUSION'],
        reparentContactIds: [],
      },
    ],
    [
      '(a) does not hold with default Lead',
      settings({ inclusionList: VIP }),
      { linked: false, autoCreated: true },
      [accountContact('1', true)],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: ['CONTACT_QUALIFIES_FOR_INCLUSION'],
        reparentContactIds: [],
      },
    ],
    [
      '(b) private contact, re-parented',
      settings({ inclusionList: VIP }),
      company,
      [privateContact('1'), privateContact('1'), unlinked('2', true)],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: ['CONTACT_SYNCS_WITH_PRIVATE_CONTACT', 'CONTACT_QUALIFIES_FOR_INCLUSION'],
        reparentContactIds: ['0031'],
      },
    ],
    [
      '(a)+(b)+(c) together',
      settings({ defaultSalesforceObjectForNewContacts: 'Contact' }),
      { linked: false, autoCreated: true },
      [privateContact('1'), accountContact('2')],
      {
        kind: 'create',
        target: 'salesforce',
        reasons: [
          'AUTO_CREATED_AND_DEFAULT_CONTACT',
          'CONTACT_SYNCS_WITH_PRIVATE_CONTACT',
          'CONTACT_QUALIFIES_FOR_INCLUSION',
        ],
        reparentContactIds: ['0031'],
      },
    ],
    // gates
    [
      'sync off',
      settings({ syncCompanies: false }),
      company,
      [accountContact('1')],
      { kind: 'skip', reasons: ['SYNC_DISABLED'] },
    ],
    [
      'already linked',
      settings(),
      { linked: true, autoCreated: false },
      [accountContact('1')],
      { kind: 'skip', reasons: ['ALREADY_LINKED'] },
    ],
  ] as const)('%s', (_n, s, co, contacts, expected) => {
    expect(decideCompanyToAccount({ settings: s, company: co, contacts })).toEqual(expected);
  });

  it('a manual resync skips the criteria but not the toggle', () => {
    expect(
      decideCompanyToAccount({
        settings: settings(),
        company,
        contacts: [privateContact('1')],
        manual: true,
      }),
    ).toEqual({
      kind: 'create',
      target: 'salesforce',
      reasons: ['MANUAL_RESYNC'],
      reparentContactIds: ['0031'],
    });
    expect(
      decideCompanyToAccount({
        settings: settings({ syncCompanies: false }),
        company,
        contacts: [],
        manual: true,
      }),
    ).toEqual({ kind: 'skip', reasons: ['SYNC_DISABLED'] });
  });
});

describe('linkedSalesforceRecord', () => {
  it.each([
    [
      { salesforcecontactid: '003A', salesforceleadid: '00QA' },
      { object: 'Contact', id: '003A' },
    ],
    [
      { salesforcecontactid: ' ', salesforceleadid: '00QA' },
      { object: 'Lead', id: '00QA' },
    ],
    [{ salesforcecontactid: null }, null],
    [{}, null],
  ])('%j → %j', (props, expected) => {
    expect(linkedSalesforceRecord(props)).toEqual(expected);
  });
});

describe('contactQualifies', () => {
  const list = (filters: InclusionList['groups'][number]['filters']): InclusionList => ({
    groups: [{ filters }],
  });
  it.each([
    [
      'eq ignores case',
      list([{ property: 'p', operator: 'eq', value: 'YES' }]),
      { p: 'yes' },
      true,
    ],
    [
      'eq on a multi-select part',
      list([{ property: 'p', operator: 'eq', value: 'b' }]),
      { p: 'a;b' },
      true,
    ],
    ['eq on missing', list([{ property: 'p', operator: 'eq', value: 'x' }]), {}, false],
    ['neq', list([{ property: 'p', operator: 'neq', value: 'x' }]), { p: 'y' }, true],
    ['neq on missing matches', list([{ property: 'p', operator: 'neq', value: 'x' }]), {}, true],
    ['neq same', list([{ property: 'p', operator: 'neq', value: 'x' }]), { p: 'X' }, false],
    [
      'contains',
      list([{ property: 'email', operator: 'contains', value: '@ACME' }]),
      { email: 'a@acme.com' },
      true,
    ],
    [
      'contains on missing',
      list([{ property: 'email', operator: 'contains', value: '@' }]),
      { email: null },
      false,
    ],
    [
      'not_contains',
      list([{ property: 'email', operator: 'not_contains', value: 'gmail' }]),
      { email: 'a@acme.com' },
      true,
    ],
    [
      'not_contains hit',
      list([{ property: 'email', operator: 'not_contains', value: 'gmail' }]),
      { email: 'a@gmail.com' },
      false,
    ],
    ['in', list([{ property: 'p', operator: 'in', values: ['a', 'B'] }]), { p: 'b' }, true],
    ['in on missing', list([{ property: 'p', operator: 'in', values: ['a'] }]), {}, false],
    ['not_in', list([{ property: 'p', operator: 'not_in', values: ['a'] }]), { p: 'c' }, true],
    ['not_in hit', list([{ property: 'p', operator: 'not_in', values: ['a'] }]), { p: 'a' }, false],
    ['has_property', list([{ property: 'p', operator: 'has_property' }]), { p: 'x' }, true],
    ['has_property blank', list([{ property: 'p', operator: 'has_property' }]), { p: '  ' }, false],
    ['not_has_property', list([{ property: 'p', operator: 'not_has_property' }]), {}, true],
    [
      'AND within a group',
      list([
        { property: 'p', operator: 'has_property' },
        { property: 'q', operator: 'has_property' },
      ]),
      { p: 'x' },
      false,
    ],
    [
      'OR across groups',
      {
        groups: [
          { filters: [{ property: 'p', operator: 'has_property' }] },
          { filters: [{ property: 'q', operator: 'has_property' }] },
        ],
      },
      { q: 'x' },
      true,
    ],
    ['no list: everyone', null, {}, true],
  ] as const)('%s', (_n, l, props, expected) => {
    expect(contactQualifies(l as InclusionList | null, props)).toBe(expected);
  });
});
