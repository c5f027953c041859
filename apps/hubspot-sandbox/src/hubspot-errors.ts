import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error body for CRM v3/v4 APIs (the client models it as `Error`/`ModelError`):
 * `{ status: 'error', message, correlationId, category, ... }`.
 */
export interface HubSpotErrorBody {
  readonly status: 'error';
  readonly message: string;
  readonly correlationId: string;
  readonly category?: string;
  readonly subCategory?: string;
  readonly errors?: readonly {
    message: string;
    code?: string;
    context?: Record<string, string[]>;
  }[];
  readonly context?: Record<string, string[]>;
  readonly [extra: string]: unknown;
}

/** A request the sandbox refuses: carries the HTTP status and HubSpot's body. */
export class HubSpotApiError extends Error {
  readonly body: HubSpotErrorBody;
  constructor(
    readonly statusCode: number,
    category: string,
    message: string,
    extra: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HubSpotApiError';
    this.body = { status: 'error', message, correlationId: randomUUID(), category, ...extra };
  }
}

export const validationError = (message: string, extra: Readonly<Record<string, unknown>> = {}) =>
  new HubSpotApiError(400, 'VALIDATION_ERROR', message, extra);

export const notFound = (message = 'resource not found') =>
  new HubSpotApiError(404, 'OBJECT_NOT_FOUND', message);

/** One invalid property value, in the shape HubSpot embeds in "Property values were not valid". */
export interface PropertyValueProblem {
  readonly isValid: false;
  readonly message: string;
  readonly error:
    | 'PROPERTY_DOESNT_EXIST'
    | 'INVALID_OPTION'
    | 'INVALID_INTEGER'
    | 'INVALID_LONG'
    | 'INVALID_DATE'
    | 'INVALID_BOOLEAN'
    | 'READ_ONLY_VALUE'
    | 'INVALID_EMAIL';
  readonly name: string;
  readonly localizedErrorMessage: string;
}

/**
 * HubSpot reports bad property values as one VALIDATION_ERROR whose message embeds the JSON list of
 * problems (`Property values were not valid: [{"isValid":false,...,"error":"PROPERTY_DOESNT_EXIST"}]`).
 */
export function propertyValuesError(problems: readonly PropertyValueProblem[]): HubSpotApiError {
  return validationError(`Property values were not valid: ${JSON.stringify(problems)}`);
}
