import { describe, expect, it } from '@jest/globals';
import {
  HubSpotPropertyType,
  SalesforceFieldType,
  type FieldMapping,
} from '../contracts/mappings.js';
import { isBlank, sameValue, toHubSpotValue, toSalesforceValue } from './convert.js';
import { DEFAULT_FIELD_MAPPINGS, DEFAULT_INDUSTRY_VALUE_MAP } from './default-mappings.js';
import { checkTypeCompatibility, COMPATIBLE_TYPES } from './type-compatibility.js';
import { validateMappingSet } from './validate-mappings.js';

const m = (
  hubspotType: FieldMapping['hubspotType'],
  salesforceType: FieldMapping['salesforceType'],
  extra: Partial<FieldMapping> = {},
): FieldMapping => ({
  hubspotProperty: 'p',
  hubspotType,
  salesforceField: 'F__c',
  salesforceType,
  rule: 'two_way',
  ...extra,
});
const vm = {
  hubspotToSalesforce: { A: 'Alpha', B: 'Beta' },
  salesforceToHubspot: { Alpha: 'A', Beta: 'B' },
};

describe('type compatibility matrix', () => {
  const allowed = new Set([
    'string:string',
    'string:textarea',
    'string:url',
    'string:phone',
    'string:email',
    'phone_number:phone',
    'phone_number:string',
    'number:double',
    'number:int',
    'number:currency',
    'number:percent',
    'enumeration:picklist',
    'enumeration:multipicklist',
    'bool:boolean',
    'date:date',
    'date:datetime',
    'datetime:datetime',
    'datetime:date',
  ]);
  const pairs = HubSpotPropertyType.options.flatMap((h) =>
    SalesforceFieldType.options.map((s) => [h, s] as const),
  );

  it.each(pairs)('%s ↔ %s', (h, s) => {
    const r = checkTypeCompatibility(m(h, s, { valueMap: vm }));
    expect(r.ok).toBe(allowed.has(`${h}:${s}`));
    if (!r.ok) expect(r.message).toContain(`cannot map to Salesforce field "F__c" (${s})`);
  });

  it('lists the same pairs as the matrix above', () => {
    expect(
      Object.entries(COMPATIBLE_TYPES)
        .flatMap(([h, ss]) => ss.map((s) => `${h}:${s}`))
        .sort(),
    ).toEqual([...allowed].sort());
  });

  it('refuses an enumeration ↔ picklist mapping without a value map', () => {
    const r = checkTypeCompatibility(m('enumeration', 'picklist'));
    expect(r.ok ? '' : r.message).toMatch(/needs a value map/);
  });
});

describe('validateMappingSet', () => {
  const settings = { salesforceExternalIdField: 'HubSpot_Company_Id__c' };

  it('accepts the default set', () => {
    expect(validateMappingSet(DEFAULT_FIELD_MAPPINGS, settings)).toEqual({ ok: true });
  });

  it('reports every problem at once', () => {
    const r = validateMappingSet(
      [
        m('string', 'string', { hubspotProperty: 'name', salesforceField: 'Name' }),
        m('string', 'textarea', { hubspotProperty: 'name', salesforceField: 'Description' }),
        m('string', 'string', { hubspotProperty: 'city', salesforceField: 'name' }),
        m('number', 'boolean', { hubspotProperty: 'x', salesforceField: 'X__c' }),
        m('string', 'string', { hubspotProperty: 'salesforceaccountid', salesforceField: 'Y__c' }),
        m('string', 'string', { hubspotProperty: 'z', salesforceField: 'HubSpot_Company_Id__c' }),
        m('string', 'string', {
          hubspotProperty: 'w',
          salesforceField: 'W__c',
          transform: 'url_host',
        }),
      ],
      settings,
    );
    expect(r.ok ? [] : r.problems.map((p) => [p.index, p.code])).toEqual([
      [1, 'DUPLICATE_PROPERTY'],
      [2, 'DUPLICATE_FIELD'],
      [3, 'INCOMPATIBLE_TYPES'],
      [4, 'RESERVED'],
      [5, 'RESERVED'],
      [6, 'TRANSFORM_NOT_ALLOWED'],
    ]);
  });
});

describe('default mappings', () => {
  it('cover SPEC R9', () => {
    expect(DEFAULT_FIELD_MAPPINGS.map((d) => `${d.hubspotProperty}:${d.salesforceField}`)).toEqual([
      'name:Name',
      'domain:Website',
      'phone:Phone',
      'address:BillingStreet',
      'city:BillingCity',
      'state:BillingState',
      'zip:BillingPostalCode',
      'country:BillingCountry',
      'industry:Industry',
      'numberofemployees:NumberOfEmployees',
      'annualrevenue:AnnualRevenue',
      'description:Description',
    ]);
  });

  // Salesforce Industry picklist values (fields.json).
  const SF_INDUSTRY = [
    'Agriculture',
    'Apparel',
    'Banking',
    'Biotechnology',
    'Chemicals',
    'Communications',
    'Construction',
    'Consulting',
    'Education',
    'Electronics',
    'Energy',
    'Engineering',
    'Entertainment',
    'Environmental',
    'Finance',
    'Food & Beverage',
    'Government',
    'Healthcare',
    'Hospitality',
    'Insurance',
    'Machinery',
    'Manufacturing',
    'Media',
    'Not For Profit',
    'Recreation',
    'Retail',
    'Shipping',
    'Technology',
    'Telecommunications',
    'Transportation',
    'Utilities',
    'Other',
  ];

  it('industry map targets only real picklist values and round-trips Salesforce values', () => {
    for (const v of Object.values(DEFAULT_INDUSTRY_VALUE_MAP.hubspotToSalesforce))
      expect(SF_INDUSTRY).toContain(v);
    for (const [sfValue, hsValue] of Object.entries(
      DEFAULT_INDUSTRY_VALUE_MAP.salesforceToHubspot,
    )) {
      expect(SF_INDUSTRY).toContain(sfValue);
      expect(DEFAULT_INDUSTRY_VALUE_MAP.hubspotToSalesforce[hsValue]).toBe(sfValue);
    }
    expect(Object.keys(DEFAULT_INDUSTRY_VALUE_MAP.salesforceToHubspot)).not.toContain('Other');
  });
});

describe('value conversion', () => {
  it.each([
    ['text kept as is', m('string', 'string'), ' Acme ', ' Acme '],
    ['blank → null', m('string', 'string'), '  ', null],
    ['null → null', m('number', 'double'), null, null],
    ['number', m('number', 'double'), '12.5', 12.5],
    ['currency', m('number', 'currency'), '1e6', 1_000_000],
    ['int', m('number', 'int'), '40', 40],
    ['bool', m('bool', 'boolean'), 'TRUE', true],
    ['date from ISO date', m('date', 'date'), '2025-03-01', '2025-03-01'],
    ['date from epoch ms', m('date', 'date'), '1740787200000', '2025-03-01'],
    ['date → datetime', m('date', 'datetime'), '2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['datetime → date', m('datetime', 'date'), '2025-03-01T23:30:00Z', '2025-03-01'],
    [
      'datetime',
      m('datetime', 'datetime'),
      '2025-03-01T10:00:00+02:00',
      '2025-03-01T08:00:00.000Z',
    ],
    ['picklist', m('enumeration', 'picklist', { valueMap: vm }), 'A', 'Alpha'],
    ['multipicklist', m('enumeration', 'multipicklist', { valueMap: vm }), 'A;B', 'Alpha;Beta'],
  ] as const)('HubSpot → Salesforce: %s', (_n, mapping, input, expected) => {
    expect(toSalesforceValue(mapping, input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['number', m('number', 'double'), '12abc', 'INVALID_NUMBER'],
    ['int', m('number', 'int'), '1.5', 'NOT_AN_INTEGER'],
    ['bool', m('bool', 'boolean'), 'yes', 'INVALID_BOOLEAN'],
    ['date', m('date', 'date'), 'tomorrow', 'INVALID_DATE'],
    [
      'picklist without entry',
      m('enumeration', 'picklist', { valueMap: vm }),
      'C',
      'VALUE_NOT_IN_VALUE_MAP',
    ],
    ['picklist without map', m('enumeration', 'picklist'), 'A', 'VALUE_NOT_IN_VALUE_MAP'],
  ] as const)('HubSpot → Salesforce refuses %s', (_n, mapping, input, code) => {
    expect(toSalesforceValue(mapping, input)).toMatchObject({
      ok: false,
      error: { code, category: 'property_value', retriable: false, field: 'F__c' },
    });
  });

  it.each([
    ['text', m('string', 'string'), 'Acme', 'Acme'],
    ['number', m('number', 'double'), 12.5, '12.5'],
    ['numeric text', m('number', 'double'), '12', '12'],
    ['boolean', m('bool', 'boolean'), false, 'false'],
    ['boolean text', m('bool', 'boolean'), 'True', 'true'],
    ['date', m('date', 'date'), '2025-03-01', '2025-03-01'],
    ['datetime → date', m('date', 'datetime'), '2025-03-01T10:00:00.000+0000', '2025-03-01'],
    [
      'datetime',
      m('datetime', 'datetime'),
      '2025-03-01T10:00:00.000+0000',
      '2025-03-01T10:00:00.000Z',
    ],
    ['picklist', m('enumeration', 'picklist', { valueMap: vm }), 'Beta', 'B'],
    [
      'url host',
      m('string', 'url', { transform: 'url_host' }),
      'https://www.acme.com/x',
      'acme.com',
    ],
    ['blank', m('string', 'string'), '', null],
  ] as const)('Salesforce → HubSpot: %s', (_n, mapping, input, expected) => {
    expect(toHubSpotValue(mapping, input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['number', m('number', 'double'), 'abc', 'INVALID_NUMBER'],
    ['bool', m('bool', 'boolean'), 'maybe', 'INVALID_BOOLEAN'],
    ['date', m('date', 'date'), 'soon', 'INVALID_DATE'],
    ['picklist', m('enumeration', 'picklist', { valueMap: vm }), 'Gamma', 'VALUE_NOT_IN_VALUE_MAP'],
    ['url host', m('string', 'url', { transform: 'url_host' }), 'n/a', 'INVALID_WEBSITE'],
  ] as const)('Salesforce → HubSpot refuses %s', (_n, mapping, input, code) => {
    expect(toHubSpotValue(mapping, input)).toMatchObject({
      ok: false,
      error: { code, field: 'p' },
    });
  });

  it.each([
    ['both blank', m('string', 'string'), null, '', true],
    ['one blank', m('string', 'string'), 'A', null, false],
    ['number formats', m('number', 'double'), 12, '12.0', true],
    ['different numbers', m('number', 'double'), 12, '13', false],
    [
      'datetime offsets',
      m('datetime', 'datetime'),
      '2025-03-01T10:00:00.000+0000',
      '1740823200000',
      true,
    ],
    [
      'host vs URL',
      m('string', 'url', { transform: 'url_host' }),
      'https://www.acme.com',
      'acme.com',
      true,
    ],
    ['multi order', m('enumeration', 'multipicklist', { valueMap: vm }), 'Beta;Alpha', 'A;B', true],
    [
      'unmapped HubSpot value compared in HubSpot terms',
      m('enumeration', 'picklist', {
        valueMap: { hubspotToSalesforce: {}, salesforceToHubspot: { Alpha: 'A' } },
      }),
      'Alpha',
      'A',
      true,
    ],
    ['bool case', m('bool', 'boolean'), true, 'TRUE', true],
  ] as const)('sameValue: %s', (_n, mapping, s, h, expected) => {
    expect(sameValue(mapping, s, h)).toBe(expected);
  });

  it('isBlank', () => {
    expect([null, undefined, '', ' ', 0, false, 'x'].map(isBlank)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
