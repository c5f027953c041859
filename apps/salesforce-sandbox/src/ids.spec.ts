import { describe, expect, test } from '@jest/globals';
import { idChecksum, makeId, normalizeId, to18 } from './ids.js';
import { parseDateTime, sfDateTime } from './time.js';

describe('Salesforce Ids', () => {
  test('the 3-character suffix encodes upper-case positions of each 5-character chunk (known real Ids)', () => {
    // Widely published example pairs of 15/18-character Ids.
    expect(to18('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    expect(to18('0015000000GRIZW')).toBe('0015000000GRIZWAA5');
    expect(idChecksum('000000000000000')).toBe('AAA');
  });
  test('generated Ids have the key prefix, 18 characters and a valid suffix', () => {
    const id = makeId('00Q', 123456);
    expect(id).toMatch(/^00Q[A-Za-z0-9]{15}$/);
    expect(normalizeId(id)).toBe(id);
    expect(normalizeId(id.slice(0, 15))).toBe(id);
    expect(makeId('001', 1)).not.toBe(makeId('001', 2));
  });
  test('malformed Ids are rejected', () => {
    expect(normalizeId('001D000000IqhSLAAA')).toBeUndefined();
    expect(normalizeId('abc')).toBeUndefined();
    expect(normalizeId('001D000000IqhS!')).toBeUndefined();
  });
});

describe('timestamps', () => {
  test('Salesforce format and accepted inputs', () => {
    expect(sfDateTime(Date.parse('2026-11-28T12:00:00Z'))).toBe('2026-11-28T12:00:00.000+0000');
    expect(parseDateTime('2026-01-01T00:00:00.000+0000')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseDateTime('2026-01-01T02:00:00+02:00')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseDateTime('2026-01-01')).toBeNaN();
  });
});
