import { HttpException, HttpStatus } from '@nestjs/common';
import { z } from 'zod';

/** Every error response has this body, whatever failed (validation, auth, state, routing, server). */
export const ErrorBody = z
  .object({
    statusCode: z.number().int(),
    error: z.string().meta({ description: 'The HTTP status text.' }),
    message: z.string().meta({ description: 'What went wrong and, where possible, what to do.' }),
    details: z.record(z.string(), z.unknown()).optional().meta({
      description: 'Machine-readable specifics: `code`, validation `issues`, `problems`.',
    }),
  })
  .meta({ title: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export type ErrorDetails = Readonly<Record<string, unknown>>;

/** An HTTP error raised on purpose by this API; the error filter renders it as an `ErrorBody`. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message, status);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details?: ErrorDetails) =>
  new ApiError(HttpStatus.BAD_REQUEST, message, details);
export const unauthorized = (message: string) => new ApiError(HttpStatus.UNAUTHORIZED, message);
export const forbidden = (message: string, details?: ErrorDetails) =>
  new ApiError(HttpStatus.FORBIDDEN, message, details);
export const notFound = (message: string) => new ApiError(HttpStatus.NOT_FOUND, message);
export const conflict = (message: string, details?: ErrorDetails) =>
  new ApiError(HttpStatus.CONFLICT, message, details);
export const unprocessable = (message: string, details?: ErrorDetails) =>
  new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, message, details);
export const unavailable = (message: string) =>
  new ApiError(HttpStatus.SERVICE_UNAVAILABLE, message);

/** Text from a client or a library may be huge or multi-line; error bodies carry a bounded copy. */
export function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
