import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ChangeEvent } from './change-events.js';
import { COMMAND_TYPES, CommandResult, HubSpotCommand, SalesforceCommand } from './commands.js';
import { exactParser } from './exact-parse.js';
import { INVALID_CHANGE_EVENTS } from './not-ok/change-events.js';
import { VALID_CHANGE_EVENTS } from './ok/change-events.js';

const envelope = (type: string, payload: unknown, source = 'sync-rules') => ({
  id: `m-${type}`,
  type,
  connectionId: 'c1',
  occurredAt: '2025-03-01T10:00:00Z',
  source,
  payload,
});
const base = { commandId: 'cmd-1', idempotencyKey: 'idem-1', causationId: 'evt-1' };

const COMMANDS: readonly unknown[] = [
  envelope(COMMAND_TYPES.upsertSalesforceAccount, {
    ...base,
    externalIdField: 'HubSpot_Company_Id__c',
    hubspotCompanyId: '123',
    fields: { Name: 'Acme', NumberOfEmployees: 12, IsPartner: false, Website: null },
  }),
  envelope(COMMAND_TYPES.updateSalesforceAccount, {
    ...base,
    accountId: '001000000000001AAA',
    hubspotCompanyId: '123',
    fields: { Name: 'Acme' },
  }),
  envelope(COMMAND_TYPES.upsertHubSpotCompany, {
    ...base,
    salesforceAccountId: '001000000000001AAA',
    properties: { name: 'Acme', domain: null },
  }),
  envelope(COMMAND_TYPES.setHubSpotCompanyLifecycleStage, {
    ...base,
    companyId: '123',
    lifecycleStage: 'customer',
  }),
];

const RESULTS: readonly unknown[] = [
  envelope(
    'sync.command-succeeded.v1',
    {
      commandId: base.commandId,
      idempotencyKey: base.idempotencyKey,
      commandType: COMMAND_TYPES.upsertSalesforceAccount,
      system: 'salesforce',
      completedAt: '2025-03-01T10:00:01.000Z',
      attempt: 1,
      outcome: 'succeeded',
      recordId: '001000000000001AAA',
      created: true,
    },
    'sf-connector',
  ),
];

const CASES: readonly { name: string; schema: z.ZodType; valid: readonly unknown[] }[] = [
  {
    name: 'change events',
    schema: ChangeEvent,
    valid: VALID_CHANGE_EVENTS.map(([, e]) => e),
  },
  { name: 'Salesforce commands', schema: SalesforceCommand, valid: COMMANDS.slice(0, 2) },
  { name: 'HubSpot commands', schema: HubSpotCommand, valid: COMMANDS.slice(2) },
  { name: 'command results', schema: CommandResult, valid: RESULTS },
];

/** Equal as JSON values: the same keys (none undefined) and the same leaves, in any key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => k in rb && sameJson(ra[k], rb[k]));
}

/** Values put in place of one value of a message. */
const REPLACEMENTS: readonly unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  '123',
  '001000000000001AAA',
  '2025-13-01T00:00:00Z',
  '2025-03-01T10:00:00Z',
  true,
  [],
  ['x'],
  {},
  { a: 1 },
];

type Path = readonly (string | number)[];

function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  }
  return out;
}

/** A deep copy of `value` with `change` applied to the value at `path`. */
function edited(value: unknown, path: Path, change: (v: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    return value.map((v: unknown, i) =>
      i === head ? edited(v, rest, change) : structuredClone<unknown>(v),
    );
  }
  const copy = structuredClone(value) as Record<string | number, unknown>;
  if (head !== undefined) copy[head] = edited(copy[head], rest, change);
  return copy;
}

/** Every message one mutation away from a valid one: a value replaced, a key removed or added. */
function* mutations(valid: unknown): Generator {
  for (const path of paths(valid)) {
    for (const r of REPLACEMENTS) yield edited(valid, path, () => structuredClone<unknown>(r));
    if (path.length > 0) {
      const parent = path.slice(0, -1);
      const key = path[path.length - 1];
      yield edited(valid, parent, (p) => {
        if (Array.isArray(p)) return (p as unknown[]).filter((_, i) => i !== key);
        const { [String(key)]: _removed, ...rest } = p as Record<string, unknown>;
        return rest;
      });
    }
    yield edited(valid, path, (v) =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, unknownKey: 1 } : v,
    );
  }
}

describe('exactParser', () => {
  it.each(CASES)(
    'returns a valid message zod would not change as it is, without a copy ($name)',
    ({ schema, valid }) => {
      const parse = exactParser(schema);
      let unchanged = 0;
      for (const message of valid) {
        const result = parse(message);
        const zods: unknown = schema.parse(message);
        expect(result.success).toBe(true);
        if (sameJson(zods, message)) {
          // The input object itself: the fast path was taken (zod returns a copy).
          expect(result.data).toBe(message);
          unchanged++;
        } else {
          // A fixture that leaves out a defaulted field: zod fills it in.
          expect(result.data).toStrictEqual(zods);
        }
      }
      expect(unchanged).toBeGreaterThan(0);
    },
  );

  it.each(CASES)(
    'agrees with zod on every message one mutation away from a valid one ($name)',
    ({ schema, valid }) => {
      const parse = exactParser(schema);
      let checked = 0;
      let fast = 0;
      for (const message of valid) {
        for (const m of mutations(message)) {
          const ours = parse(m);
          const zods = schema.safeParse(m);
          expect(ours.success).toBe(zods.success);
          if (ours.success && zods.success) {
            expect(ours.data).toStrictEqual(zods.data);
            if (ours.data === m) fast++;
          } else {
            expect(ours.error?.issues).toEqual(zods.error?.issues);
          }
          checked++;
        }
      }
      // The walk ran over a real space of inputs, and took the fast path for some of them.
      expect(checked).toBeGreaterThan(100 * valid.length);
      expect(fast).toBeGreaterThan(0);
    },
  );

  it('leaves invalid change events to zod, with its messages', () => {
    const parse = exactParser(ChangeEvent);
    for (const [, message] of INVALID_CHANGE_EVENTS) {
      const ours = parse(message);
      const zods = ChangeEvent.safeParse(message);
      expect(ours.success).toBe(false);
      expect(ours.error?.issues).toEqual(zods.error?.issues);
    }
  });

  it('leaves to zod what zod would change: unknown keys, defaults, transforms', () => {
    const schema = z.object({
      name: z.string().trim(),
      tier: z.string().default('free'),
      n: z.string().transform((s) => s.length),
    });
    const parse = exactParser(schema);
    const input = { name: ' a ', n: 'abc', extra: true };
    const result = parse(input);
    expect(result.data).toStrictEqual({ name: 'a', tier: 'free', n: 3 });
    expect(result.data).not.toBe(input);
  });

  it('passes unknown keys of a loose object through, as zod does', () => {
    const parse = exactParser(z.looseObject({ id: z.string() }));
    const input = { id: '1', archived: false };
    expect(parse(input).data).toBe(input);
    const strict = exactParser(z.strictObject({ id: z.string() }));
    expect(strict(input).success).toBe(false);
  });

  it('takes any plain option of a union of plain types, and refuses what none accepts', () => {
    const schema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
    const parse = exactParser(schema);
    for (const v of ['a', 1.5, false, null]) expect(parse(v).data).toBe(v);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, undefined, {}, []]) {
      expect(parse(v).success).toBe(false);
      expect(schema.safeParse(v).success).toBe(false);
    }
  });

  it('bounds string lengths in code points, as zod does', () => {
    const schema = z.string().min(2).max(3);
    const parse = exactParser(schema);
    // '𝄞' is one code point in two UTF-16 units.
    for (const v of ['', 'a', 'ab', 'abc', 'abcd', '𝄞', '𝄞𝄞', '𝄞𝄞𝄞', '𝄞𝄞𝄞𝄞', 'a𝄞', '\ud834']) {
      const ours = parse(v);
      const zods = schema.safeParse(v);
      expect(ours.success).toBe(zods.success);
      if (ours.success) expect(ours.data).toBe(v);
    }
  });

  it('keeps the first union option zod picks', () => {
    // With leaves in a union, zod returns the first that accepts: the input itself.
    const parse = exactParser(z.union([z.number(), z.string()]));
    expect(parse('7').data).toBe('7');
    expect(parse(7).data).toBe(7);
    expect(parse(true).success).toBe(false);
  });
});
