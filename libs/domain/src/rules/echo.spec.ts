import { describe, expect, it } from '@jest/globals';
import {
  detectEcho,
  isOwnOrigin,
  recordWrites,
  sameWrittenValue,
  MAX_PENDING_WRITES_PER_FIELD,
  type ChangeOriginMarks,
  type WriteLedger,
} from './echo.js';

const own = { salesforceClientName: 'crm-sync', hubspotAppId: '4242' };
const T = '2025-03-01T10:00:00Z';
const sfOurs: ChangeOriginMarks = {
  system: 'salesforce',
  changeOrigin: 'com/salesforce/api/rest/61.0;client=crm-sync',
};
const sfPolled: ChangeOriginMarks = { system: 'salesforce', changeOrigin: null };
const hsOurs: ChangeOriginMarks = { system: 'hubspot', sourceId: '4242' };
const hsHuman: ChangeOriginMarks = { system: 'hubspot', sourceId: 'userId:77' };

describe('isOwnOrigin', () => {
  it.each([
    [sfOurs, true],
    [{ system: 'salesforce', changeOrigin: 'crm-sync' }, true],
    [
      { system: 'salesforce', changeOrigin: 'com/salesforce/api/soap/61.0;client=DataLoader' },
      false,
    ],
    [sfPolled, false],
    [hsOurs, true],
    [hsHuman, false],
    [{ system: 'hubspot', sourceId: null }, false],
  ] as const)('%j → %s', (origin, expected) => {
    expect(isOwnOrigin(origin, own)).toBe(expected);
  });
});

describe('sameWrittenValue', () => {
  it.each([
    [100, '100', true],
    ['100.0', 100, true],
    [true, 'true', true],
    ['', null, true],
    [null, 'x', false],
    ['2025-03-01T10:00:00.000+0000', '2025-03-01T10:00:00Z', true],
    ['2025-03-01T10:00:00Z', '2025-03-01T10:00:01Z', false],
    ['Acme', 'acme', false],
  ] as const)('%j vs %j → %s', (a, b, expected) => {
    expect(sameWrittenValue(a, b)).toBe(expected);
  });
});

describe('detectEcho', () => {
  const ledger = recordWrites({}, { Name: 'Acme', Phone: '1' }, T);

  it('origin ours and values equal → echo, ledger consumed', () => {
    const r = detectEcho({ origin: sfOurs, own, changed: { Name: 'Acme', Phone: '1' }, ledger });
    expect(r).toEqual({
      echo: true,
      decision: { kind: 'skip', reasons: ['ECHO_OF_OWN_WRITE'] },
      echoFields: ['Name', 'Phone'],
      genuineFields: [],
      ledger: {},
    });
  });

  it('no origin mark (polling) but values equal → echo by value', () => {
    const r = detectEcho({ origin: sfPolled, own, changed: { Name: 'Acme' }, ledger });
    expect(r.echo).toBe(true);
    expect(r.ledger).toEqual({ Phone: [{ value: '1', writtenAt: T }] });
  });

  it('origin ours but the CRM reformatted the value → echo by origin, oldest write consumed', () => {
    const r = detectEcho({ origin: hsOurs, own, changed: { Phone: '+1' }, ledger });
    expect(r.echo).toBe(true);
    expect(r.ledger['Phone']).toBeUndefined();
  });

  it('origin ours, field we did not write while another was ours → trigger side effect, genuine', () => {
    const r = detectEcho({ origin: sfOurs, own, changed: { Name: 'Acme', Rating: 'Hot' }, ledger });
    expect(r).toMatchObject({
      echo: false,
      decision: null,
      echoFields: ['Name'],
      genuineFields: ['Rating'],
    });
  });

  it('origin ours and no ledger at all (lost state) → echo by origin', () => {
    expect(detectEcho({ origin: sfOurs, own, changed: { Name: 'X' }, ledger: {} }).echo).toBe(true);
  });

  it('human change with a different value → genuine, pending writes for it dropped', () => {
    const r = detectEcho({ origin: hsHuman, own, changed: { Name: 'Other' }, ledger });
    expect(r).toMatchObject({ echo: false, genuineFields: ['Name'] });
    expect(r.ledger).toEqual({ Phone: [{ value: '1', writtenAt: T }] });
    // …so a later change back to our old value is not mistaken for an echo.
    expect(
      detectEcho({ origin: hsHuman, own, changed: { Name: 'Acme' }, ledger: r.ledger }).echo,
    ).toBe(false);
  });

  it('an empty change is not an echo', () => {
    expect(detectEcho({ origin: sfOurs, own, changed: {}, ledger }).echo).toBe(false);
  });

  it('bounds the pending writes per field', () => {
    let l: WriteLedger = {};
    for (let i = 0; i < MAX_PENDING_WRITES_PER_FIELD + 5; i++)
      l = recordWrites(l, { Name: `v${i}` }, T);
    expect(l['Name']).toHaveLength(MAX_PENDING_WRITES_PER_FIELD);
    expect(l['Name']?.[0]?.value).toBe('v5');
  });

  describe('an edit storm settles', () => {
    // HubSpot user types A, B, C quickly; we write each to Salesforce.
    const storm = ['A', 'B', 'C'].reduce<WriteLedger>(
      (l, v) => recordWrites(l, { Name: v }, T),
      {},
    );

    it('CDC echoes every write with our origin: all echoes, nothing synced back', () => {
      let l = storm;
      for (const v of ['A', 'B', 'C']) {
        const r = detectEcho({ origin: sfOurs, own, changed: { Name: v }, ledger: l });
        expect(r.echo).toBe(true);
        l = r.ledger;
      }
      expect(l).toEqual({});
    });

    it('polling sees each intermediate value without origin: all echoes', () => {
      let l = storm;
      for (const v of ['A', 'B', 'C']) {
        const r = detectEcho({ origin: sfPolled, own, changed: { Name: v }, ledger: l });
        expect(r.echo).toBe(true);
        l = r.ledger;
      }
      expect(l).toEqual({});
    });

    it('polling sees only the final value: echo, and all older writes consumed', () => {
      const r = detectEcho({ origin: sfPolled, own, changed: { Name: 'C' }, ledger: storm });
      expect(r.echo).toBe(true);
      expect(r.ledger).toEqual({});
    });

    it('we wrote A, B, A: the newest equal write is matched', () => {
      const l = recordWrites(storm, { Name: 'A' }, T);
      expect(
        detectEcho({ origin: sfPolled, own, changed: { Name: 'A' }, ledger: l }).ledger,
      ).toEqual({});
    });
  });
});
