import { describe, expect, it } from '@jest/globals';
import { ChangeEvent } from '@crm-sync/domain';
import type { HubSpotRecord } from '../hubspot/hubspot-api.port.js';
import { associationDiff, polledChange, rememberSeen, unseen } from './poll-changes.js';

const T = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function record(over: Partial<HubSpotRecord> = {}): HubSpotRecord {
  return {
    id: '42',
    properties: { name: 'Acme', phone: '+1 555', hs_lastmodifieddate: iso(T) },
    history: {
      name: [
        { value: 'Acme', timestamp: iso(T), sourceType: 'CRM_UI', sourceId: 'userId:7' },
        {
          value: 'Acme Inc',
          timestamp: iso(T - 86_400_000),
          sourceType: 'IMPORT',
          sourceId: undefined,
        },
      ],
      phone: [
        {
          value: '+1 555',
          timestamp: iso(T - 86_400_000),
          sourceType: 'IMPORT',
          sourceId: undefined,
        },
      ],
    },
    createdAt: iso(T - 86_400_000),
    updatedAt: iso(T),
    ...over,
  };
}

describe('polledChange', () => {
  it('reports an update with the properties changed in the polled range, their times and origin', () => {
    const e = polledChange('c1', 'companies', record(), T - 60_000, undefined);
    expect(ChangeEvent.parse(e)).toEqual(e);
    expect(e?.payload).toMatchObject({
      kind: 'hubspot_company',
      recordId: '42',
      changeType: 'updated',
      changedProperties: ['name'],
      propertyChangedAt: { name: iso(T), phone: iso(T - 86_400_000) },
      changedAt: iso(T),
      changeSource: 'CRM_UI',
      sourceId: 'userId:7',
      capturedBy: 'poll',
      autoCreated: false,
    });
  });

  it('reports a record created in the range as created with every property', () => {
    const e = polledChange('c1', 'contacts', record({ createdAt: iso(T) }), T - 60_000, undefined);
    expect(e?.payload).toMatchObject({
      kind: 'hubspot_contact',
      changeType: 'created',
      changedProperties: ['name', 'phone'],
    });
  });

  it('reports only what changed after the version already reported, and nothing when nothing did', () => {
    expect(polledChange('c1', 'companies', record(), T - 60_000, T)).toBeUndefined();
    const e = polledChange('c1', 'companies', record(), T - 60_000, T - 1);
    expect(e?.payload).toMatchObject({ changeType: 'updated', changedProperties: ['name'] });
  });

  it('has one id per record version, so a re-read of the same version is the same event', () => {
    const a = polledChange('c1', 'companies', record(), T - 60_000, undefined);
    const b = polledChange('c1', 'companies', record(), T - 30_000, undefined);
    expect(a?.id).toBe(b?.id);
  });
});

describe('seen versions of the overlap', () => {
  it('skip hits already reported at the same version, not newer versions', () => {
    const seen = new Map([
      ['1', T],
      ['2', T],
    ]);
    const hits = [
      { id: '1', modifiedAt: T },
      { id: '2', modifiedAt: T + 5 },
      { id: '3', modifiedAt: T },
    ];
    expect(unseen(hits, seen).map((h) => h.id)).toEqual(['2', '3']);
  });

  it('remember only what the next overlap can find again, newest first when over the cap', () => {
    const seen = new Map([
      ['old', T - 200_000],
      ['a', T - 1_000],
      ['b', T],
      ['c', T + 1],
    ]);
    expect([...rememberSeen(seen, T, 60_000).keys()].sort()).toEqual(['a', 'b', 'c']);
    expect([...rememberSeen(seen, T, 60_000, 2).keys()].sort()).toEqual(['b', 'c']);
  });
});

describe('associationDiff', () => {
  it('reports companies added and removed since the last reading', () => {
    expect(associationDiff(['1', '2'], ['2', '3'], false)).toEqual({
      added: ['3'],
      removed: ['1'],
    });
    expect(associationDiff(['1'], ['1'], true)).toEqual({ added: [], removed: [] });
  });

  it('reports a first sighting only when asked (else it is the baseline)', () => {
    expect(associationDiff(undefined, ['5'], true)).toEqual({ added: ['5'], removed: [] });
    expect(associationDiff(undefined, ['5'], false)).toEqual({ added: [], removed: [] });
  });
});
