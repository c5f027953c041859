import {
  ConnectionSettings,
  DEFAULT_FIELD_MAPPINGS,
  enableCompanySync,
  type FieldMapping,
} from '@crm-sync/domain';
import { describe, expect, it } from '@jest/globals';
import { editMappings } from './mapping-edit.js';

const off = ConnectionSettings.parse({ connectionId: 'c1' });
const on = enableCompanySync(off, '2026-03-01T10:00:00.000Z');
const site: FieldMapping = {
  hubspotProperty: 'website',
  hubspotType: 'string',
  salesforceField: 'Site',
  salesforceType: 'string',
  rule: 'two_way',
};

describe('editMappings', () => {
  it('refuses any edit while company sync is off (R1)', () => {
    expect(editMappings(off, DEFAULT_FIELD_MAPPINGS, { kind: 'add', mapping: site })).toEqual({
      ok: false,
      refusal: 'COMPANY_SYNC_DISABLED',
      message: 'Turn on company sync before editing company field mappings.',
    });
  });

  it('adds, replaces and removes', () => {
    const added = editMappings(on, DEFAULT_FIELD_MAPPINGS, { kind: 'add', mapping: site });
    expect(added.ok && added.mappings.at(-1)).toEqual(site);
    const replaced = editMappings(on, DEFAULT_FIELD_MAPPINGS, {
      kind: 'replace',
      mappings: [site],
    });
    expect(replaced.ok && replaced.mappings).toEqual([site]);
    const removed = editMappings(on, DEFAULT_FIELD_MAPPINGS, {
      kind: 'remove',
      hubspotProperty: 'PHONE',
    });
    expect(removed.ok && removed.mappings.map((m) => m.hubspotProperty)).not.toContain('phone');
  });

  it('says when the mapping to remove does not exist', () => {
    expect(editMappings(on, [site], { kind: 'remove', hubspotProperty: 'phone' })).toMatchObject({
      ok: false,
      refusal: 'NO_SUCH_MAPPING',
      message: 'No mapping for HubSpot property "phone".',
    });
  });

  it('reports every rule broken at once, each in words (R9)', () => {
    const outcome = editMappings(on, DEFAULT_FIELD_MAPPINGS, {
      kind: 'replace',
      mappings: [
        site,
        { ...site, salesforceField: 'Phone' },
        {
          ...site,
          hubspotProperty: 'revenue',
          hubspotType: 'number',
          salesforceField: 'Description',
          salesforceType: 'textarea',
        },
      ],
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok || outcome.refusal !== 'INVALID_MAPPINGS') throw new Error('expected a refusal');
    expect(outcome.problems.map((p) => p.code)).toEqual([
      'DUPLICATE_PROPERTY',
      'INCOMPATIBLE_TYPES',
    ]);
    expect(outcome.message).toContain('HubSpot property "website" is already mapped (mapping 1)');
    expect(outcome.message).toContain(
      'HubSpot property "revenue" (number) cannot map to Salesforce field "Description" (textarea)',
    );
  });
});
