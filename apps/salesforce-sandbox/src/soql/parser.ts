import type { Condition, FieldRef, Literal, OrderItem, SelectQuery } from './ast.js';
import { malformed, tokenize, type Token } from './lexer.js';

/**
 * Recursive-descent parser for the SOQL subset the sandbox supports:
 *
 *   query     := SELECT (COUNT '(' ')' | field (',' field)*) FROM ident
 *                [WHERE cond] [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
 *   cond      := unary ((AND unary)* | (OR unary)*)       -- AND and OR may not mix without parentheses
 *   unary     := NOT unary | '(' cond ')' | predicate
 *   predicate := field op literal | field [NOT] IN '(' literal (',' literal)* ')' | field LIKE string
 *   order     := field [ASC | DESC] [NULLS (FIRST | LAST)]
 */
export function parseSoql(soql: string): SelectQuery {
  return new Parser(soql).parseQuery();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly soql: string) {
    this.tokens = tokenize(soql);
  }

  private peek(offset = 0): Token {
    const t = this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
    if (t === undefined) throw new Error('tokenize() always ends the token list with <EOF>');
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private fail(t: Token = this.peek()): never {
    throw malformed(
      this.soql,
      t.pos,
      `unexpected token: '${t.kind === 'string' ? `'${t.value}'` : t.value}'`,
    );
  }

  private isKeyword(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'keyword' && t.value === value;
  }

  private expectKeyword(value: string): Token {
    if (!this.isKeyword(value)) this.fail();
    return this.next();
  }

  private expect(kind: Token['kind']): Token {
    if (this.peek().kind !== kind) this.fail();
    return this.next();
  }

  parseQuery(): SelectQuery {
    if (!this.isKeyword('SELECT')) this.fail();
    this.next();
    let fields: FieldRef[] | undefined;
    const first = this.peek();
    if (
      first.kind === 'ident' &&
      first.value.toUpperCase() === 'COUNT' &&
      this.peek(1).kind === 'lparen'
    ) {
      this.next();
      this.next();
      if (this.peek().kind !== 'rparen') {
        throw malformed(
          this.soql,
          this.peek().pos,
          'COUNT(field) and aggregate queries are not supported by the sandbox; use COUNT()',
        );
      }
      this.next();
    } else {
      fields = [this.parseField()];
      while (this.peek().kind === 'comma') {
        this.next();
        fields.push(this.parseField());
      }
    }
    this.expectKeyword('FROM');
    const obj = this.expect('ident');
    let where: Condition | undefined;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.parseCondition();
    }
    const orderBy: OrderItem[] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do {
        if (orderBy.length > 0) this.next();
        orderBy.push(this.parseOrderItem());
      } while (this.peek().kind === 'comma');
    }
    let limit: number | undefined;
    let offset: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.next();
      limit = this.parseNonNegativeInt();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      offset = this.parseNonNegativeInt();
    }
    if (this.peek().kind !== 'eof') this.fail();
    return { fields, object: obj.value, objectPos: obj.pos, where, orderBy, limit, offset };
  }

  private parseNonNegativeInt(): number {
    const t = this.expect('number');
    if (!/^\d+$/.test(t.value)) this.fail(t);
    return Number(t.value);
  }

  private parseField(): FieldRef {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail();
    this.next();
    return { path: t.value, pos: t.pos };
  }

  private parseOrderItem(): OrderItem {
    const field = this.parseField();
    let descending = false;
    if (this.isKeyword('ASC')) this.next();
    else if (this.isKeyword('DESC')) {
      this.next();
      descending = true;
    }
    let nullsLast = descending;
    if (this.isKeyword('NULLS')) {
      this.next();
      if (this.isKeyword('FIRST')) nullsLast = false;
      else if (this.isKeyword('LAST')) nullsLast = true;
      else this.fail();
      this.next();
    }
    return { field, descending, nullsLast };
  }

  private parseCondition(): Condition {
    const first = this.parseUnary();
    if (!this.isKeyword('AND') && !this.isKeyword('OR')) return first;
    const op = this.peek().value as 'AND' | 'OR';
    const items = [first];
    while (this.isKeyword('AND') || this.isKeyword('OR')) {
      // SOQL requires parentheses when AND and OR are combined.
      if (this.peek().value !== op) this.fail();
      this.next();
      items.push(this.parseUnary());
    }
    return { kind: op === 'AND' ? 'and' : 'or', items };
  }

  private parseUnary(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', item: this.parseUnary() };
    }
    if (this.peek().kind === 'lparen') {
      this.next();
      const inner = this.parseCondition();
      this.expect('rparen');
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const field = this.parseField();
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      const valuePos = this.peek().pos;
      return { kind: 'compare', field, op: t.value as '=', value: this.parseLiteral(), valuePos };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      const v = this.peek();
      if (v.kind !== 'string') this.fail(v);
      this.next();
      return { kind: 'like', field, pattern: v.value, valuePos: v.pos };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      const valuePos = this.peek().pos;
      this.expect('lparen');
      const values = [this.parseLiteral()];
      while (this.peek().kind === 'comma') {
        this.next();
        values.push(this.parseLiteral());
      }
      this.expect('rparen');
      return { kind: 'in', field, negated, values, valuePos };
    }
    return this.fail();
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { type: 'string', value: t.value };
      case 'number':
        return { type: 'number', value: Number(t.value) };
      case 'date':
        return { type: 'date', value: t.value };
      case 'datetime':
        return { type: 'datetime', value: t.value };
      case 'keyword':
        if (t.value === 'NULL') return { type: 'null' };
        if (t.value === 'TRUE') return { type: 'boolean', value: true };
        if (t.value === 'FALSE') return { type: 'boolean', value: false };
        return this.fail(t);
      case 'ident':
        throw malformed(
          this.soql,
          t.pos,
          `unexpected token: '${t.value}' (date literals such as TODAY or LAST_N_DAYS:n are not supported by the sandbox)`,
        );
      default:
        return this.fail(t);
    }
  }
}
