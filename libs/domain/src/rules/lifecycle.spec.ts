import { describe, expect, it } from '@jest/globals';
import { decideLifecycleRollup } from './lifecycle.js';

const on = { syncCompanies: true, lifecycleRollup: true };

describe('decideLifecycleRollup (R7)', () => {
  it.each([
    [
      'moves forward to the furthest contact stage',
      'lead',
      ['subscriber', 'opportunity', 'marketingqualifiedlead'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'opportunity' },
      },
    ],
    [
      'sets a stage on a company without one',
      null,
      ['customer'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'customer' },
      },
    ],
    [
      'blank company stage counts as none',
      '',
      ['lead'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'lead' },
      },
    ],
    [
      'other is the last stage',
      'evangelist',
      ['other'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'other' },
      },
    ],
    [
      'never backward',
      'customer',
      ['lead', 'opportunity'],
      { kind: 'skip', reasons: ['LIFECYCLE_NOT_FORWARD'] },
    ],
    [
      'same stage is not forward',
      'customer',
      ['customer'],
      { kind: 'skip', reasons: ['LIFECYCLE_NOT_FORWARD'] },
    ],
    [
      'unknown contact stages are ignored',
      'lead',
      ['custom123', null, 'opportunity'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'opportunity' },
      },
    ],
    [
      'only unknown stages',
      'lead',
      ['custom123', null],
      { kind: 'skip', reasons: ['NO_KNOWN_CONTACT_STAGE'] },
    ],
    ['no contacts', 'lead', [], { kind: 'skip', reasons: ['NO_KNOWN_CONTACT_STAGE'] }],
    [
      'company on a custom stage is left alone',
      'custom999',
      ['customer'],
      { kind: 'skip', reasons: ['COMPANY_STAGE_UNKNOWN'] },
    ],
    [
      'stage names are matched without case',
      'Lead',
      ['CUSTOMER'],
      {
        kind: 'update',
        target: 'hubspot',
        reasons: ['LIFECYCLE_ROLLED_FORWARD'],
        values: { lifecyclestage: 'customer' },
      },
    ],
  ] as const)('%s', (_n, companyStage, contactStages, expected) => {
    expect(decideLifecycleRollup({ settings: on, companyStage, contactStages })).toEqual(expected);
  });

  it.each([
    [{ syncCompanies: false, lifecycleRollup: true }, 'SYNC_DISABLED'],
    [{ syncCompanies: true, lifecycleRollup: false }, 'LIFECYCLE_ROLLUP_OFF'],
  ] as const)('skips when %j', (settings, reason) => {
    expect(
      decideLifecycleRollup({ settings, companyStage: 'lead', contactStages: ['customer'] }),
    ).toEqual({ kind: 'skip', reasons: [reason] });
  });
});
