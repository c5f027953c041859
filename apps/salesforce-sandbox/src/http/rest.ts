import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearer } from '../auth.js';
import { SfError, entityIsDeleted, notFound } from '../errors.js';
import { normalizeId } from '../ids.js';
import { parseFieldsParam, toRest } from '../records.js';
import { dayOf, type SandboxState } from '../sandbox-state.js';
import { jsonText } from '../scalar.js';
import {
  describe,
  resolveType,
  SCHEMAS,
  SOBJECT_TYPES,
  typeForIdPrefix,
  type ObjectSchema,
  type SObjectType,
} from '../schema.js';
import { Txn, type WriteContext } from '../store.js';
import { sfDateTime } from '../time.js';

const MAX_COLLECTION = 200;

type Req = FastifyRequest<{
  Params: Record<string, string>;
  Querystring: Record<string, string | undefined>;
}>;

/** The API version of a request (`v62.0` in the path). */
function version(req: Req): string {
  return (req.params['ver'] ?? '').slice(1);
}

/** A path parameter that the matched route declares (`:id` in `/sobjects/:type/:id`). */
function param(req: Req, name: string): string {
  const value = req.params[name];
  if (value === undefined) throw new Error(`route ${req.url} has no :${name} parameter`);
  return value;
}

function sobjectType(name: string | undefined): ObjectSchema {
  const t = name ? resolveType(name) : undefined;
  if (!t) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return SCHEMAS[t];
}

/** Write context from the request headers: `Sforce-Call-Options: client=<name>` becomes the change origin. */
export function writeContext(req: FastifyRequest, ver: string): WriteContext {
  const callOptions = String(req.headers['sforce-call-options'] ?? '');
  const client = /(?:^|[,\s])client=([^,\s]+)/.exec(callOptions)?.[1];
  const dupHeader = String(req.headers['sforce-duplicate-rule-header'] ?? '');
  return {
    origin: `com/salesforce/api/rest/${ver}${client ? `;client=${client}` : ''}`,
    allowDuplicateSave: /allowSave\s*=\s*true/i.test(dupHeader),
  };
}

function batchSize(req: FastifyRequest): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
  const n = m ? Number(m[1]) : 2000;
  return Math.min(2000, Math.max(200, n));
}

function floorMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

function parseRange(
  state: SandboxState,
  q: Record<string, string | undefined>,
): { start: number; end: number } {
  const start = Date.parse(q['start'] ?? '');
  const end = Date.parse(q['end'] ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) {
    throw new SfError(
      400,
      'MISSING_ARGUMENT',
      'start and end are required and must be ISO-8601 datetimes',
    );
  }
  if (end < start) throw new SfError(400, 'INVALID_REPLICATION_DATE', 'EndDate before StartDate');
  if (start < state.clock.now() - 30 * 86_400_000) {
    throw new SfError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
  }
  return { start: floorMinute(start), end: floorMinute(Math.min(end, state.clock.now())) };
}

/** One record of a collection request, its result in Salesforce's save-result shape. */
interface SaveResult {
  id?: string;
  success: boolean;
  errors: Record<string, unknown>[];
  created?: boolean;
}

function collectionRecords(body: unknown): {
  allOrNone: boolean;
  records: Record<string, unknown>[];
} {
  const b = (body ?? {}) as { allOrNone?: unknown; records?: unknown };
  if (!Array.isArray(b.records)) throw new SfError(400, 'JSON_PARSER_ERROR', 'records is required');
  if (b.records.length > MAX_COLLECTION) {
    throw new SfError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 200 records into this call',
    );
  }
  return { allOrNone: b.allOrNone === true, records: b.records as Record<string, unknown>[] };
}

function recordType(rec: Record<string, unknown>): SObjectType {
  const attrs = rec['attributes'] as { type?: string } | undefined;
  const t = attrs?.type ? resolveType(attrs.type) : undefined;
  if (!t)
    throw new SfError(
      400,
      'INVALID_TYPE',
      attrs?.type
        ? `sObject type '${attrs.type}' is not supported.`
        : 'Must specify a type in attributes',
      [],
    );
  return t;
}

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message:
    'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

export function registerRest(app: FastifyInstance, state: SandboxState): void {
  const { store, queries, auth } = state;

  // Version listing: public, not counted.
  app.get('/services/data', () =>
    state.versions.map((v) => ({
      label: versionLabel(v),
      url: `/services/data/v${v}`,
      version: v,
    })),
  );

  app.register(
    (api, _opts, done) => {
      api.addHook('onRequest', async (req: Req, reply: FastifyReply) => {
        const ver = req.params['ver'] ?? '';
        if (!/^v\d+\.0$/.test(ver) || !state.versions.includes(ver.slice(1))) {
          reply
            .code(404)
            .send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
          return reply;
        }
        if (!auth.check(bearer(req.headers.authorization))) {
          reply
            .code(401)
            .send([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
          return reply;
        }
        const today = dayOf(state.clock.now());
        if (state.limits.day !== today) state.limits = { ...state.limits, used: 0, day: today };
        if (state.limits.used >= state.limits.max) {
          reply.header('Sforce-Limit-Info', `api-usage=${state.limits.used}/${state.limits.max}`);
          reply
            .code(403)
            .send([
              { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
            ]);
          return reply;
        }
        state.limits.used++;
        reply.header('Sforce-Limit-Info', `api-usage=${state.limits.used}/${state.limits.max}`);
        if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
        return undefined;
      });

      api.get('/', (req: Req) => {
        const base = `/services/data/v${version(req)}`;
        const names = [
          'sobjects',
          'query',
          'queryAll',
          'limits',
          'composite',
          'search',
          'recent',
          'tabs',
        ];
        return Object.fromEntries(names.map((n) => [n, `${base}/${n}`]));
      });

      api.get('/limits', () => ({
        DailyApiRequests: {
          Max: state.limits.max,
          Remaining: Math.max(0, state.limits.max - state.limits.used),
        },
        DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
        DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
        DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
        DailyStreamingApiEvents: { Max: 1000000, Remaining: 1000000 },
        DataStorageMB: { Max: 1024, Remaining: 1024 },
        MonthlyPlatformEventsUsageEntitlement: { Max: 0, Remaining: 0 },
      }));

      api.get('/sobjects', (req: Req) => ({
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: SOBJECT_TYPES.map((t) => {
          const d = describe(SCHEMAS[t], version(req));
          delete d['fields'];
          delete d['childRelationships'];
          delete d['recordTypeInfos'];
          return d;
        }),
      }));

      api.get('/sobjects/:type', (req: Req) => {
        const schema = sobjectType(req.params['type']);
        const d = describe(schema, version(req));
        delete d['fields'];
        return { objectDescribe: d, recentItems: [] };
      });

      api.get('/sobjects/:type/describe', (req: Req) =>
        describe(sobjectType(req.params['type']), version(req)),
      );

      api.post('/sobjects/:type', (req: Req, reply) => {
        const schema = sobjectType(req.params['type']);
        const ver = version(req);
        const ctx = writeContext(req, ver);
        const txn = new Txn();
        try {
          const rec = store.create(txn, ctx, schema.name, bodyObject(req.body), ver);
          store.commit(txn, ctx);
          reply.code(201);
          return { id: rec['Id'], success: true, errors: [] };
        } catch (e) {
          txn.rollbackTo([0, 0]);
          throw e;
        }
      });

      api.get('/sobjects/:type/updated', (req: Req) => {
        const schema = sobjectType(req.params['type']);
        const { start, end } = parseRange(state, req.query);
        const s = sfDateTime(start);
        const e = sfDateTime(end);
        const ids: string[] = [];
        for (const rec of store.all(schema.name)) {
          const m = rec['SystemModstamp'] as string;
          if (rec['IsDeleted'] !== true && m >= s && m < e) ids.push(rec['Id'] as string);
        }
        return { ids, latestDateCovered: e };
      });

      api.get('/sobjects/:type/deleted', (req: Req) => {
        const schema = sobjectType(req.params['type']);
        const { start, end } = parseRange(state, req.query);
        const deletedRecords: { id: string; deletedDate: string }[] = [];
        let earliest = store.startedAt;
        // The deletion log, not the records: purged records are listed too.
        for (const [id, at] of store.deletions(schema.name)) {
          earliest = Math.min(earliest, at);
          if (at >= start && at < end) deletedRecords.push({ id, deletedDate: sfDateTime(at) });
        }
        return {
          deletedRecords,
          earliestDateAvailable: sfDateTime(floorMinute(earliest)),
          latestDateCovered: sfDateTime(end),
        };
      });

      api.get('/sobjects/:type/:id', (req: Req) => {
        const schema = sobjectType(req.params['type']);
        const id = param(req, 'id');
        const nid = normalizeId(id);
        if (!nid || typeForIdPrefix(nid) !== schema.name) {
          throw new SfError(
            404,
            'NOT_FOUND',
            `Provided external ID field does not exist or is not accessible: ${id}`,
          );
        }
        const rec = store.get(schema.name, nid);
        if (!rec) throw notFound();
        if (rec['IsDeleted'] === true) throw entityIsDeleted();
        return toRest(schema, rec, version(req), parseFieldsParam(schema, req.query['fields']));
      });

      api.patch('/sobjects/:type/:id', (req: Req, reply) => {
        const schema = sobjectType(req.params['type']);
        const ver = version(req);
        const ctx = writeContext(req, ver);
        const txn = new Txn();
        try {
          store.update(txn, ctx, schema.name, param(req, 'id'), bodyObject(req.body), ver);
          store.commit(txn, ctx);
        } catch (e) {
          txn.rollbackTo([0, 0]);
          throw e;
        }
        reply.code(204).send();
      });

      api.delete('/sobjects/:type/:id', (req: Req, reply) => {
        const schema = sobjectType(req.params['type']);
        const ver = version(req);
        const ctx = writeContext(req, ver);
        const txn = new Txn();
        try {
          store.delete(txn, ctx, schema.name, param(req, 'id'));
          store.commit(txn, ctx);
        } catch (e) {
          txn.rollbackTo([0, 0]);
          throw e;
        }
        reply.code(204).send();
      });

      // Upsert / retrieve by external id (REST API Developer Guide: "Insert or Update (Upsert) a Record Using an External ID").
      const externalField = (schema: ObjectSchema, name: string | undefined) => {
        const f = name ? schema.byLower.get(name.toLowerCase()) : undefined;
        if (!f || !(f.externalId || f.name === 'Id')) {
          throw new SfError(
            404,
            'NOT_FOUND',
            `Provided external ID field does not exist or is not accessible: ${name ?? ''}`,
          );
        }
        return f;
      };
      const matchesFor = (schema: ObjectSchema, field: string, value: string): string[] => {
        if (field === 'Id') {
          const nid = normalizeId(value);
          if (!nid) return [];
          const rec = store.get(schema.name, nid);
          return rec && rec['IsDeleted'] !== true ? [nid] : [];
        }
        return store.findByUnique(schema.name, field, value);
      };

      api.get('/sobjects/:type/:field/:value', (req: Req, reply) => {
        const schema = sobjectType(req.params['type']);
        const f = externalField(schema, req.params['field']);
        const ids = matchesFor(schema, f.name, param(req, 'value'));
        const [id] = ids;
        if (id === undefined) throw notFound();
        if (ids.length > 1) {
          reply.code(300);
          return ids.map((i) => `/services/data/v${version(req)}/sobjects/${schema.name}/${i}`);
        }
        const rec = store.get(schema.name, id);
        if (!rec) throw new Error(`${schema.name} ${id} matched by ${f.name} is not in the store`);
        return toRest(schema, rec, version(req), parseFieldsParam(schema, req.query['fields']));
      });

      const upsertOne = (req: Req, reply: FastifyReply) => {
        const schema = sobjectType(req.params['type']);
        const f = externalField(schema, req.params['field']);
        const ver = version(req);
        const value = req.params['value'] ?? '';
        const body = { ...bodyObject(req.body) };
        const ids = value === '' && f.name === 'Id' ? [] : matchesFor(schema, f.name, value);
        if (ids.length > 1) {
          reply.code(300);
          return ids.map((id) => `/services/data/v${ver}/sobjects/${schema.name}/${id}`);
        }
        const [existing] = ids;
        const ctx = writeContext(req, ver);
        const txn = new Txn();
        try {
          if (existing === undefined) {
            if (f.name !== 'Id') body[f.name] = value;
            const rec = store.create(txn, ctx, schema.name, body, ver);
            store.commit(txn, ctx);
            reply.code(201);
            return { id: rec['Id'], success: true, errors: [], created: true };
          }
          store.update(txn, ctx, schema.name, existing, body, ver);
          store.commit(txn, ctx);
        } catch (e) {
          txn.rollbackTo([0, 0]);
          throw e;
        }
        // API 46.0 and later answer 200 with a body; earlier versions 204.
        if (Number(ver) >= 46) return { id: existing, success: true, errors: [], created: false };
        reply.code(204).send();
        return reply;
      };
      api.patch('/sobjects/:type/:field/:value', (req: Req, reply) => upsertOne(req, reply));
      api.post('/sobjects/:type/:field/:value', (req: Req, reply) => upsertOne(req, reply));

      // --- SOQL --------------------------------------------------------------------------------
      const runQuery = (req: Req, scanAll: boolean) => {
        const q = req.query['q'];
        if (q === undefined)
          throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
        return queries.run(q, scanAll, batchSize(req), version(req));
      };
      api.get('/query', (req: Req) => runQuery(req, false));
      api.get('/queryAll', (req: Req) => runQuery(req, true));
      api.get('/query/:locator', (req: Req) => queries.more(param(req, 'locator'), version(req)));
      api.get('/queryAll/:locator', (req: Req) =>
        queries.more(param(req, 'locator'), version(req)),
      );

      // --- sObject Collections (REST API Developer Guide: "sObject Collections") ------------------
      const runCollection = (
        req: Req,
        records: Record<string, unknown>[],
        allOrNone: boolean,
        op: (txn: Txn, ctx: WriteContext, rec: Record<string, unknown>, ver: string) => SaveResult,
        failure: (rec: Record<string, unknown>) => Omit<SaveResult, 'errors' | 'success'>,
      ): SaveResult[] => {
        const ver = version(req);
        const ctx = writeContext(req, ver);
        const txn = new Txn();
        const results: SaveResult[] = [];
        let failed = false;
        for (const rec of records) {
          const sp = txn.savepoint();
          try {
            results.push(op(txn, ctx, rec, ver));
          } catch (e) {
            if (!(e instanceof SfError)) throw e;
            txn.rollbackTo(sp);
            failed = true;
            results.push({ ...failure(rec), success: false, errors: [e.toSaveError()] });
          }
        }
        if (allOrNone && failed) {
          txn.rollbackTo([0, 0]);
          return results.map((r) =>
            r.success
              ? { ...(isCreate(r) ? {} : { id: r.id }), success: false, errors: [ROLLED_BACK] }
              : r,
          );
        }
        store.commit(txn, ctx);
        return results;
      };
      // Created records have no id once rolled back; updated ones keep theirs.
      const createdMarker = new WeakSet<SaveResult>();
      const isCreate = (r: SaveResult) => createdMarker.has(r);

      api.post('/composite/sobjects', (req: Req) => {
        const { allOrNone, records } = collectionRecords(req.body);
        return runCollection(
          req,
          records,
          allOrNone,
          (txn, ctx, rec, ver) => {
            const type = recordType(rec);
            const created = store.create(txn, ctx, type, rec, ver);
            const r: SaveResult = { id: created['Id'] as string, success: true, errors: [] };
            createdMarker.add(r);
            return r;
          },
          () => ({}),
        );
      });

      api.patch('/composite/sobjects', (req: Req) => {
        const { allOrNone, records } = collectionRecords(req.body);
        return runCollection(
          req,
          records,
          allOrNone,
          (txn, ctx, rec, ver) => {
            const type = recordType(rec);
            const { id, Id, ...rest } = rec;
            const rid = jsonText(id ?? Id ?? '');
            if (!rid)
              throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', []);
            const updated = store.update(txn, ctx, type, rid, rest, ver);
            return { id: updated['Id'] as string, success: true, errors: [] };
          },
          (rec) => ((rec['id'] ?? rec['Id']) ? { id: String(rec['id'] ?? rec['Id']) } : {}),
        );
      });

      api.patch('/composite/sobjects/:type/:field', (req: Req) => {
        const schema = sobjectType(req.params['type']);
        const f = externalField(schema, req.params['field']);
        const { allOrNone, records } = collectionRecords(req.body);
        return runCollection(
          req,
          records,
          allOrNone,
          (txn, ctx, rec, ver) => {
            const type = recordType(rec);
            if (type !== schema.name)
              throw new SfError(
                400,
                'INVALID_TYPE',
                `Record type ${type} does not match the URL's ${schema.name}`,
                [],
              );
            const key = Object.keys(rec).find((k) => k.toLowerCase() === f.name.toLowerCase());
            const value = key === undefined ? undefined : rec[key];
            if (key === undefined || value === undefined || value === null || value === '') {
              throw new SfError(400, 'MISSING_ARGUMENT', `${f.name} not specified`, []);
            }
            const ids = matchesFor(schema, f.name, jsonText(value));
            if (ids.length > 1) {
              throw new SfError(
                300,
                'DUPLICATE_EXTERNAL_ID',
                `${f.label}: more than one record found for external id field: ${ids.join(', ')}`,
                [f.name],
              );
            }
            const [existing] = ids;
            if (existing === undefined) {
              const created = store.create(txn, ctx, type, rec, ver);
              const r: SaveResult = {
                id: created['Id'] as string,
                success: true,
                errors: [],
                created: true,
              };
              createdMarker.add(r);
              return r;
            }
            const { [key]: _ext, ...rest } = rec;
            store.update(txn, ctx, type, existing, rest, ver);
            return { id: existing, success: true, errors: [], created: false };
          },
          () => ({}),
        );
      });

      api.delete('/composite/sobjects', (req: Req) => {
        const ids = (req.query['ids'] ?? '').split(',').filter((s) => s !== '');
        if (ids.length > MAX_COLLECTION)
          throw new SfError(
            400,
            'EXCEEDED_ID_LIMIT',
            'record limit reached. cannot submit more than 200 records into this call',
          );
        const allOrNone = req.query['allOrNone'] === 'true';
        return runCollection(
          req,
          ids.map((id) => ({ id })),
          allOrNone,
          (txn, ctx, rec) => {
            const id = String(rec['id']);
            const nid = normalizeId(id);
            const type = nid ? typeForIdPrefix(nid) : undefined;
            if (!nid || !type) throw new SfError(400, 'MALFORMED_ID', `malformed id ${id}`, []);
            store.delete(txn, ctx, type, nid);
            return { id: nid, success: true, errors: [] };
          },
          (rec) => ({ id: String(rec['id']) }),
        );
      });

      const retrieveMany = (
        schema: ObjectSchema,
        ids: string[],
        fieldsParam: string | undefined,
        ver: string,
      ) => {
        if (ids.length > 2000)
          throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'Cannot retrieve more than 2000 records');
        const fields = parseFieldsParam(schema, fieldsParam);
        if (!fields) throw new SfError(400, 'MISSING_ARGUMENT', 'fields is required');
        return ids.map((id) => {
          const nid = normalizeId(id);
          const rec = nid ? store.get(schema.name, nid) : undefined;
          return rec && rec['IsDeleted'] !== true ? toRest(schema, rec, ver, fields) : null;
        });
      };
      api.get('/composite/sobjects/:type', (req: Req) =>
        retrieveMany(
          sobjectType(req.params['type']),
          (req.query['ids'] ?? '').split(',').filter(Boolean),
          req.query['fields'],
          version(req),
        ),
      );
      api.post('/composite/sobjects/:type', (req: Req) => {
        const b = bodyObject(req.body) as { ids?: unknown; fields?: unknown };
        const ids = Array.isArray(b.ids) ? b.ids.map(String) : [];
        const fields = Array.isArray(b.fields) ? b.fields.map(String).join(',') : undefined;
        return retrieveMany(sobjectType(req.params['type']), ids, fields, version(req));
      });
      done();
    },
    { prefix: '/services/data/:ver' },
  );
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

function versionLabel(v: string): string {
  // 60.0 is Spring '24, 61.0 Summer '24, 62.0 Winter '25: three releases a year.
  const k = Number(v) - 60;
  const idx = ((k % 3) + 3) % 3;
  const year = 24 + Math.floor(k / 3) + (idx === 2 ? 1 : 0);
  return `${['Spring', 'Summer', 'Winter'][idx]} '${String(year).padStart(2, '0')}`;
}
