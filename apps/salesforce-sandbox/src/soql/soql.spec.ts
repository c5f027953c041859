import { describe, expect, test } from '@jest/globals';
import { must } from '../../test/assert.js';
import { makeId } from '../ids.js';
import { compileSoql, likeToRegExp } from './compile.js';
import { tokenize } from './lexer.js';
import { parseSoql } from './parser.js';

describe('SOQL tokenizer', () => {
  test('keywords, identifiers, strings with escapes, numbers, date and datetime literals', () => {
    const t = tokenize(
      `SELECT Id, Account.Name FROM Contact WHERE Name = 'O\\'Brien' AND N >= -1.5 AND D = 2026-01-01 AND T < 2026-01-01T00:00:00.000+0000`,
    );
    expect(t.map((x) => x.kind)).toEqual([
      'keyword',
      'ident',
      'comma',
      'ident',
      'keyword',
      'ident',
      'keyword',
      'ident',
      'op',
      'string',
      'keyword',
      'ident',
      'op',
      'number',
      'keyword',
      'ident',
      'op',
      'date',
      'keyword',
      'ident',
      'op',
      'datetime',
      'eof',
    ]);
    expect(t[9]?.value).toBe("O'Brien");
  });
  test('unterminated strings and stray characters are MALFORMED_QUERY', () => {
    expect(() => tokenize(`SELECT Id FROM Account WHERE Name = 'x`)).toThrow(
      expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }),
    );
    expect(() => tokenize(`SELECT Id FROM Account WHERE Name # 'x'`)).toThrow(
      expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }),
    );
  });
});

describe('SOQL parser', () => {
  test('precedence: NOT binds tighter than AND/OR; parentheses group', () => {
    const q = parseSoql(
      `SELECT Id FROM Account WHERE NOT Name LIKE 'a%' AND (Industry = 'X' OR Industry IN ('Y', 'Z')) ORDER BY Name DESC NULLS FIRST, Id LIMIT 10 OFFSET 5`,
    );
    expect(q.where).toMatchObject({
      kind: 'and',
      items: [
        { kind: 'not', item: { kind: 'like' } },
        { kind: 'or', items: [{ kind: 'compare' }, { kind: 'in', negated: false }] },
      ],
    });
    expect(q.orderBy.map((o) => [o.field.path, o.descending, o.nullsLast])).toEqual([
      ['Name', true, false],
      ['Id', false, false],
    ]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
  });
  test('AND and OR may not be mixed without parentheses', () => {
    expect(() => parseSoql(`SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3`)).toThrow(
      /unexpected token: 'OR'/,
    );
  });
  test('COUNT() and errors carry row and column', () => {
    expect(parseSoql('SELECT COUNT() FROM Lead').fields).toBeUndefined();
    expect(() => parseSoql('SELECT Id FROM')).toThrow(/ERROR at Row:1:Column:15/);
    expect(() => parseSoql('SELECT Id FROM Account LIMIT')).toThrow(
      expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }),
    );
  });
});

describe('SOQL compiler', () => {
  const none = () => undefined;
  test('type checks literals against field types', () => {
    expect(() => compileSoql(`SELECT Id FROM Account WHERE NumberOfEmployees = '5'`, none)).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' }),
    );
    expect(() =>
      compileSoql(`SELECT Id FROM Account WHERE CreatedDate > 2026-01-01`, none),
    ).toThrow(/must be of type dateTime/);
    expect(() => compileSoql(`SELECT Id FROM Account WHERE Id = 'zzz'`, none)).toThrow(
      /invalid ID field/,
    );
    expect(() => compileSoql(`SELECT Id, Id FROM Account`, none)).toThrow(
      /duplicate field selected/,
    );
    expect(() => compileSoql(`SELECT Foo FROM Account`, none)).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    );
  });
  test('filters, case-insensitive text, null semantics of != and ordering with nulls', () => {
    const q = compileSoql(
      `SELECT Id, Name FROM Account WHERE Industry != 'banking' ORDER BY Industry NULLS LAST`,
      none,
    );
    const recs = [
      { Id: makeId('001', 1), Name: 'a', Industry: 'Banking' },
      { Id: makeId('001', 2), Name: 'b' },
      { Id: makeId('001', 3), Name: 'c', Industry: 'Apparel' },
    ];
    const rows = recs.filter(q.filter).sort(q.compare);
    expect(rows.map((r) => r.Name)).toEqual(['c', 'b']);
    expect(q.project(must(rows[0], 'a first row'), '62.0')).toEqual({
      attributes: {
        type: 'Account',
        url: `/services/data/v62.0/sobjects/Account/${makeId('001', 3)}`,
      },
      Id: makeId('001', 3),
      Name: 'c',
    });
  });
  test('LIKE wildcards and escapes', () => {
    expect(likeToRegExp('a%').test('ABC')).toBe(true);
    expect(likeToRegExp('a_c').test('abc')).toBe(true);
    expect(likeToRegExp('100\\%').test('100%')).toBe(true);
    expect(likeToRegExp('100\\%').test('1000')).toBe(false);
    expect(likeToRegExp('a.b').test('axb')).toBe(false);
  });
});
