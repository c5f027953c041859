import { applyDecorators, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import type { Scope } from '../auth/api-key.js';
import { RequireScope } from '../auth/api-key.guard.js';
import { ErrorBody } from './errors.js';

const ERROR_DESCRIPTIONS: Readonly<Partial<Record<HttpStatus, string>>> = {
  [HttpStatus.BAD_REQUEST]: 'Malformed input: the message and `details.issues` say what and where.',
  [HttpStatus.UNAUTHORIZED]: 'No API key, or an unknown or revoked one.',
  [HttpStatus.FORBIDDEN]: 'The API key lacks the scope this needs.',
  [HttpStatus.NOT_FOUND]: 'No such connection or record.',
  [HttpStatus.CONFLICT]: 'Not possible in the current state (the message says why and what to do).',
  [HttpStatus.UNPROCESSABLE_ENTITY]:
    'Well-formed but refused by the rules (e.g. incompatible mapping types).',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Kafka or the database is unavailable; nothing was changed.',
};

export interface RouteOptions {
  readonly summary: string;
  readonly description?: string;
  readonly scope: Scope;
  readonly status?: HttpStatus;
  readonly response: z.ZodType;
  /** Statuses beyond the ones every route can answer (400, 401, 403). */
  readonly errors?: readonly HttpStatus[];
}

/**
 * One decorator per handler: the scope it needs, its success status and response schema, and its
 * documented errors, so the OpenAPI document and the behaviour come from the same declaration.
 */
export function Route(options: RouteOptions): MethodDecorator {
  const status = options.status ?? HttpStatus.OK;
  const errors = [
    HttpStatus.BAD_REQUEST,
    HttpStatus.UNAUTHORIZED,
    HttpStatus.FORBIDDEN,
    ...(options.errors ?? []),
  ];
  return applyDecorators(
    RequireScope(options.scope),
    // Machine-readable for clients and for the generated bad-input suite's 401/403 checks.
    ApiExtension('x-required-scope', options.scope),
    ApiOperation({
      summary: options.summary,
      description: `${options.description ?? ''}\n\nNeeds scope \`${options.scope}\`.`.trim(),
    }),
    HttpCode(status),
    ApiResponse({ status, standardSchema: options.response, description: 'Success.' }),
    ...errors.map((s) =>
      ApiResponse({
        status: s,
        standardSchema: ErrorBody,
        description: ERROR_DESCRIPTIONS[s] ?? '',
      }),
    ),
  );
}
