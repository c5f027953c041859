import { describe, expect, it } from '@jest/globals';
import type { PropertyType } from '../model/property-registry.js';
import { containsToken, matches, matchesFilter, type Filter } from './filter-evaluator.js';

// Operators as documented in HubSpot's CRM search guide ("Filter search results").
const types: Record<string, PropertyType> = {
  name: 'string',
  numberofemployees: 'number',
  hs_lastmodifieddate: 'datetime',
  lifecyclestage: 'enumeration',
};
const typeOf = (n: string) => types[n];
const f = (
  propertyName: string,
  operator: Filter['operator'],
  rest: Partial<Filter> = {},
): Filter => ({ propertyName, operator, ...rest });
const record = {
  name: 'Acme Rockets Inc',
  numberofemployees: '250',
  hs_lastmodifieddate: '2025-01-01T10:00:00.000Z',
  lifecyclestage: 'lead',
};

describe('search filter evaluator', () => {
  it('compares strings case-insensitively with EQ and NEQ', () => {
    expect(
      matchesFilter(record.name, f('name', 'EQ', { value: 'acme rockets inc' }), 'string'),
    ).toBe(true);
    expect(
      matchesFilter(record.name, f('name', 'NEQ', { value: 'acme rockets inc' }), 'string'),
    ).toBe(false);
    expect(matchesFilter(undefined, f('name', 'NEQ', { value: 'x' }), 'string')).toBe(true);
  });

  it('compares numbers numerically, not as text', () => {
    expect(matchesFilter('250', f('n', 'GT', { value: '99' }), 'number')).toBe(true);
    expect(matchesFilter('250', f('n', 'LT', { value: '1000' }), 'number')).toBe(true);
    expect(matchesFilter('250', f('n', 'LTE', { value: '250' }), 'number')).toBe(true);
    expect(matchesFilter('250', f('n', 'GTE', { value: '251' }), 'number')).toBe(false);
    expect(
      matchesFilter('250', f('n', 'BETWEEN', { value: '100', highValue: '300' }), 'number'),
    ).toBe(true);
  });

  it('takes datetimes as epoch millis or ISO-8601', () => {
    const ms = String(Date.parse('2025-01-01T09:00:00Z'));
    expect(matchesFilter(record.hs_lastmodifieddate, f('d', 'GT', { value: ms }), 'datetime')).toBe(
      true,
    );
    expect(
      matchesFilter(
        record.hs_lastmodifieddate,
        f('d', 'GT', { value: '2025-01-01T10:00:00Z' }),
        'datetime',
      ),
    ).toBe(false);
    expect(
      matchesFilter(
        record.hs_lastmodifieddate,
        f('d', 'GTE', { value: '2025-01-01T10:00:00Z' }),
        'datetime',
      ),
    ).toBe(true);
  });

  it('supports IN, NOT_IN, HAS_PROPERTY and NOT_HAS_PROPERTY', () => {
    expect(
      matchesFilter('lead', f('s', 'IN', { values: ['customer', 'lead'] }), 'enumeration'),
    ).toBe(true);
    expect(
      matchesFilter('lead', f('s', 'NOT_IN', { values: ['customer', 'lead'] }), 'enumeration'),
    ).toBe(false);
    expect(matchesFilter(undefined, f('s', 'HAS_PROPERTY'), 'string')).toBe(false);
    expect(matchesFilter('', f('s', 'NOT_HAS_PROPERTY'), 'string')).toBe(true);
  });

  it('matches whole tokens and * wildcards with CONTAINS_TOKEN', () => {
    expect(containsToken('Acme Rockets Inc', 'rockets')).toBe(true);
    expect(containsToken('Acme Rockets Inc', 'rock')).toBe(false);
    expect(containsToken('Acme Rockets Inc', 'rock*')).toBe(true);
    expect(containsToken('ada@acme.com', '*@acme.com')).toBe(true);
  });

  it('ORs filter groups and ANDs filters within a group', () => {
    const both = {
      filters: [
        f('name', 'CONTAINS_TOKEN', { value: 'acme' }),
        f('numberofemployees', 'GT', { value: '1000' }),
      ],
    };
    const stage = { filters: [f('lifecyclestage', 'EQ', { value: 'lead' })] };
    expect(matches(record, [both], typeOf)).toBe(false);
    expect(matches(record, [both, stage], typeOf)).toBe(true);
    expect(matches(record, [], typeOf)).toBe(true);
  });
});
