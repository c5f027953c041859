import { SfError } from '../errors.js';

export type TokenKind =
  | 'ident'
  | 'keyword'
  | 'string'
  | 'number'
  | 'date'
  | 'datetime'
  | 'op'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Upper-cased for keywords; the literal's decoded value for strings; the source text otherwise. */
  readonly value: string;
  /** Offset in the query, for error positions. */
  readonly pos: number;
}

export const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'LIKE',
  'IN',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
  'INCLUDES',
  'EXCLUDES',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
]);

const DATETIME_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/y;
const DATE_RE = /\d{4}-\d{2}-\d{2}(?![\dT:])/y;
const NUMBER_RE = /-?(?:\d+\.?\d*|\.\d+)(?![A-Za-z_])/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

/** Position prefix Salesforce puts in MALFORMED_QUERY / INVALID_FIELD messages. */
export function positionMessage(soql: string, pos: number, message: string): string {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', pos);
  const line = soql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return `\n${line}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:${row}:Column:${col}\n${message}`;
}

export function malformed(soql: string, pos: number, message: string): SfError {
  return new SfError(400, 'MALFORMED_QUERY', positionMessage(soql, pos, message));
}

/** Splits a SOQL statement into tokens. String literals use single quotes and backslash escapes. */
export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = soql.length;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(soql);
    return m ? m[0] : undefined;
  };
  while (i < n) {
    const c = soql.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw malformed(soql, start, `unterminated string literal`);
        const ch = soql.charAt(i);
        if (ch === '\\') {
          const e = soql[i + 1];
          if (e === undefined) throw malformed(soql, i, 'unterminated string literal');
          const map: Record<string, string> = {
            n: '\n',
            r: '\r',
            t: '\t',
            b: '\b',
            f: '\f',
            '"': '"',
            "'": "'",
            '\\': '\\',
            _: '\\_',
            '%': '\\%',
          };
          const rep = map[e];
          if (rep === undefined)
            throw malformed(
              soql,
              i,
              `Invalid string literal '${soql.slice(start, i + 2)}'. Illegal character sequence '\\${e}' in string literal.`,
            );
          out += rep;
          i += 2;
          continue;
        }
        if (ch === "'") {
          i++;
          break;
        }
        out += ch;
        i++;
      }
      tokens.push({ kind: 'string', value: out, pos: start });
      continue;
    }
    if (c >= '0' && c <= '9') {
      const dt = at(DATETIME_RE);
      if (dt) {
        tokens.push({ kind: 'datetime', value: dt, pos: start });
        i += dt.length;
        continue;
      }
      const d = at(DATE_RE);
      if (d) {
        tokens.push({ kind: 'date', value: d, pos: start });
        i += d.length;
        continue;
      }
    }
    if ((c >= '0' && c <= '9') || c === '.' || (c === '-' && /[\d.]/.test(soql[i + 1] ?? ''))) {
      const num = at(NUMBER_RE);
      if (num) {
        tokens.push({ kind: 'number', value: num, pos: start });
        i += num.length;
        continue;
      }
    }
    const id = /[A-Za-z_]/.test(c) ? at(IDENT_RE) : undefined;
    if (id !== undefined) {
      const upper = id.toUpperCase();
      tokens.push(
        KEYWORDS.has(upper)
          ? { kind: 'keyword', value: upper, pos: start }
          : { kind: 'ident', value: id, pos: start },
      );
      i += id.length;
      continue;
    }
    if (c === '(') {
      tokens.push({ kind: 'lparen', value: c, pos: start });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ kind: 'rparen', value: c, pos: start });
      i++;
      continue;
    }
    if (c === ',') {
      tokens.push({ kind: 'comma', value: c, pos: start });
      i++;
      continue;
    }
    const two = soql.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', value: two === '<>' ? '!=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', value: c, pos: start });
      i++;
      continue;
    }
    throw malformed(soql, start, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', value: '<EOF>', pos: n });
  return tokens;
}
