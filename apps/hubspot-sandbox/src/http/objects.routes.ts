import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HubSpotApiError, notFound, validationError } from '../hubspot-errors.js';
import {
  parseObjectType,
  QUERY_PROPERTIES,
  SINGULAR,
  type ObjectType,
} from '../model/object-types.js';
import { OPERATORS, SEARCH_LIMITS, type FilterGroup } from '../search/filter-evaluator.js';
import { ASSOCIATION_TYPES } from '../store/association-index.js';
import type { StoredObject, WriteSource } from '../store/crm-store.js';
import {
  boolParam,
  intParam,
  listParam,
  sourceOf,
  stringParam,
  type SandboxContext,
} from './context.js';
import { toApi, toWriteResult, type ReadOptions } from './serialize.js';

const MAX_BATCH = 100;
const MAX_BATCH_WITH_HISTORY = 50;
/** The CRM search API never pages past 10,000 results (CRM search guide, "Limitations"). */
export const SEARCH_RESULT_CAP = 10_000;

const propertiesInput = z.record(z.string(), z.unknown());
const associationInput = z.object({
  to: z.object({ id: z.coerce.string() }),
  types: z.array(
    z.object({ associationCategory: z.string().optional(), associationTypeId: z.coerce.number() }),
  ),
});
const createBody = z.object({
  properties: propertiesInput.default({}),
  associations: z.array(associationInput).optional(),
});
const updateBody = z.object({ properties: propertiesInput });
const batchReadBody = z.object({
  inputs: z.array(z.object({ id: z.coerce.string() })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const batchCreateBody = z.object({ inputs: z.array(createBody) });
const batchUpdateBody = z.object({
  inputs: z.array(
    z.object({
      id: z.coerce.string(),
      idProperty: z.string().optional(),
      properties: propertiesInput,
    }),
  ),
});
const batchArchiveBody = z.object({ inputs: z.array(z.object({ id: z.coerce.string() })) });
const sortInput = z.union([
  z.string(),
  z.object({
    propertyName: z.string(),
    direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
  }),
]);
const filterInput = z.object({
  propertyName: z.string(),
  operator: z.enum(OPERATORS),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  highValue: z.union([z.string(), z.number()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
});
const searchBody = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterInput) })).default([]),
  sorts: z.array(sortInput).default([]),
  properties: z.array(z.string()).optional(),
  limit: z.coerce.number().int().min(0).max(200).default(10),
  after: z.coerce.string().optional(),
  query: z.string().optional(),
});

/** Parses a body with a schema; a mismatch answers HubSpot's 400 VALIDATION_ERROR. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw validationError(
    `Invalid input JSON on field ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'invalid'}`,
  );
}

function objectTypeOf(request: FastifyRequest): ObjectType {
  const raw = (request.params as { objectType?: string }).objectType ?? '';
  const type = parseObjectType(raw);
  if (type === undefined)
    throw new HubSpotApiError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${raw}`);
  return type;
}

function readOptions(q: Record<string, unknown>): ReadOptions {
  const properties = listParam(q['properties']);
  const propertiesWithHistory = listParam(q['propertiesWithHistory']);
  const associations = (listParam(q['associations']) ?? [])
    .map(parseObjectType)
    .filter((t): t is ObjectType => t !== undefined);
  return {
    ...(properties === undefined ? {} : { properties }),
    ...(propertiesWithHistory === undefined ? {} : { propertiesWithHistory }),
    associations,
  };
}

function checkBatchSize(n: number, withHistory = false): void {
  if (withHistory && n > MAX_BATCH_WITH_HISTORY) {
    throw validationError(
      `The maximum number of inputs supported in a batch request for property histories is ${MAX_BATCH_WITH_HISTORY}. Please reduce the number of items and try again`,
    );
  }
  if (n > MAX_BATCH) {
    throw validationError(
      `The maximum number of inputs supported in a batch request is ${MAX_BATCH}. Please reduce the number of items and try again`,
    );
  }
}

interface ErrorEntry {
  status: 'error';
  category: string;
  message: string;
  context: Record<string, string[]>;
}

/** HubSpot's batch envelope: 207 with `errors`/`numErrors` when any input failed. */
function sendBatch(
  reply: FastifyReply,
  okStatus: number,
  startedAt: string,
  results: unknown[],
  errors: ErrorEntry[],
): FastifyReply {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length === 0) return reply.code(okStatus).send(body);
  return reply.code(207).send({ ...body, numErrors: errors.length, errors });
}

function notFoundEntry(type: ObjectType, ids: string[]): ErrorEntry {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

function errorEntry(e: HubSpotApiError, id?: string): ErrorEntry {
  return {
    status: 'error',
    category: String(e.body.category),
    message: e.message,
    context: id === undefined ? {} : { ids: [id] },
  };
}

export function objectRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { store, faults } = ctx;
  const base = '/crm/v3/objects/:objectType';

  const injectedFault = (
    type: ObjectType,
    props: Readonly<Record<string, unknown>> | undefined,
    id?: string,
  ): ErrorEntry | undefined => {
    const f = faults.recordFault(type, props);
    return f === undefined
      ? undefined
      : errorEntry(new HubSpotApiError(400, 'VALIDATION_ERROR', f.message), id);
  };

  const createOne = (
    type: ObjectType,
    input: z.output<typeof createBody>,
    source: WriteSource,
  ): StoredObject => {
    const values = store.validate(type, input.properties);
    const targets = (input.associations ?? []).map((a) => {
      const typeIds = a.types.map((t) => t.associationTypeId);
      const toType = ASSOCIATION_TYPES[typeIds[0] ?? -1]?.to;
      if (toType === undefined || typeIds.some((t) => ASSOCIATION_TYPES[t]?.from !== type)) {
        throw validationError(`Invalid association type ids: ${typeIds.join(', ')}`);
      }
      if (store.find(toType, a.to.id) === undefined)
        throw notFound(`No ${SINGULAR[toType]} with ID ${a.to.id} exists`);
      return { toType, toId: a.to.id, typeIds };
    });
    const obj = store.create(type, values, source);
    for (const t of targets) store.associate(type, obj.id, t.toType, t.toId, t.typeIds, source);
    return obj;
  };

  app.get(base, (request) => {
    const type = objectTypeOf(request);
    const q = request.query as Record<string, unknown>;
    const limit = intParam(q['limit'], 'limit', 10, 100);
    const afterRaw = stringParam(q['after']);
    const after = afterRaw === undefined ? undefined : Number(afterRaw);
    if (after !== undefined && !Number.isFinite(after))
      throw validationError(`Invalid after: ${afterRaw ?? ''}`);
    const opts = readOptions(q);
    const page = store.page(type, limit, after, boolParam(q['archived']));
    const body: Record<string, unknown> = {
      results: page.results.map((o) => toApi(store, o, opts)),
    };
    if (page.next !== undefined) {
      const next = String(page.next);
      body['paging'] = {
        next: { after: next, link: `${request.url.split('?')[0] ?? ''}?after=${next}` },
      };
    }
    return body;
  });

  app.post(base, async (request, reply) => {
    const type = objectTypeOf(request);
    const input = parseBody(createBody, request.body);
    const obj = createOne(type, input, sourceOf(request));
    return reply.code(201).send(toApi(store, obj, { properties: Object.keys(input.properties) }));
  });

  app.get(`${base}/:id`, (request) => {
    const type = objectTypeOf(request);
    const { id } = request.params as { id: string };
    const q = request.query as Record<string, unknown>;
    const idProperty = stringParam(q['idProperty']);
    const obj = store.find(type, id, idProperty, boolParam(q['archived']));
    if (obj === undefined) throw notFound();
    return toApi(store, obj, readOptions(q));
  });

  app.patch(`${base}/:id`, (request) => {
    const type = objectTypeOf(request);
    const { id } = request.params as { id: string };
    const idProperty = stringParam((request.query as Record<string, unknown>)['idProperty']);
    const input = parseBody(updateBody, request.body);
    const values = store.validate(type, input.properties);
    const obj = store.find(type, id, idProperty);
    if (obj === undefined) throw notFound();
    store.update(obj, values, sourceOf(request));
    return toApi(store, obj, { properties: Object.keys(input.properties) });
  });

  app.delete(`${base}/:id`, async (request, reply) => {
    const type = objectTypeOf(request);
    const { id } = request.params as { id: string };
    const obj = store.find(type, id);
    // HubSpot answers 204 for an id that does not exist as well.
    if (obj !== undefined) store.archive(obj, sourceOf(request));
    return reply.code(204).send();
  });

  app.post(`${base}/batch/read`, async (request, reply) => {
    const startedAt = new Date().toISOString();
    const type = objectTypeOf(request);
    const input = parseBody(batchReadBody, request.body);
    checkBatchSize(input.inputs.length, (input.propertiesWithHistory?.length ?? 0) > 0);
    if (input.idProperty !== undefined) store.requireUniqueProperty(type, input.idProperty);
    const archived = boolParam((request.query as Record<string, unknown>)['archived']);
    const opts: ReadOptions = {
      ...(input.properties === undefined ? {} : { properties: input.properties }),
      ...(input.propertiesWithHistory === undefined
        ? {}
        : { propertiesWithHistory: input.propertiesWithHistory }),
    };
    const results: unknown[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const { id } of input.inputs) {
      const obj = store.find(type, id, input.idProperty, archived);
      if (obj === undefined) missing.push(id);
      else if (!seen.has(obj.id)) {
        seen.add(obj.id);
        results.push(toApi(store, obj, opts));
      }
    }
    return sendBatch(
      reply,
      200,
      startedAt,
      results,
      missing.length > 0 ? [notFoundEntry(type, missing)] : [],
    );
  });

  app.post(`${base}/batch/create`, async (request, reply) => {
    const startedAt = new Date().toISOString();
    const type = objectTypeOf(request);
    const input = parseBody(batchCreateBody, request.body);
    checkBatchSize(input.inputs.length);
    // Property errors refuse the whole batch, like HubSpot; check all before writing any.
    for (const i of input.inputs) store.validate(type, i.properties);
    const source = sourceOf(request);
    const results: unknown[] = [];
    const errors: ErrorEntry[] = [];
    for (const i of input.inputs) {
      const fault = injectedFault(type, i.properties);
      if (fault !== undefined) {
        errors.push(fault);
        continue;
      }
      const obj = createOne(type, i, source);
      results.push(toWriteResult(obj, i.properties));
    }
    return sendBatch(reply, 201, startedAt, results, errors);
  });

  app.post(`${base}/batch/update`, async (request, reply) => {
    const startedAt = new Date().toISOString();
    const type = objectTypeOf(request);
    const input = parseBody(batchUpdateBody, request.body);
    checkBatchSize(input.inputs.length);
    const values = input.inputs.map((i) => store.validate(type, i.properties));
    const source = sourceOf(request);
    const results: unknown[] = [];
    const errors: ErrorEntry[] = [];
    const missing: string[] = [];
    input.inputs.forEach((i, n) => {
      if (i.idProperty !== undefined) store.requireUniqueProperty(type, i.idProperty);
      const obj = store.find(type, i.id, i.idProperty);
      if (obj === undefined) {
        missing.push(i.id);
        return;
      }
      const fault = injectedFault(type, i.properties, i.id);
      if (fault !== undefined) {
        errors.push(fault);
        return;
      }
      try {
        store.update(obj, values[n] ?? {}, source);
        results.push(toWriteResult(obj, i.properties));
      } catch (e) {
        if (!(e instanceof HubSpotApiError)) throw e;
        errors.push(errorEntry(e, i.id));
      }
    });
    if (missing.length > 0) errors.unshift(notFoundEntry(type, missing));
    return sendBatch(reply, 200, startedAt, results, errors);
  });

  app.post(`${base}/batch/upsert`, async (request, reply) => {
    const startedAt = new Date().toISOString();
    const type = objectTypeOf(request);
    const input = parseBody(batchUpdateBody, request.body);
    checkBatchSize(input.inputs.length);
    const keys = new Set<string>();
    for (const i of input.inputs) {
      if (i.idProperty === undefined) throw validationError('idProperty is required for upsert');
      store.requireUniqueProperty(type, i.idProperty);
      const key = `${i.idProperty}\u0000${i.id}`;
      if (keys.has(key))
        throw validationError(`Duplicate IDs found in batch input: [${i.id}]. IDs must be unique`);
      keys.add(key);
    }
    const values = input.inputs.map((i) => store.validate(type, i.properties));
    const source = sourceOf(request);
    const results: unknown[] = [];
    const errors: ErrorEntry[] = [];
    input.inputs.forEach((i, n) => {
      const idProperty = i.idProperty ?? 'hs_object_id';
      const fault = injectedFault(type, i.properties, i.id);
      if (fault !== undefined) {
        errors.push(fault);
        return;
      }
      try {
        const existing = store.find(type, i.id, idProperty);
        const v = values[n] ?? {};
        const obj =
          existing === undefined
            ? store.create(type, { ...v, [idProperty]: i.id }, source)
            : store.update(existing, v, source);
        results.push({
          ...toWriteResult(obj, { ...i.properties, [idProperty]: i.id }),
          new: existing === undefined,
        });
      } catch (e) {
        if (!(e instanceof HubSpotApiError)) throw e;
        errors.push(errorEntry(e, i.id));
      }
    });
    return sendBatch(reply, 200, startedAt, results, errors);
  });

  app.post(`${base}/batch/archive`, async (request, reply) => {
    const type = objectTypeOf(request);
    const input = parseBody(batchArchiveBody, request.body);
    checkBatchSize(input.inputs.length);
    const source = sourceOf(request);
    for (const { id } of input.inputs) {
      const obj = store.find(type, id);
      if (obj !== undefined) store.archive(obj, source);
    }
    return reply.code(204).send();
  });

  app.post(`${base}/search`, (request) => {
    const type = objectTypeOf(request);
    const input = parseBody(searchBody, request.body);
    const groups: FilterGroup[] = input.filterGroups.map((g) => ({
      filters: g.filters.map((f) => ({
        propertyName: f.propertyName,
        operator: f.operator,
        ...(f.value === undefined ? {} : { value: String(f.value) }),
        ...(f.highValue === undefined ? {} : { highValue: String(f.highValue) }),
        ...(f.values === undefined ? {} : { values: f.values.map(String) }),
      })),
    }));
    const total = groups.reduce((n, g) => n + g.filters.length, 0);
    if (groups.length > SEARCH_LIMITS.maxGroups)
      throw validationError(
        `Too many filter groups (${groups.length}). The maximum is ${SEARCH_LIMITS.maxGroups}.`,
      );
    if (groups.some((g) => g.filters.length > SEARCH_LIMITS.maxFiltersPerGroup)) {
      throw validationError(
        `Too many filters in a filter group. The maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.`,
      );
    }
    if (total > SEARCH_LIMITS.maxFiltersTotal)
      throw validationError(
        `Too many filters (${total}). The maximum is ${SEARCH_LIMITS.maxFiltersTotal}.`,
      );
    if (input.sorts.length > 1) throw validationError('Only one sort is supported.');
    const offset = input.after === undefined || input.after === '' ? 0 : Number(input.after);
    if (!Number.isInteger(offset) || offset < 0)
      throw validationError(`Invalid after: ${input.after ?? ''}`);
    if (offset + input.limit > SEARCH_RESULT_CAP) {
      throw validationError(
        `The search API cannot page past ${SEARCH_RESULT_CAP} results (after + limit = ${offset + input.limit}). Narrow the filters instead.`,
      );
    }
    const s = input.sorts[0];
    const sort =
      s === undefined
        ? undefined
        : typeof s === 'string'
          ? { propertyName: s.replace(/^-/, ''), descending: s.startsWith('-') }
          : { propertyName: s.propertyName, descending: s.direction === 'DESCENDING' };
    const all = store.search(type, {
      filterGroups: groups,
      ...(sort === undefined ? {} : { sort }),
      ...(input.query === undefined ? {} : { query: input.query }),
      queryProperties: QUERY_PROPERTIES[type],
    });
    const page = all.slice(offset, offset + input.limit);
    const opts: ReadOptions =
      input.properties === undefined ? {} : { properties: input.properties };
    const body: Record<string, unknown> = {
      total: all.length,
      results: page.map((o) => toApi(store, o, opts)),
    };
    if (offset + input.limit < all.length)
      body['paging'] = { next: { after: String(offset + input.limit) } };
    return body;
  });
}
