import { SfError } from '../errors.js';
import { normalizeId } from '../ids.js';
import {
  resolveType,
  SCHEMAS,
  type FieldDef,
  type ObjectSchema,
  type SObjectType,
} from '../schema.js';
import { jsonText } from '../scalar.js';
import { parseDateTime, sfDateTime } from '../time.js';
import type { Condition, FieldRef, Literal, SelectQuery } from './ast.js';
import { positionMessage } from './lexer.js';
import { parseSoql } from './parser.js';

export type Rec = Readonly<Record<string, unknown>>;

/** Resolves a referenced record by Id (for `Account.Name` style parent fields). */
export type Lookup = (id: string) => Rec | undefined;

type Category = 'id' | 'text' | 'bool' | 'num' | 'date' | 'datetime' | 'address';

function category(f: FieldDef): Category {
  switch (f.type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'boolean':
      return 'bool';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return 'num';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'address':
      return 'address';
    default:
      return 'text';
  }
}

/** One selected or filtered column: how to read it from a record, and how to write it to a result. */
interface Column {
  readonly path: string;
  readonly field: FieldDef;
  readonly category: Category;
  /** Relationship hop, for parent fields: `Account.Name` → relationship `Account` via `AccountId`. */
  readonly via?: {
    readonly relationshipName: string;
    readonly idField: string;
    readonly type: SObjectType;
  };
  get(rec: Rec): unknown;
}

export interface CompiledQuery {
  readonly type: SObjectType;
  readonly schema: ObjectSchema;
  readonly isCount: boolean;
  readonly filter: (rec: Rec) => boolean;
  readonly compare: ((a: Rec, b: Rec) => number) | undefined;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  /** Projects a record to its REST shape (with `attributes`). */
  project(rec: Rec, version: string): Record<string, unknown>;
}

/** Parses and type-checks a SOQL statement against the emulated schema. */
export function compileSoql(soql: string, lookup: Lookup): CompiledQuery {
  return new Compiler(soql, lookup).compile(parseSoql(soql));
}

function addressValue(rec: Rec, schema: ObjectSchema, name: string): unknown {
  const parts = schema.addresses.get(name) ?? [];
  let any = false;
  const out: Record<string, unknown> = {};
  for (const p of parts) {
    if (!p.compound) throw new Error(`${p.name} is listed as a component of ${name} but is none`);
    const key = p.compound.key;
    const v = rec[p.name] ?? null;
    if (v !== null) any = true;
    out[key.charAt(0).toLowerCase() + key.slice(1)] = v;
  }
  return any ? out : null;
}

/** The REST value of a field of a record (address compounds as objects, absent values as null). */
export function fieldValue(rec: Rec, schema: ObjectSchema, f: FieldDef): unknown {
  if (f.type === 'address') return addressValue(rec, schema, f.name);
  return rec[f.name] ?? null;
}

export function recordUrl(type: string, id: unknown, version: string): string {
  return `/services/data/v${version}/sobjects/${type}/${String(id)}`;
}

class Compiler {
  constructor(
    private readonly soql: string,
    private readonly lookup: Lookup,
  ) {}

  private invalidField(pos: number, message: string): SfError {
    return new SfError(400, 'INVALID_FIELD', positionMessage(this.soql, pos, message));
  }

  private filterError(pos: number, message: string): SfError {
    return new SfError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      positionMessage(this.soql, pos, message),
    );
  }

  compile(q: SelectQuery): CompiledQuery {
    const type = resolveType(q.object);
    if (!type) {
      throw new SfError(
        400,
        'INVALID_TYPE',
        positionMessage(
          this.soql,
          q.objectPos,
          `sObject type '${q.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    const schema = SCHEMAS[type];
    const columns: Column[] = [];
    const seen = new Set<string>();
    for (const ref of q.fields ?? []) {
      const col = this.column(schema, ref);
      const key = col.path.toLowerCase();
      if (seen.has(key))
        throw new SfError(
          400,
          'DUPLICATE_FIELD',
          positionMessage(this.soql, ref.pos, `duplicate field selected: ${col.path}`),
        );
      seen.add(key);
      columns.push(col);
    }
    const filter = q.where ? this.condition(schema, q.where) : () => true;
    let compare: CompiledQuery['compare'];
    if (q.orderBy.length > 0) {
      const keys = q.orderBy.map((o) => {
        const col = this.column(schema, o.field);
        if (col.category === 'address')
          throw this.invalidField(
            o.field.pos,
            `field '${col.path}' can not be sorted in a query call`,
          );
        return { col, dir: o.descending ? -1 : 1, nulls: o.nullsLast ? 1 : -1 };
      });
      compare = (a, b) => {
        for (const k of keys) {
          const va = sortKey(k.col.get(a), k.col.category);
          const vb = sortKey(k.col.get(b), k.col.category);
          if (va === vb) continue;
          if (va === null) return k.nulls;
          if (vb === null) return -k.nulls;
          return (va < vb ? -1 : 1) * k.dir;
        }
        return 0;
      };
    }
    const lookup = this.lookup;
    return {
      type,
      schema,
      isCount: q.fields === undefined,
      filter,
      compare,
      limit: q.limit,
      offset: q.offset,
      project(rec, version) {
        const out: Record<string, unknown> = {
          attributes: { type, url: recordUrl(type, rec['Id'], version) },
        };
        for (const col of columns) {
          if (col.via) {
            const rel = col.via.relationshipName;
            if (!(rel in out)) {
              const parentId = rec[col.via.idField];
              const parent = typeof parentId === 'string' ? lookup(parentId) : undefined;
              out[rel] = parent
                ? {
                    attributes: {
                      type: col.via.type,
                      url: recordUrl(col.via.type, parentId, version),
                    },
                  }
                : null;
            }
            const holder = out[rel] as Record<string, unknown> | null;
            if (holder) holder[col.field.name] = col.get(rec);
          } else {
            out[col.field.name] = col.get(rec);
          }
        }
        return out;
      },
    };
  }

  private column(schema: ObjectSchema, ref: FieldRef): Column {
    const parts = ref.path.split('.');
    if (parts.length === 1) {
      const f = schema.byLower.get(ref.path.toLowerCase());
      if (!f) throw this.noSuchColumn(ref, schema.name);
      const cat = category(f);
      return {
        path: f.name,
        field: f,
        category: cat,
        get: cat === 'address' ? (r) => addressValue(r, schema, f.name) : (r) => r[f.name] ?? null,
      };
    }
    const [relPart, fieldPart] = parts;
    if (parts.length === 2 && relPart !== undefined && fieldPart !== undefined) {
      // A field of the parent record through a lookup's relationship name (e.g. Contact: Account.Name).
      const relName = relPart.toLowerCase();
      const idField = schema.fields.find((f) => f.relationshipName?.toLowerCase() === relName);
      const relationshipName = idField?.relationshipName;
      const parentType = idField?.referenceTo
        ?.map((t) => resolveType(t))
        .find((t) => t !== undefined);
      if (!idField || relationshipName === undefined || !parentType)
        throw this.invalidField(
          ref.pos,
          `Didn't understand relationship '${relPart}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      const parentSchema = SCHEMAS[parentType];
      const f = parentSchema.byLower.get(fieldPart.toLowerCase());
      if (!f) throw this.noSuchColumn(ref, parentType, fieldPart);
      const cat = category(f);
      const lookup = this.lookup;
      return {
        path: `${relationshipName}.${f.name}`,
        field: f,
        category: cat,
        via: {
          relationshipName,
          idField: idField.name,
          type: parentType,
        },
        get: (r) => {
          const pid = r[idField.name];
          const parent = typeof pid === 'string' ? lookup(pid) : undefined;
          if (!parent) return null;
          return cat === 'address'
            ? addressValue(parent, parentSchema, f.name)
            : (parent[f.name] ?? null);
        },
      };
    }
    throw this.invalidField(
      ref.pos,
      `The sandbox supports at most one relationship hop in a field path: '${ref.path}'`,
    );
  }

  private noSuchColumn(ref: FieldRef, entity: string, name: string = ref.path): SfError {
    return this.invalidField(
      ref.pos,
      `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }

  private condition(schema: ObjectSchema, c: Condition): (rec: Rec) => boolean {
    switch (c.kind) {
      case 'and': {
        const items = c.items.map((i) => this.condition(schema, i));
        return (r) => items.every((f) => f(r));
      }
      case 'or': {
        const items = c.items.map((i) => this.condition(schema, i));
        return (r) => items.some((f) => f(r));
      }
      case 'not': {
        const inner = this.condition(schema, c.item);
        return (r) => !inner(r);
      }
      case 'like': {
        const col = this.column(schema, c.field);
        if (col.category !== 'text' && col.category !== 'id') {
          throw this.filterError(c.valuePos, `invalid operator on ${col.field.type} field: LIKE`);
        }
        const re = likeToRegExp(c.pattern);
        return (r) => {
          const v = col.get(r);
          return typeof v === 'string' && re.test(v);
        };
      }
      case 'in': {
        const col = this.filterable(schema, c.field);
        const values = new Set(c.values.map((v) => this.literal(col, v, c.valuePos)));
        return c.negated
          ? (r) => !values.has(norm(col.get(r), col.category))
          : (r) => values.has(norm(col.get(r), col.category));
      }
      case 'compare': {
        const col = this.filterable(schema, c.field);
        const lit = this.literal(col, c.value, c.valuePos);
        const cat = col.category;
        if (lit === null) {
          if (c.op === '=') return (r) => col.get(r) === null;
          if (c.op === '!=') return (r) => col.get(r) !== null;
          return () => false;
        }
        if ((cat === 'bool' || cat === 'id') && c.op !== '=' && c.op !== '!=' && cat === 'bool') {
          throw this.filterError(c.valuePos, `invalid operator on boolean field: ${c.op}`);
        }
        switch (c.op) {
          case '=':
            return (r) => norm(col.get(r), cat) === lit;
          case '!=':
            return (r) => norm(col.get(r), cat) !== lit;
          case '<':
            return (r) => {
              const v = norm(col.get(r), cat);
              return v !== null && v < lit;
            };
          case '<=':
            return (r) => {
              const v = norm(col.get(r), cat);
              return v !== null && v <= lit;
            };
          case '>':
            return (r) => {
              const v = norm(col.get(r), cat);
              return v !== null && v > lit;
            };
          case '>=':
            return (r) => {
              const v = norm(col.get(r), cat);
              return v !== null && v >= lit;
            };
        }
      }
    }
  }

  private filterable(schema: ObjectSchema, ref: FieldRef): Column {
    const col = this.column(schema, ref);
    if (
      col.category === 'address' ||
      (col.field.type === 'textarea' && (col.field.length ?? 0) > 255)
    ) {
      throw this.invalidField(ref.pos, `field '${col.path}' can not be filtered in a query call`);
    }
    return col;
  }

  /** Converts a literal to the normalised form of the column's category, checking its type. */
  private literal(col: Column, lit: Literal, pos: number): string | number | boolean | null {
    if (lit.type === 'null') return null;
    const f = col.field;
    const wrong = (expected: string, quoted: boolean) =>
      this.filterError(
        pos,
        `value of filter criterion for field '${col.path}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      );
    switch (col.category) {
      case 'id': {
        if (lit.type !== 'string') throw wrong('id', true);
        const id = normalizeId(lit.value);
        if (!id) throw this.filterError(pos, `invalid ID field: ${lit.value}`);
        return id;
      }
      case 'text':
        if (lit.type !== 'string') throw wrong('string', true);
        return lit.value.toLowerCase();
      case 'bool':
        if (lit.type !== 'boolean') throw wrong('boolean', false);
        return lit.value;
      case 'num':
        if (lit.type !== 'number') throw wrong(f.type === 'int' ? 'integer' : 'double', false);
        return lit.value;
      case 'date':
        if (lit.type !== 'date') throw wrong('date', false);
        return lit.value;
      case 'datetime': {
        if (lit.type !== 'datetime') throw wrong('dateTime', false);
        const ms = parseDateTime(lit.value);
        if (Number.isNaN(ms)) throw this.filterError(pos, `invalid dateTime literal: ${lit.value}`);
        return sfDateTime(ms);
      }
      default:
        throw wrong(f.type, true);
    }
  }
}

function norm(v: unknown, cat: Category): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (cat === 'text') return jsonText(v).toLowerCase();
  return v as string | number | boolean;
}

function sortKey(v: unknown, cat: Category): string | number | boolean | null {
  const n = norm(v, cat);
  return typeof n === 'boolean' ? (n ? 1 : 0) : n;
}

/** SOQL LIKE: `%` any run, `_` one character, `\%` / `\_` literal; case-insensitive. */
export function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    const following = pattern.charAt(i + 1);
    if (ch === '\\' && (following === '%' || following === '_')) {
      re += following;
      i++;
    } else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}
