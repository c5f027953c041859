import { describe, expect, it } from '@jest/globals';
import type { AccountState, CompanyState } from '../sync-store.port.js';
import {
  accountCodec,
  companyCodec,
  compactTimes,
  expandTimes,
  latestChange,
  latestTime,
} from './row-codecs.js';

const T1 = '2026-03-01T08:00:00.000Z';
const T2 = '2026-03-01T09:00:00.000Z';
const T3 = '2026-03-02T10:00:00.000Z';

/** Through JSON, as rows are held and carried. */
const viaJson = <V>(value: V): V => JSON.parse(JSON.stringify(value)) as V;

describe('compactTimes / expandTimes', () => {
  it('stores a snapshot (every field at one time) as that time alone', () => {
    const values = { Name: 'Acme', Phone: null, Website: 'acme.example' };
    const times = { Name: T1, Phone: T1, Website: T1 };
    expect(compactTimes(values, times)).toEqual({ all: T1 });
    expect(expandTimes(values, compactTimes(values, times))).toEqual(times);
  });

  it('names the fields whose time differs, grouped by time', () => {
    const values = { Name: 'Acme', Phone: null, Website: 'acme.example', Industry: 'Banking' };
    const times = { Name: T2, Phone: T1, Website: T1, Industry: T3, Gone: T2 };
    expect(compactTimes(values, times)).toEqual({
      all: T1,
      at: { [T2]: ['Gone', 'Name'], [T3]: ['Industry'] },
    });
  });

  it('keeps a field without a time without one', () => {
    const values = { Name: 'Acme', Phone: null };
    const times = { Name: T1 };
    expect(compactTimes(values, times)).toEqual({ at: { [T1]: ['Name'] } });
    expect(expandTimes(values, compactTimes(values, times))).toEqual(times);
  });

  it('keeps a field named __proto__ as a plain entry', () => {
    const values = JSON.parse('{"__proto__":"v","Name":"Acme"}') as Record<string, unknown>;
    const times = JSON.parse(`{"__proto__":"${T2}","Name":"${T1}"}`) as Record<string, string>;
    const back = expandTimes(values, viaJson(compactTimes(values, times)));
    expect(Object.entries(back).sort()).toEqual(Object.entries(times).sort());
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  // Every combination, per field of four (one named like an Object.prototype member), of: no
  // value and no time, a value without a time, a value at one of three times, or a time without a
  // value: 7^4 cases. Each comes back exactly, through JSON, and stores exactly as its copy with
  // the fields in reverse order (a row written back unchanged must store byte for byte the same).
  it('gives back exactly the times it was given, and stores equal maps equally', () => {
    const fields = ['Name', 'constructor', 'Phone', 'Website'];
    const states = ['none', 'value', T1, T2, T3, `time:${T1}`, `time:${T2}`] as const;
    let cases = 0;
    for (let n = 0; n < states.length ** fields.length; n++) {
      const values: Record<string, string | null> = {};
      const times: Record<string, string> = {};
      fields.forEach((f, i) => {
        const state = states[Math.floor(n / states.length ** i) % states.length] ?? 'none';
        if (state === 'none') return;
        if (state.startsWith('time:')) {
          times[f] = state.slice('time:'.length);
          return;
        }
        values[f] = i % 2 === 0 ? `v${String(n)}` : null;
        if (state !== 'value') times[f] = state;
      });
      const stored = JSON.stringify(compactTimes(values, times));
      const back = expandTimes(viaJson(values), JSON.parse(stored) as object);
      expect(back).toEqual(times);
      const reversed = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).reverse());
      expect(JSON.stringify(compactTimes(reversed(values), reversed(times) as never))).toBe(stored);
      cases++;
    }
    expect(cases).toBe(2_401);
  });
});

describe('accountCodec / companyCodec', () => {
  const account: AccountState = {
    accountId: '001000000000001AAA',
    fields: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`Field${String(i)}__c`, i])),
    fieldChangedAt: {
      ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`Field${String(i)}__c`, T1])),
      Field7__c: T2,
    },
    createdDate: T1,
    deleted: false,
  };

  it('round-trips an account through JSON, in a fraction of the plain size', () => {
    const stored = JSON.stringify(accountCodec.toStored(account));
    expect(accountCodec.fromStored(JSON.parse(stored))).toEqual(account);
    expect(stored.length).toBeLessThan(JSON.stringify(account).length * 0.5);
  });

  it('reads account and company rows stored before the compact form', () => {
    expect(accountCodec.fromStored(viaJson(account))).toEqual(account);
    const company: CompanyState = {
      companyId: '101',
      properties: { name: 'Acme', domain: null },
      propertyChangedAt: { name: T2 },
      autoCreated: false,
      deleted: true,
    };
    expect(companyCodec.fromStored(viaJson(company))).toEqual(company);
    expect(companyCodec.fromStored(viaJson(companyCodec.toStored(company)))).toEqual(company);
  });

  it('tells the latest change of a stored row, in either form', () => {
    expect(
      latestChange(
        viaJson(accountCodec.toStored(account)) as never,
        'fieldTimes',
        'fieldChangedAt',
      ),
    ).toBe(T2);
    expect(latestChange(viaJson(account) as never, 'fieldTimes', 'fieldChangedAt')).toBe(T2);
    expect(latestChange({}, 'propertyTimes', 'propertyChangedAt')).toBeNull();
    // By time, not by text: an offset that sorts first as text is the later time.
    expect(
      latestTime({
        all: '2026-03-01T12:00:00.000Z',
        at: { '2026-03-01T08:00:00-05:00': ['Name'] },
      }),
    ).toBe('2026-03-01T08:00:00-05:00');
  });
});
