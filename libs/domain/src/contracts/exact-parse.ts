import type { z } from 'zod';

/**
 * A zod schema's `safeParse` with a fast path for the common case, for messages decoded on every
 * event (change events, commands, results, work items).
 *
 * zod builds a new copy of every object, record and array it accepts, and runs each record value
 * through every union option: a Salesforce account change with 60 fields took about 60 µs, most
 * of what a service spends on such an event besides Kafka. Yet a message produced by our own
 * services is almost always valid as it stands, and then zod's copy equals the input.
 *
 * So the schema is walked once, into a check that answers one question without copying: "does the
 * schema accept this value and return it unchanged?" The walk through objects, records, arrays,
 * unions, optionals, nullables and defaults is ours; leaves run zod's own parsing and checks
 * (formats, patterns, enums, literals), except two shortcuts whose exactness is plain (plain
 * `string | number | boolean | null` tests, and string lengths that settle `.min()` / `.max()`),
 * and every refinement of an object runs as zod runs it.
 * When the check says yes, the input is the result. Anything else (an invalid value, an unknown
 * key zod would strip, a default it would fill, a transform, or a kind of schema the walk does not
 * know) goes to `schema.safeParse`, whose result and error messages are therefore unchanged. The
 * schema stays the one definition of the contract; `exact-parse.spec.ts` checks on the contract
 * fixtures and on thousands of mutations of them that a yes always agrees with zod.
 */
export function exactParser<S extends z.ZodType>(
  schema: S,
): (input: unknown) => z.ZodSafeParseResult<z.output<S>> {
  const exact = exactCheck(schema);
  return (input) =>
    exact(input) ? { success: true, data: input as z.output<S> } : schema.safeParse(input);
}

/** True when the schema accepts the value and would return it unchanged. */
type Exact = (value: unknown) => boolean;

interface Payload {
  value: unknown;
  issues: unknown[];
}

/** The parts of zod's internals (`_zod`) the walk reads. */
interface Internals {
  readonly _zod: {
    readonly def: Def;
    readonly optout?: 'optional';
    readonly values?: ReadonlySet<unknown>;
    readonly propValues?: Readonly<Record<string, ReadonlySet<unknown>>>;
    run(payload: Payload, ctx: { async: boolean }): Payload | Promise<Payload>;
  };
}

interface Check {
  readonly _zod: {
    readonly def: { readonly check?: string; readonly minimum?: number; readonly maximum?: number };
    check(payload: Payload): void | Promise<void>;
  };
}

interface Def {
  readonly type: string;
  readonly checks?: readonly Check[];
  readonly coerce?: boolean;
  /** A string or number format (datetime, int …): zod checks it as part of the type. */
  readonly format?: string;
  readonly shape?: Readonly<Record<string, Internals>>;
  readonly catchall?: Internals;
  readonly keyType?: Internals;
  readonly valueType?: Internals;
  readonly element?: Internals;
  readonly options?: readonly Internals[];
  readonly discriminator?: string;
  readonly innerType?: Internals;
}

const CTX = { async: false };
const never: Exact = () => false;

function exactCheck(schema: unknown): Exact {
  const s = schema as Internals;
  const def = s._zod.def;
  switch (def.type) {
    case 'object':
      return withChecks(def, objectCheck(def));
    case 'record':
      return withChecks(def, recordCheck(def));
    case 'array':
      return withChecks(def, arrayCheck(def));
    case 'union':
      return withChecks(def, unionCheck(def));
    case 'optional': {
      const inner = lazy(def.innerType);
      return (v) => v === undefined || inner()(v);
    }
    case 'nullable': {
      const inner = lazy(def.innerType);
      return (v) => v === null || inner()(v);
    }
    case 'default': {
      // zod fills in a missing value (the object walk sees the key is absent); a given one is
      // parsed by the inner schema.
      const inner = lazy(def.innerType);
      return (v) => v !== undefined && inner()(v);
    }
    case 'unknown':
    case 'any':
      return () => true;
    default:
      return LEAVES.has(def.type) ? leafCheck(s) : never;
  }
}

/** Schemas that never build a new value: zod returns the input or an issue. */
const LEAVES = new Set(['string', 'number', 'boolean', 'null', 'literal', 'enum', 'custom']);

/**
 * zod's own test of a plain `string`, `number`, `boolean` or `null` (no checks, coercion or
 * format), without the payload it allocates; undefined for any other schema. Such a schema
 * returns exactly its input whenever it accepts it.
 */
function plainCheck(s: Internals): Exact | undefined {
  const def = s._zod.def;
  if (def.coerce || def.format !== undefined || (def.checks?.length ?? 0) > 0) return undefined;
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    default:
      return undefined;
  }
}

/**
 * A string bounded only by `.min()` / `.max()`: decided by its UTF-16 length where that settles
 * it, else by zod. zod counts code points, and a code point is one or two units, so at least
 * 2 × min units always pass the minimum, fewer than min never do, and at most max units always
 * pass the maximum.
 */
function lengthCheck(s: Internals): Exact | undefined {
  const def = s._zod.def;
  if (def.type !== 'string' || def.coerce || def.format !== undefined) return undefined;
  let min = 0;
  let max = Number.POSITIVE_INFINITY;
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'min_length' && c.minimum !== undefined) min = Math.max(min, c.minimum);
    else if (c.check === 'max_length' && c.maximum !== undefined) max = Math.min(max, c.maximum);
    else return undefined;
  }
  const byZod = zodCheck(s);
  return (v) => {
    if (typeof v !== 'string') return false;
    if (v.length < min) return false;
    return v.length >= 2 * min && v.length <= max ? true : byZod(v);
  };
}

function leafCheck(s: Internals): Exact {
  return plainCheck(s) ?? lengthCheck(s) ?? zodCheck(s);
}

/** zod parses and checks the value itself: accepted, and returned unchanged. */
function zodCheck(s: Internals): Exact {
  return (v) => {
    const out = s._zod.run({ value: v, issues: [] }, CTX);
    return !(out instanceof Promise) && out.issues.length === 0 && Object.is(out.value, v);
  };
}

/** The schema's own refinements (`refine`, `superRefine`, sizes), run as zod runs them. */
function withChecks(def: Def, structure: Exact): Exact {
  const checks = def.checks ?? [];
  if (checks.length === 0) return structure;
  return (v) => {
    if (!structure(v)) return false;
    const payload: Payload = { value: v, issues: [] };
    for (const check of checks) {
      if (check._zod.check(payload) instanceof Promise) return false;
    }
    return payload.issues.length === 0;
  };
}

/** An object of `{}` or `Object.create(null)`, from any realm (zod's own test). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const ctor = (v as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return true;
  const proto = (ctor as { prototype?: unknown }).prototype;
  return (
    typeof proto === 'object' &&
    proto !== null &&
    Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf')
  );
}

function objectCheck(def: Def): Exact {
  // Built on first use: a shape may refer to schemas defined after it.
  let shape: Readonly<Record<string, Internals>> | undefined;
  let fields: { key: string; exact: Exact; optional: boolean }[] = [];
  // A loose object (`z.looseObject`) passes keys it does not know through as they are; a plain
  // one strips them and a strict one refuses them, so with those the input is not the result.
  const catchall = def.catchall?._zod.def.type;
  const keepsUnknown = catchall === 'unknown' || catchall === 'any';
  return (v) => {
    if (!isPlainObject(v)) return false;
    if (shape === undefined) {
      shape = def.shape ?? {};
      fields = Object.entries(shape).map(([key, child]) => ({
        key,
        exact: exactCheck(child),
        optional: child._zod.optout === 'optional',
      }));
    }
    if (!keepsUnknown) for (const key in v) if (!Object.hasOwn(shape, key)) return false;
    for (const f of fields) {
      if (!(f.key in v)) {
        if (!f.optional) return false;
      } else if (!f.exact(v[f.key])) {
        return false;
      }
    }
    return true;
  };
}

function recordCheck(def: Def): Exact {
  const keyType = def.keyType;
  const valueType = def.valueType;
  // A record over an enum's keys must hold each of them: left to zod.
  if (!keyType || !valueType || keyType._zod.values) return never;
  const key = exactCheck(keyType);
  const value = lazy(valueType);
  return (v) => {
    if (!isPlainObject(v)) return false;
    const exact = value();
    for (const k in v) {
      if (k === '__proto__' || !key(k) || !exact(v[k])) return false;
    }
    return true;
  };
}

function arrayCheck(def: Def): Exact {
  const element = lazy(def.element);
  return (v) => {
    if (!Array.isArray(v)) return false;
    const exact = element();
    for (const item of v as unknown[]) if (!exact(item)) return false;
    return true;
  };
}

function unionCheck(def: Def): Exact {
  const options = def.options ?? [];
  const discriminator = def.discriminator;
  if (discriminator !== undefined) {
    // A discriminated union parses the one option its discriminator names.
    let byValue: Map<unknown, Exact> | undefined;
    return (v) => {
      if (!isPlainObject(v)) return false;
      byValue ??= discriminatorMap(options, discriminator);
      return byValue.get(v[discriminator])?.(v) ?? false;
    };
  }
  // Plain options (a field value: string, number, boolean or null) accept their input unchanged
  // or not at all, so any one accepting it is enough.
  const plain = options.map(plainCheck);
  if (plain.every((c) => c !== undefined)) return (v) => plain.some((c) => c(v));
  // zod returns the first option that accepts the value; with leaves only, that is the input.
  if (!options.every((o) => LEAVES.has(o._zod.def.type))) return never;
  const runs = options.map((o) => (v: unknown) => o._zod.run({ value: v, issues: [] }, CTX));
  return (v) => {
    for (const run of runs) {
      const out = run(v);
      if (out instanceof Promise) return false;
      if (out.issues.length === 0) return Object.is(out.value, v);
    }
    return false;
  };
}

function discriminatorMap(options: readonly Internals[], key: string): Map<unknown, Exact> {
  const map = new Map<unknown, Exact>();
  for (const option of options) {
    const values = option._zod.propValues?.[key];
    if (!values) return new Map();
    const exact = exactCheck(option);
    for (const value of values) if (!map.has(value)) map.set(value, exact);
  }
  return map;
}

/** The check of a child schema, built on first use (schemas may be recursive or not yet set). */
function lazy(s: Internals | undefined): () => Exact {
  let built: Exact | undefined;
  return () => (built ??= s ? exactCheck(s) : never);
}
