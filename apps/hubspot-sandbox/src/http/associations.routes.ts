import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HubSpotApiError, notFound, validationError } from '../hubspot-errors.js';
import {
  OBJECT_TYPE_IDS,
  parseObjectType,
  SINGULAR,
  type ObjectType,
} from '../model/object-types.js';
import { ASSOCIATION_TYPES, DEFAULT_TYPE_ID } from '../store/association-index.js';
import type { CrmStore } from '../store/crm-store.js';
import { intParam, sourceOf, stringParam, type SandboxContext } from './context.js';
import { parseBody } from './objects.routes.js';

const spec = z.object({
  associationCategory: z.string().default('HUBSPOT_DEFINED'),
  associationTypeId: z.coerce.number(),
});
const idRef = z.object({ id: z.coerce.string() });

function typeParam(raw: string | undefined): ObjectType {
  const t = parseObjectType(raw ?? '');
  if (t === undefined)
    throw new HubSpotApiError(
      400,
      'VALIDATION_ERROR',
      `Unable to infer object type from: ${raw ?? ''}`,
    );
  return t;
}

function requireRecord(store: CrmStore, type: ObjectType, id: string): void {
  if (store.find(type, id) === undefined)
    throw notFound(`No ${SINGULAR[type]} with ID ${id} exists`);
}

/** v4 `associationTypes` entry for a type id. */
function typeEntry(typeId: number): { category: string; typeId: number; label: string | null } {
  return { category: 'HUBSPOT_DEFINED', typeId, label: ASSOCIATION_TYPES[typeId]?.label ?? null };
}

function checkTypes(from: ObjectType, to: ObjectType, typeIds: readonly number[]): void {
  for (const t of typeIds) {
    const def = ASSOCIATION_TYPES[t];
    if (def?.from !== from || def.to !== to) {
      throw validationError(
        `${t} is not a valid association type between ${SINGULAR[from]} and ${SINGULAR[to]}.`,
      );
    }
  }
}

function labelsPair(
  store: CrmStore,
  from: ObjectType,
  fromId: string,
  to: ObjectType,
  toId: string,
): Record<string, unknown> {
  return {
    fromObjectTypeId: OBJECT_TYPE_IDS[from],
    fromObjectId: Number(fromId),
    toObjectTypeId: OBJECT_TYPE_IDS[to],
    toObjectId: Number(toId),
    labels: store.associations
      .types(from, fromId, toId)
      .map((t) => ASSOCIATION_TYPES[t]?.label)
      .filter((l): l is string => typeof l === 'string'),
  };
}

function batchEnvelope(
  reply: FastifyReply,
  status: number,
  results: unknown[],
  errors: unknown[],
): FastifyReply {
  const now = new Date().toISOString();
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt: now,
    completedAt: now,
  };
  if (errors.length === 0) return reply.code(status).send(body);
  return reply.code(207).send({ ...body, numErrors: errors.length, errors });
}

/** Associations v4 between contacts and companies (records API), single and batch. */
export function associationRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { store } = ctx;

  app.put('/crm/v4/objects/:from/:fromId/associations/default/:to/:toId', (request) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const fromId = p['fromId'] ?? '';
    const toId = p['toId'] ?? '';
    requireRecord(store, from, fromId);
    requireRecord(store, to, toId);
    const typeId = DEFAULT_TYPE_ID[`${from}/${to}`];
    if (typeId === undefined)
      throw validationError(`No default association between ${from} and ${to}`);
    store.associate(from, fromId, to, toId, [typeId], sourceOf(request));
    const now = new Date().toISOString();
    return {
      status: 'COMPLETE',
      results: [
        {
          from: { id: fromId },
          to: { id: toId },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
        },
        {
          from: { id: toId },
          to: { id: fromId },
          associationSpec: {
            associationCategory: 'HUBSPOT_DEFINED',
            associationTypeId: ASSOCIATION_TYPES[typeId]?.reverse,
          },
        },
      ],
      startedAt: now,
      completedAt: now,
    };
  });

  app.put('/crm/v4/objects/:from/:fromId/associations/:to/:toId', async (request, reply) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const fromId = p['fromId'] ?? '';
    const toId = p['toId'] ?? '';
    const specs = parseBody(z.array(spec), request.body);
    checkTypes(
      from,
      to,
      specs.map((s) => s.associationTypeId),
    );
    requireRecord(store, from, fromId);
    requireRecord(store, to, toId);
    store.associate(
      from,
      fromId,
      to,
      toId,
      specs.map((s) => s.associationTypeId),
      sourceOf(request),
    );
    return reply.code(201).send(labelsPair(store, from, fromId, to, toId));
  });

  app.delete('/crm/v4/objects/:from/:fromId/associations/:to/:toId', async (request, reply) => {
    const p = request.params as Record<string, string>;
    store.dissociate(
      typeParam(p['from']),
      p['fromId'] ?? '',
      typeParam(p['to']),
      p['toId'] ?? '',
      sourceOf(request),
    );
    return reply.code(204).send();
  });

  app.get('/crm/v4/objects/:from/:fromId/associations/:to', (request) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const fromId = p['fromId'] ?? '';
    requireRecord(store, from, fromId);
    const q = request.query as Record<string, unknown>;
    const limit = intParam(q['limit'], 'limit', 500, 500);
    const after = Number(stringParam(q['after']) ?? 0);
    const all = store.associations
      .list(from, fromId, to)
      .filter((a) => store.find(to, a.toId) !== undefined && Number(a.toId) >= after);
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((a) => ({
        toObjectId: Number(a.toId),
        associationTypes: a.typeIds.map(typeEntry),
      })),
    };
    const next = all[limit];
    if (next !== undefined)
      body['paging'] = { next: { after: next.toId, link: `?after=${next.toId}` } };
    return body;
  });

  const batchBase = '/crm/v4/associations/:from/:to/batch';

  app.post(`${batchBase}/read`, async (request, reply) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const { inputs } = parseBody(
      z.object({
        inputs: z.array(z.object({ id: z.coerce.string(), after: z.string().optional() })),
      }),
      request.body,
    );
    if (inputs.length > 1000)
      throw validationError('The maximum number of inputs supported in a batch request is 1000.');
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const { id } of inputs) {
      const list = store.associations
        .list(from, id, to)
        .filter((a) => store.find(to, a.toId) !== undefined);
      if (store.find(from, id) === undefined || list.length === 0) {
        missing.push(id);
        continue;
      }
      results.push({
        from: { id },
        to: list.map((a) => ({
          toObjectId: Number(a.toId),
          associationTypes: a.typeIds.map(typeEntry),
        })),
      });
    }
    const errors =
      missing.length === 0
        ? []
        : [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
              message: `No ${SINGULAR[to]} is associated with ${SINGULAR[from]} ${missing.join(', ')}.`,
              context: { fromObjectId: missing },
            },
          ];
    return batchEnvelope(reply, 200, results, errors);
  });

  app.post(`${batchBase}/create`, async (request, reply) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const { inputs } = parseBody(
      z.object({ inputs: z.array(z.object({ from: idRef, to: idRef, types: z.array(spec) })) }),
      request.body,
    );
    if (inputs.length > 100)
      throw validationError(
        'The maximum number of inputs supported in a batch request is 100. Please reduce the number of items and try again',
      );
    const source = sourceOf(request);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const i of inputs) {
      checkTypes(
        from,
        to,
        i.types.map((t) => t.associationTypeId),
      );
      if (store.find(from, i.from.id) === undefined || store.find(to, i.to.id) === undefined) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `One or more objects do not exist: ${i.from.id}, ${i.to.id}`,
          context: { ids: [i.from.id, i.to.id] },
        });
        continue;
      }
      store.associate(
        from,
        i.from.id,
        to,
        i.to.id,
        i.types.map((t) => t.associationTypeId),
        source,
      );
      results.push(labelsPair(store, from, i.from.id, to, i.to.id));
    }
    return batchEnvelope(reply, 201, results, errors);
  });

  app.post(`${batchBase}/associate/default`, async (request, reply) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const { inputs } = parseBody(
      z.object({ inputs: z.array(z.object({ from: idRef, to: idRef })) }),
      request.body,
    );
    const typeId = DEFAULT_TYPE_ID[`${from}/${to}`] ?? 0;
    const source = sourceOf(request);
    const results: unknown[] = [];
    for (const i of inputs) {
      if (store.find(from, i.from.id) === undefined || store.find(to, i.to.id) === undefined)
        continue;
      store.associate(from, i.from.id, to, i.to.id, [typeId], source);
      results.push({
        from: { id: i.from.id },
        to: { id: i.to.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
      });
    }
    return batchEnvelope(reply, 200, results, []);
  });

  app.post(`${batchBase}/archive`, async (request, reply) => {
    const p = request.params as Record<string, string>;
    const from = typeParam(p['from']);
    const to = typeParam(p['to']);
    const { inputs } = parseBody(
      z.object({ inputs: z.array(z.object({ from: idRef, to: z.array(idRef) })) }),
      request.body,
    );
    const source = sourceOf(request);
    for (const i of inputs)
      for (const t of i.to) store.dissociate(from, i.from.id, to, t.id, source);
    return reply.code(204).send();
  });
}
