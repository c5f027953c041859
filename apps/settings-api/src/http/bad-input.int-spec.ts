/**
 * Generated bad-input suite: walks every operation of the app's own OpenAPI document and sends
 * each many malformed variants of a valid request (path parameters, query strings and bodies:
 * wrong types, huge strings, unicode, nested junk, invalid JSON, wrong content types, missing and
 * extra fields), plus requests without a key and with too small a scope. Every answer must be a
 * 4xx with the standard error body and a message; never a 5xx, never a success.
 *
 * Routes come from the document, so a new route is covered without touching this file; it only
 * needs a valid value here for a new path-parameter name and an example body in its schema.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { uniqueName } from '@crm-sync/testing';
import { startHarness, type Harness } from '../../test/harness.js';

interface Schema {
  readonly type?: string;
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly nullable?: boolean;
  readonly example?: unknown;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
}
interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly schema: Schema;
}
interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: {
    readonly content: { readonly 'application/json': { readonly schema: Schema } };
  };
  readonly 'x-required-scope'?: 'read' | 'write' | 'admin';
}
interface Variant {
  readonly what: string;
  readonly path: string;
  readonly method?: string;
  readonly query?: string;
  /** Raw body; sent with `contentType` (default application/json). */
  readonly body?: string;
  readonly contentType?: string;
  readonly key?: string | null;
  /** The status expected when it is a specific one (401, 403, 413, 415). */
  readonly status?: number;
}

const h: Harness = await startHarness();
afterAll(async () => {
  await h.close();
});

// --- a world in which every route's valid request reaches its validation ----------------------

const connectionId = uniqueName('bad');
await h.call('POST', '/connections', { body: { id: connectionId, name: 'bad input' } });
await h.call('PATCH', `/connections/${connectionId}/settings`, { body: { syncCompanies: true } });
const job = (
  await h.call('POST', `/connections/${connectionId}/resyncs`, {
    body: { kind: 'company', companyId: '4242' },
  })
).body as { jobId: string };
const revocable = (
  await h.call('POST', '/api-keys', { body: { name: 'to revoke', scope: 'read' } })
).body as { id: string };
const readKey = (
  (await h.call('POST', '/api-keys', { body: { name: 'reader', scope: 'read' } })).body as {
    key: string;
  }
).key;
const writeKey = (
  (await h.call('POST', '/api-keys', { body: { name: 'writer', scope: 'write' } })).body as {
    key: string;
  }
).key;

/** A valid value for every path-parameter name the API uses. */
const PATH_VALUES: Readonly<Record<string, string>> = {
  connectionId,
  jobId: job.jobId,
  keyId: revocable.id,
  companyId: '4242',
  accountId: '001000000000001AAA',
  hubspotProperty: 'description',
};

const document = (await h.call('GET', '/docs/json', { key: null })).body as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.entries(document.paths)
  .filter(([path]) => !path.startsWith('/health'))
  .flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );

// --- malformed values -------------------------------------------------------------------------

const HUGE = 'x'.repeat(300_000);
/** Path segments, already URL-encoded (some deliberately badly). */
const BAD_SEGMENTS: readonly [string, string][] = [
  ['empty', ''],
  ['blank', '%20'],
  ['huge', 'x'.repeat(5000)],
  ['emoji', encodeURIComponent('💥🔥')],
  ['accents', encodeURIComponent('ñ'.repeat(300))],
  ['colon', encodeURIComponent('a:b')],
  ['traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['NUL byte', '%00'],
  ['broken percent-encoding', '%E0%A4%A'],
  ['operator injection', encodeURIComponent('{"$gt":""}')],
  ['markup', encodeURIComponent('<script>alert(1)</script>')],
  ['SQL', encodeURIComponent("' OR 1=1 --")],
  ['negative', '-1'],
  ['overflow', '1e309'],
];
const BAD_QUERY_VALUES: readonly [string, string][] = [
  ['empty', ''],
  ['huge', 'x'.repeat(5000)],
  ['emoji', encodeURIComponent('💥')],
  ['negative', '-1'],
  ['fraction', '1.5'],
  ['too big', '99999999'],
  ['operator injection', encodeURIComponent('{"$ne":null}')],
];
const INVALID_JSON = [
  '{',
  '{"a":',
  '[1,2',
  'nul',
  "{'single': 1}",
  '{"a":1}}',
  '\u0000',
  '{"a":"\\uZZZZ"}',
];
const NOT_AN_OBJECT = ['null', '[]', '"string"', '123', 'true', '[{}]'];
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const NESTED_JUNK: readonly [string, string][] = [
  ['10,000 nested arrays', deep(10_000)],
  [
    '10,000 keys',
    JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))),
  ],
  ['prototype pollution', '{"__proto__":{"polluted":true}}'],
  ['constructor pollution', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['unicode keys', JSON.stringify({ '💥': 1, ключ: 'значение' })],
];
const WRONG_CONTENT_TYPES: readonly [string, string][] = [
  ['text/plain', 'hello'],
  ['application/xml', '<a>1</a>'],
  ['application/x-www-form-urlencoded', 'a=1&b=2'],
  [
    'multipart/form-data; boundary=x',
    '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
  ],
  ['application/octet-stream', '\u0001\u0002'],
];

/**
 * Does this (URL-encoded) value break the parameter's documented schema? Only such values are
 * sent: a value that happens to be valid (e.g. `-1` where any code is allowed) is not malformed.
 */
function violates(schema: Schema, encoded: string): boolean {
  let value: string;
  try {
    value = decodeURIComponent(encoded);
  } catch {
    return true;
  }
  if (schema.enum !== undefined) return !schema.enum.includes(value);
  if (schema.minLength !== undefined && value.length < schema.minLength) return true;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return true;
  return schema.pattern !== undefined && !new RegExp(schema.pattern).test(value);
}

/** Values of another type than the example's, so they cannot satisfy the schema. */
function wrongTypes(example: unknown, nullable: boolean): unknown[] {
  const all: unknown[] = [0, -1, 1.5, true, 'x', [], [[]], {}, { a: { b: { c: {} } } }];
  const same = (v: unknown) =>
    Array.isArray(example) ? Array.isArray(v) : typeof v === typeof example && !Array.isArray(v);
  return [...all.filter((v) => !same(v)), ...(nullable || example === null ? [] : [null])].concat(
    typeof example === 'string' ? [HUGE] : [],
  );
}

/** Every property path of the example (objects only, depth ≤ 4), with its schema when known. */
function leaves(
  value: unknown,
  schema: Schema | undefined,
  prefix: string[] = [],
): { path: string[]; value: unknown; schema: Schema | undefined }[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || prefix.length >= 4)
    return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const s = schema?.properties?.[k];
    return [{ path: [...prefix, k], value: v, schema: s }, ...leaves(v, s, [...prefix, k])];
  });
}

function replaced(example: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(example) as Record<string, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = path.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

function variantsOf(path: string, method: string, op: Operation): Variant[] {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const missing = pathParams.find((p) => PATH_VALUES[p.name] === undefined);
  if (missing)
    throw new Error(`no valid value for path parameter "${missing.name}": add it to PATH_VALUES`);
  const fill = (overrides: Readonly<Record<string, string>> = {}) =>
    path.replace(
      /\{(\w+)\}/g,
      (_, name: string) => overrides[name] ?? encodeURIComponent(PATH_VALUES[name] ?? ''),
    );
  const schema = op.requestBody?.content['application/json'].schema;
  if (schema && schema.example === undefined)
    throw new Error(`${op.operationId} documents no example body`);
  const example = schema?.example;
  const validBody = example === undefined ? undefined : JSON.stringify(example);
  const base = { path: fill(), method, ...(validBody === undefined ? {} : { body: validBody }) };
  const out: Variant[] = [];

  const scope = op['x-required-scope'];
  if (scope === undefined) throw new Error(`${op.operationId} does not declare x-required-scope`);
  out.push({ ...base, what: 'no API key', key: null, status: 401 });
  out.push({
    ...base,
    what: 'a made-up API key',
    key: `csk_${'0'.repeat(16)}_${'x'.repeat(43)}`,
    status: 401,
  });
  if (scope !== 'read') {
    out.push({ ...base, what: 'a read key', key: readKey, status: 403 });
    if (scope === 'admin') out.push({ ...base, what: 'a write key', key: writeKey, status: 403 });
  }

  for (const p of pathParams) {
    const bad = BAD_SEGMENTS.filter(([, segment]) => violates(p.schema, segment));
    if (bad.length === 0)
      throw new Error(`path parameter ${p.name} accepts any string: constrain it`);
    for (const [label, segment] of bad) {
      out.push({ ...base, what: `path ${p.name}: ${label}`, path: fill({ [p.name]: segment }) });
    }
  }
  for (const q of params.filter((p) => p.in === 'query')) {
    const bad = BAD_QUERY_VALUES.filter(([, value]) => violates(q.schema, value));
    if (bad.length === 0)
      throw new Error(`query parameter ${q.name} accepts any string: constrain it`);
    for (const [label, value] of bad)
      out.push({ ...base, what: `query ${q.name}: ${label}`, query: `${q.name}=${value}` });
    out.push({ ...base, what: `query ${q.name}: repeated`, query: `${q.name}=1&${q.name}=2` });
    out.push({ ...base, what: `query ${q.name}: object syntax`, query: `${q.name}[a]=1` });
  }
  out.push({ ...base, what: 'unknown query parameter', query: 'zzz=1' });
  out.push({ ...base, what: 'query prototype pollution', query: '__proto__[polluted]=1' });
  const unused = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'].find(
    (m) => document.paths[path]?.[m.toLowerCase()] === undefined,
  );
  if (unused !== undefined) {
    const { body: _body, ...bodiless } = base;
    out.push({ ...(unused === 'GET' ? bodiless : base), what: `method ${unused}`, method: unused });
  }

  if (example !== undefined && schema) {
    for (const raw of INVALID_JSON)
      out.push({ ...base, what: `invalid JSON ${JSON.stringify(raw)}`, body: raw });
    for (const raw of NOT_AN_OBJECT)
      out.push({ ...base, what: `JSON ${raw} instead of an object`, body: raw });
    for (const [label, raw] of NESTED_JUNK) out.push({ ...base, what: label, body: raw });
    for (const [type, raw] of WRONG_CONTENT_TYPES)
      out.push({ ...base, what: `content type ${type}`, body: raw, contentType: type });
    out.push({
      ...base,
      what: 'a body over the 1 MB limit',
      body: JSON.stringify({ a: 'x'.repeat(1_100_000) }),
      status: 413,
    });
    out.push({ ...base, what: 'an empty JSON body', body: '' });
    out.push({
      ...base,
      what: 'an extra field',
      body: JSON.stringify({ ...(example as object), zzz: 1 }),
    });
    for (const name of schema.required ?? []) {
      out.push({
        ...base,
        what: `missing ${name}`,
        body: JSON.stringify(replaced(example, [name], undefined)),
      });
    }
    for (const leaf of leaves(example, schema)) {
      for (const wrong of wrongTypes(leaf.value, leaf.schema?.nullable === true)) {
        out.push({
          ...base,
          what: `${leaf.path.join('.')} = ${JSON.stringify(wrong).slice(0, 30)}`,
          body: JSON.stringify(replaced(example, leaf.path, wrong)),
        });
      }
    }
  }
  return out;
}

async function send(v: Variant) {
  const key = v.key === undefined ? h.adminKey : v.key;
  const res = await fetch(`${h.url}${v.path}${v.query === undefined ? '' : `?${v.query}`}`, {
    method: v.method ?? 'GET',
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(v.body === undefined ? {} : { 'content-type': v.contentType ?? 'application/json' }),
    },
    ...(v.body === undefined ? {} : { body: v.body }),
  });
  const text = await res.text();
  return { status: res.status, text };
}

/** What is wrong with an answer to a malformed request, or undefined when it is right. */
function problemWith(v: Variant, res: { status: number; text: string }): string | undefined {
  if (res.status < 400 || res.status > 499) return `status ${res.status}`;
  if (v.status !== undefined && res.status !== v.status)
    return `status ${res.status}, expected ${v.status}`;
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `a body that is not JSON: ${res.text.slice(0, 80)}`;
  }
  const b = body as Record<string, unknown>;
  if (b['statusCode'] !== res.status || typeof b['error'] !== 'string')
    return `body ${res.text.slice(0, 120)}`;
  if (typeof b['message'] !== 'string' || b['message'].length === 0)
    return `no message: ${res.text.slice(0, 120)}`;
  return undefined;
}

describe('every route refuses malformed input with a 4xx and a message', () => {
  it('covers the whole API', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
  });

  it.each(operations)('$method $path', async ({ path, method, op }) => {
    const failures: string[] = [];
    const variants = variantsOf(path, method, op);
    for (const v of variants) {
      const problem = problemWith(v, await send(v));
      if (problem !== undefined) failures.push(`${v.what}: ${problem}`);
    }
    expect(failures).toEqual([]);
    // The valid request itself is never a server error (2xx, or a 4xx of state such as 409).
    const valid = await send({
      what: 'valid',
      path: variants[0]?.path ?? path,
      method,
      ...(variants[0]?.body === undefined ? {} : { body: variants[0].body }),
    });
    expect(valid.status).toBeLessThan(500);
  });
});
