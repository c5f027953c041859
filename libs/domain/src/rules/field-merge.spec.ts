import { describe, expect, it } from '@jest/globals';
import type { HubSpotValue, SalesforceValue } from '../contracts/common.js';
import type { FieldMapping, SyncRule } from '../contracts/mappings.js';
import { DEFAULT_FIELD_MAPPINGS } from '../mapping/default-mappings.js';
import { mergeField, mergeFields, valuesForCreate, type SideState } from './field-merge.js';

const T1 = '2025-03-01T10:00:00Z';
const T2 = '2025-03-01T10:00:01Z';
const text = (rule: SyncRule): FieldMapping => ({
  hubspotProperty: 'name',
  hubspotType: 'string',
  salesforceField: 'Name',
  salesforceType: 'string',
  rule,
});
const sfSide = (
  value: SalesforceValue | undefined,
  changed: boolean,
  at?: string,
): SideState<SalesforceValue> => ({
  values: value === undefined ? {} : { Name: value },
  changedAt: at === undefined ? {} : { Name: at },
  changed: changed ? ['Name'] : [],
});
const hsSide = (
  value: HubSpotValue | undefined,
  changed: boolean,
  at?: string,
): SideState<HubSpotValue> => ({
  values: value === undefined ? {} : { name: value },
  changedAt: at === undefined ? {} : { name: at },
  changed: changed ? ['name'] : [],
});

type Row = readonly [
  string,
  SyncRule,
  'sf' | 'hs' | 'both',
  SalesforceValue,
  HubSpotValue,
  string | undefined,
  string | undefined,
  string,
  SalesforceValue | undefined,
  string,
];

// rule × who changed × Salesforce blank/non-blank × HubSpot blank/non-blank (blank after a change = cleared)
const rows: Row[] = [
  [
    'SF value overwrites',
    'prefer_salesforce_unless_blank',
    'sf',
    'A',
    'B',
    T1,
    T1,
    'write_hubspot',
    'A',
    'SALESFORCE_VALUE_OVERWRITES',
  ],
  [
    'SF clearing clears HubSpot',
    'prefer_salesforce_unless_blank',
    'sf',
    null,
    'B',
    T1,
    T1,
    'write_hubspot',
    null,
    'CLEARED_IN_SALESFORCE',
  ],
  [
    'SF change to the same value',
    'prefer_salesforce_unless_blank',
    'sf',
    'A',
    'A',
    T1,
    T1,
    'skip',
    undefined,
    'VALUES_EQUAL',
  ],
  [
    'SF cleared, HubSpot already blank',
    'prefer_salesforce_unless_blank',
    'sf',
    '',
    null,
    T1,
    T1,
    'skip',
    undefined,
    'VALUES_EQUAL',
  ],
  [
    'HubSpot value fills a blank SF field',
    'prefer_salesforce_unless_blank',
    'hs',
    null,
    'B',
    T1,
    T2,
    'write_salesforce',
    'B',
    'SALESFORCE_FIELD_BLANK',
  ],
  [
    'HubSpot change while SF has a value: SF restores it',
    'prefer_salesforce_unless_blank',
    'hs',
    'A',
    'B',
    T1,
    T2,
    'write_hubspot',
    'A',
    'SALESFORCE_FIELD_NOT_BLANK',
  ],
  [
    'HubSpot clearing with SF blank',
    'prefer_salesforce_unless_blank',
    'hs',
    null,
    '',
    T1,
    T2,
    'skip',
    undefined,
    'CLEARING_NOT_PROPAGATED',
  ],
  [
    'HubSpot clearing with SF value: SF restores it',
    'prefer_salesforce_unless_blank',
    'hs',
    'A',
    null,
    T1,
    T2,
    'write_hubspot',
    'A',
    'SALESFORCE_FIELD_NOT_BLANK',
  ],
  [
    'both changed: SF wins',
    'prefer_salesforce_unless_blank',
    'both',
    'A',
    'B',
    T1,
    T2,
    'write_hubspot',
    'A',
    'SALESFORCE_VALUE_OVERWRITES',
  ],
  [
    'always: SF value overwrites',
    'always_use_salesforce',
    'sf',
    'A',
    'B',
    T1,
    T1,
    'write_hubspot',
    'A',
    'SALESFORCE_VALUE_OVERWRITES',
  ],
  [
    'always: SF clearing clears HubSpot',
    'always_use_salesforce',
    'sf',
    null,
    'B',
    T1,
    T1,
    'write_hubspot',
    null,
    'CLEARED_IN_SALESFORCE',
  ],
  [
    'always: HubSpot never writes a blank SF field',
    'always_use_salesforce',
    'hs',
    null,
    'B',
    T1,
    T2,
    'skip',
    undefined,
    'RULE_ALWAYS_USE_SALESFORCE',
  ],
  [
    'always: HubSpot change is overwritten',
    'always_use_salesforce',
    'hs',
    'A',
    'B',
    T1,
    T2,
    'write_hubspot',
    'A',
    'SALESFORCE_VALUE_OVERWRITES',
  ],
  [
    'always: HubSpot clearing is overwritten',
    'always_use_salesforce',
    'hs',
    'A',
    null,
    T1,
    T2,
    'write_hubspot',
    'A',
    'SALESFORCE_VALUE_OVERWRITES',
  ],
  [
    'always: HubSpot clearing with SF blank',
    'always_use_salesforce',
    'hs',
    null,
    null,
    T1,
    T2,
    'skip',
    undefined,
    'RULE_ALWAYS_USE_SALESFORCE',
  ],
  [
    'two-way: SF newer',
    'two_way',
    'sf',
    'A',
    'B',
    T2,
    T1,
    'write_hubspot',
    'A',
    'NEWER_IN_SALESFORCE',
  ],
  [
    'two-way: HubSpot newer',
    'two_way',
    'hs',
    'A',
    'B',
    T1,
    T2,
    'write_salesforce',
    'B',
    'NEWER_IN_HUBSPOT',
  ],
  [
    'two-way: tie goes to Salesforce',
    'two_way',
    'both',
    'A',
    'B',
    T1,
    T1,
    'write_hubspot',
    'A',
    'TIE_GOES_TO_SALESFORCE',
  ],
  [
    'two-way: tie at different offsets',
    'two_way',
    'both',
    'A',
    'B',
    '2025-03-01T12:00:00+02:00',
    T1,
    'write_hubspot',
    'A',
    'TIE_GOES_TO_SALESFORCE',
  ],
  [
    'two-way: no times known → tie',
    'two_way',
    'hs',
    'A',
    'B',
    undefined,
    undefined,
    'write_hubspot',
    'A',
    'TIE_GOES_TO_SALESFORCE',
  ],
  [
    'two-way: SF clearing clears HubSpot',
    'two_way',
    'sf',
    null,
    'B',
    T2,
    T1,
    'write_hubspot',
    null,
    'NEWER_IN_SALESFORCE',
  ],
  [
    'two-way: HubSpot clearing clears SF',
    'two_way',
    'hs',
    'A',
    null,
    T1,
    T2,
    'write_salesforce',
    null,
    'NEWER_IN_HUBSPOT',
  ],
  [
    'two-way: SF event late, HubSpot newer wins',
    'two_way',
    'sf',
    'A',
    'B',
    T1,
    T2,
    'write_salesforce',
    'B',
    'NEWER_IN_HUBSPOT',
  ],
  [
    'two-way: HubSpot fills blank SF',
    'two_way',
    'hs',
    null,
    'B',
    T1,
    T2,
    'write_salesforce',
    'B',
    'NEWER_IN_HUBSPOT',
  ],
  ['two-way: equal values', 'two_way', 'hs', 'A', 'A', T1, T2, 'skip', undefined, 'VALUES_EQUAL'],
  [
    'dont_sync: SF change',
    'dont_sync',
    'sf',
    'A',
    'B',
    T2,
    T1,
    'skip',
    undefined,
    'RULE_DONT_SYNC',
  ],
  [
    'dont_sync: HubSpot change',
    'dont_sync',
    'hs',
    null,
    'B',
    T1,
    T2,
    'skip',
    undefined,
    'RULE_DONT_SYNC',
  ],
];

describe('mergeField (R9)', () => {
  it.each(rows)('%s (%s, %s changed)', (_n, rule, who, s, h, ts, th, kind, value, reason) => {
    const outcome = mergeField(
      text(rule),
      sfSide(s, who !== 'hs', ts),
      hsSide(h, who !== 'sf', th),
    );
    expect(outcome).toEqual({
      hubspotProperty: 'name',
      salesforceField: 'Name',
      kind,
      reason,
      ...(value === undefined ? {} : { value }),
    });
  });

  it('skips a field neither side changed', () => {
    expect(mergeField(text('two_way'), sfSide('A', false), hsSide('B', false))).toMatchObject({
      kind: 'skip',
      reason: 'NOT_CHANGED',
    });
  });

  it.each([
    [
      'the Salesforce value',
      'prefer_salesforce_unless_blank',
      sfSide(undefined, false),
      hsSide('B', true),
    ],
    ['the Salesforce value', 'always_use_salesforce', sfSide(undefined, false), hsSide('B', true)],
    ['the HubSpot value in two-way', 'two_way', sfSide('A', true), hsSide(undefined, false)],
  ] as const)('refuses to decide when %s (%s) is unknown', (_n, rule, sf, hs) => {
    expect(mergeField(text(rule), sf, hs)).toMatchObject({
      kind: 'skip',
      reason: 'VALUE_UNKNOWN',
    });
  });

  // A property mapped after its company last changed: HubSpot's value was never seen.
  it.each([
    ['prefer_salesforce_unless_blank', sfSide('A', true), 'A', 'SALESFORCE_VALUE_OVERWRITES'],
    ['always_use_salesforce', sfSide('A', true), 'A', 'SALESFORCE_VALUE_OVERWRITES'],
    ['prefer_salesforce_unless_blank', sfSide('', true), null, 'CLEARED_IN_SALESFORCE'],
  ] as const)(
    'writes HubSpot under %s when Salesforce wins whatever HubSpot holds (%#)',
    (rule, sf, value, reason) => {
      expect(mergeField(text(rule), sf, hsSide(undefined, false))).toMatchObject({
        kind: 'write_hubspot',
        value,
        reason,
      });
    },
  );

  const industry = DEFAULT_FIELD_MAPPINGS.find((m) => m.hubspotProperty === 'industry');
  if (industry === undefined) throw new Error('default industry mapping missing');
  const ind = (s: SalesforceValue, h: HubSpotValue, sfChanged: boolean) =>
    mergeField(
      industry,
      { values: { Industry: s }, changedAt: {}, changed: sfChanged ? ['Industry'] : [] },
      { values: { industry: h }, changedAt: {}, changed: sfChanged ? [] : ['industry'] },
    );

  it('treats a many-to-one industry as already equal instead of overwriting it', () => {
    expect(ind('Technology', 'COMPUTER_SOFTWARE', true)).toMatchObject({
      kind: 'skip',
      reason: 'VALUES_EQUAL',
    });
  });

  it('maps a picklist value through the value map', () => {
    expect(ind('Finance', 'BANKING', true)).toMatchObject({
      kind: 'write_hubspot',
      value: 'FINANCIAL_SERVICES',
    });
    expect(ind(null, 'BANKING', false)).toMatchObject({
      kind: 'write_salesforce',
      value: 'Banking',
    });
  });

  it.each([
    ['Salesforce value without entry', 'Other', 'BANKING', true],
    ['HubSpot value without entry', null, 'ANIMATION', false],
  ])('records a property-value error for a %s', (_n, s, h, sfChanged) => {
    const o = ind(s, h, sfChanged);
    expect(o).toMatchObject({
      kind: 'error',
      reason: 'PROPERTY_VALUE_ERROR',
      error: { category: 'property_value', code: 'VALUE_NOT_IN_VALUE_MAP' },
    });
  });
});

describe('mergeFields', () => {
  it('collects writes per side and errors', () => {
    const mappings: FieldMapping[] = [
      text('prefer_salesforce_unless_blank'),
      {
        hubspotProperty: 'phone',
        hubspotType: 'string',
        salesforceField: 'Phone',
        salesforceType: 'phone',
        rule: 'prefer_salesforce_unless_blank',
      },
      {
        hubspotProperty: 'numberofemployees',
        hubspotType: 'number',
        salesforceField: 'NumberOfEmployees',
        salesforceType: 'int',
        rule: 'two_way',
      },
    ];
    const result = mergeFields({
      mappings,
      salesforce: {
        values: { Name: 'Acme', Phone: null, NumberOfEmployees: 5 },
        changedAt: {},
        changed: ['Name'],
      },
      hubspot: {
        values: { name: 'Old', phone: '+1 555', numberofemployees: '12.5' },
        changedAt: { numberofemployees: T1 },
        changed: ['phone', 'numberofemployees'],
      },
    });
    expect(result.hubspot).toEqual({ name: 'Acme' });
    expect(result.salesforce).toEqual({ Phone: '+1 555' });
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'NOT_AN_INTEGER', field: 'NumberOfEmployees' }),
    ]);
  });
});

describe('valuesForCreate', () => {
  const mappings: FieldMapping[] = [
    ...DEFAULT_FIELD_MAPPINGS,
    {
      hubspotProperty: 'type',
      hubspotType: 'enumeration',
      salesforceField: 'Type',
      salesforceType: 'picklist',
      rule: 'always_use_salesforce',
      valueMap: {
        hubspotToSalesforce: { PROSPECT: 'Prospect' },
        salesforceToHubspot: { Prospect: 'PROSPECT' },
      },
    },
    {
      hubspotProperty: 'about_us',
      hubspotType: 'string',
      salesforceField: 'Site',
      salesforceType: 'string',
      rule: 'dont_sync',
    },
  ];

  it('builds company properties from an account', () => {
    const r = valuesForCreate({
      mappings,
      from: 'salesforce',
      values: {
        Name: 'Acme',
        Website: 'https://www.acme.com/x',
        NumberOfEmployees: 40,
        Industry: 'Other',
        Type: 'Prospect',
        Site: 'HQ',
        Phone: null,
      },
    });
    expect(r.hubspot).toEqual({
      name: 'Acme',
      domain: 'acme.com',
      numberofemployees: '40',
      type: 'PROSPECT',
    });
    expect(r.errors.map((e) => e.code)).toEqual(['VALUE_NOT_IN_VALUE_MAP']);
    expect(r.outcomes.find((o) => o.salesforceField === 'Site')).toMatchObject({
      kind: 'skip',
      reason: 'RULE_DONT_SYNC',
    });
    expect(r.outcomes.find((o) => o.salesforceField === 'Phone')).toMatchObject({
      kind: 'skip',
      reason: 'BLANK_VALUE',
    });
  });

  it('builds account fields from a company, never for always_use_salesforce', () => {
    const r = valuesForCreate({
      mappings,
      from: 'hubspot',
      values: {
        name: 'Acme',
        domain: 'acme.com',
        annualrevenue: '1000000',
        type: 'PROSPECT',
        industry: 'ANIMATION',
      },
    });
    expect(r.salesforce).toEqual({ Name: 'Acme', Website: 'acme.com', AnnualRevenue: 1_000_000 });
    expect(r.outcomes.find((o) => o.salesforceField === 'Type')).toMatchObject({
      kind: 'skip',
      reason: 'RULE_ALWAYS_USE_SALESFORCE',
    });
    expect(r.errors).toHaveLength(1);
  });
});
