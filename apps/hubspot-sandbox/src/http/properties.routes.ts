import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HubSpotApiError, validationError } from '../hubspot-errors.js';
import { parseObjectType, type ObjectType } from '../model/object-types.js';
import type { SandboxContext } from './context.js';
import { parseBody } from './objects.routes.js';

const createBody = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'property names are lower case letters, digits and _'),
  label: z.string(),
  type: z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']),
  fieldType: z.string(),
  groupName: z.string(),
  description: z.string().default(''),
  options: z
    .array(
      z.object({
        label: z.string(),
        value: z.string(),
        displayOrder: z.number().optional(),
        hidden: z.boolean().optional(),
      }),
    )
    .default([]),
  hasUniqueValue: z.boolean().default(false),
  hidden: z.boolean().default(false),
  formField: z.boolean().default(false),
  displayOrder: z.number().default(-1),
});

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

/** Properties API v3: list, read and create definitions. */
export function propertyRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { registry, store } = ctx;

  app.get('/crm/v3/properties/:objectType', (request) => {
    const type = typeParam((request.params as Record<string, string>)['objectType']);
    return { results: registry.list(type) };
  });

  app.get('/crm/v3/properties/:objectType/:name', (request) => {
    const p = request.params as Record<string, string>;
    const type = typeParam(p['objectType']);
    const def = registry.get(type, p['name'] ?? '');
    if (def === undefined)
      throw new HubSpotApiError(
        404,
        'OBJECT_NOT_FOUND',
        `Unable to find property ${p['name'] ?? ''}`,
      );
    return def;
  });

  app.post('/crm/v3/properties/:objectType', async (request, reply) => {
    const type = typeParam((request.params as Record<string, string>)['objectType']);
    const input = parseBody(createBody, request.body);
    if (input.type === 'enumeration' && input.options.length === 0)
      throw validationError('Enumeration properties need at least one option.');
    const now = new Date().toISOString();
    const def = registry.create(type, {
      name: input.name,
      label: input.label,
      type: input.type,
      fieldType: input.fieldType,
      groupName: input.groupName,
      description: input.description,
      options: input.options.map((o, i) => ({
        label: o.label,
        value: o.value,
        displayOrder: o.displayOrder ?? i,
        hidden: o.hidden ?? false,
      })),
      hasUniqueValue: input.hasUniqueValue,
      hubspotDefined: false,
      calculated: false,
      hidden: input.hidden,
      formField: input.formField,
      displayOrder: input.displayOrder,
      readOnlyValue: false,
      createdAt: now,
      updatedAt: now,
      archived: false,
    });
    if (def.hasUniqueValue) store.ensureUniqueIndex(type, def.name);
    return reply.code(201).send(def);
  });
}
