import { z } from 'zod';

/**
 * What kind of failure this is; users see it next to the record, operators alert on it.
 * `transient` and `rate_limit` are retried with backoff; `programming` (our bug) never is.
 */
export const SyncErrorCategory = z.enum([
  'association',
  'validation',
  'duplicate',
  'permission',
  'property_value',
  'rate_limit',
  'transient',
  'programming',
]);
export type SyncErrorCategory = z.infer<typeof SyncErrorCategory>;

/** The serialisable form of a `SyncError` (command results, decisions, stored record errors). */
export const SyncErrorData = z.object({
  code: z.string().min(1),
  category: SyncErrorCategory,
  retriable: z.boolean(),
  message: z.string(),
  /** Retry after refreshing the access token first (expired session). */
  refreshAuth: z.boolean().optional(),
  /** Server-provided wait before retrying (Retry-After), in milliseconds. */
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** Field/property the error is about, when one is. */
  field: z.string().optional(),
  /** Record ids the error names (e.g. duplicate candidates). */
  recordIds: z.array(z.string()).optional(),
});
export type SyncErrorData = z.infer<typeof SyncErrorData>;

/** A failure with its retry decision. Edges retry when `retriable`, else record it and commit. */
export class SyncError extends Error {
  readonly code: string;
  readonly category: SyncErrorCategory;
  readonly retriable: boolean;
  readonly data: SyncErrorData;

  constructor(data: SyncErrorData, options?: { cause?: unknown }) {
    super(data.message, options);
    this.name = 'SyncError';
    this.code = data.code;
    this.category = data.category;
    this.retriable = data.retriable;
    this.data = data;
  }
}

/** Only categories that can heal by waiting are retriable by default. */
export function defaultRetriable(category: SyncErrorCategory): boolean {
  return category === 'transient' || category === 'rate_limit';
}

/** Builds error data with the category's default retry decision. */
export function syncErrorData(
  code: string,
  category: SyncErrorCategory,
  message: string,
  extra: Omit<Partial<SyncErrorData>, 'code' | 'category' | 'message'> = {},
): SyncErrorData {
  return { code, category, message, retriable: defaultRetriable(category), ...extra };
}

/**
 * True only for a `SyncError` that says so. Anything else thrown is a bug or an unclassified
 * fault: retrying it forever would stall the partition, so it is not retriable.
 */
export function isRetriable(e: unknown): boolean {
  return e instanceof SyncError && e.retriable;
}

/** Wraps anything thrown into a `SyncError`; unknown throws are programming errors. */
export function toSyncError(e: unknown): SyncError {
  if (e instanceof SyncError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SyncError(syncErrorData('UNEXPECTED', 'programming', message), { cause: e });
}

// ---------------------------------------------------------------------------------------------
// Salesforce
// ---------------------------------------------------------------------------------------------

/** One entry of a Salesforce REST error body (`[{ errorCode, message, fields }]`). */
export interface SalesforceApiError {
  readonly errorCode: string;
  readonly message: string;
  readonly fields?: readonly string[];
  readonly statusCode?: number;
}

const SALESFORCE_CATEGORIES: Readonly<Record<string, SyncErrorCategory>> = {
  UNABLE_TO_LOCK_ROW: 'transient',
  SERVER_UNAVAILABLE: 'transient',
  REQUEST_RUNNING_TOO_LONG: 'transient',
  INVALID_SESSION_ID: 'transient',
  REQUEST_LIMIT_EXCEEDED: 'rate_limit',
  CONCURRENT_REQUESTS_LIMIT_EXCEEDED: 'rate_limit',
  TOO_MANY_REQUESTS: 'rate_limit',
  DUPLICATES_DETECTED: 'duplicate',
  DUPLICATE_VALUE: 'duplicate',
  DUPLICATE_EXTERNAL_ID: 'duplicate',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'validation',
  REQUIRED_FIELD_MISSING: 'validation',
  STRING_TOO_LONG: 'validation',
  FIELD_INTEGRITY_EXCEPTION: 'validation',
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: 'validation',
  INVALID_FIELD: 'validation',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'property_value',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'property_value',
  NUMBER_OUTSIDE_VALID_RANGE: 'property_value',
  INVALID_EMAIL_ADDRESS: 'property_value',
  MALFORMED_ID: 'property_value',
  INVALID_CROSS_REFERENCE_KEY: 'association',
  ENTITY_IS_DELETED: 'association',
  NOT_FOUND: 'association',
  INSUFFICIENT_ACCESS: 'permission',
  INSUFFICIENT_ACCESS_OR_READONLY: 'permission',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'permission',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'permission',
  API_DISABLED_FOR_ORG: 'permission',
  API_CURRENTLY_DISABLED: 'permission',
};

/**
 * Classifies a Salesforce REST error. Unknown codes are validation errors (not retried, shown to
 * the user with Salesforce's own message) rather than programming errors: orgs add custom codes.
 */
export function classifySalesforceError(error: SalesforceApiError): SyncError {
  const known = SALESFORCE_CATEGORIES[error.errorCode];
  const category: SyncErrorCategory =
    known ??
    (error.statusCode !== undefined && error.statusCode >= 500 ? 'transient' : 'validation');
  const field = error.fields?.[0];
  return new SyncError(
    syncErrorData(error.errorCode, category, error.message, {
      ...(error.errorCode === 'INVALID_SESSION_ID' ? { refreshAuth: true } : {}),
      ...(field === undefined ? {} : { field }),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// HubSpot
// ---------------------------------------------------------------------------------------------

/** What a HubSpot error response gives us: the HTTP status and the JSON body's fields. */
export interface HubSpotApiError {
  readonly status: number;
  readonly message: string;
  /** Body `category`: VALIDATION_ERROR, RATE_LIMITS, CONFLICT, OBJECT_NOT_FOUND, … */
  readonly category?: string;
  /** Codes of the body's `errors[]` (e.g. INVALID_OPTION, INVALID_INTEGER). */
  readonly errorCodes?: readonly string[];
  readonly property?: string;
  readonly retryAfterMs?: number;
}

const HUBSPOT_VALUE_CODES = new Set([
  'INVALID_OPTION',
  'INVALID_INTEGER',
  'INVALID_LONG',
  'INVALID_DOUBLE',
  'INVALID_DATE',
  'INVALID_DATETIME',
  'INVALID_BOOLEAN',
  'INVALID_EMAIL',
  'INVALID_DOMAIN',
]);

/** Classifies a HubSpot API error by status first, then by body category/codes. */
export function classifyHubSpotError(error: HubSpotApiError): SyncError {
  const valueCode = error.errorCodes?.find((c) => HUBSPOT_VALUE_CODES.has(c));
  const [code, category, refreshAuth] = ((): [string, SyncErrorCategory, boolean] => {
    if (error.status === 429 || error.category === 'RATE_LIMITS')
      return ['RATE_LIMITS', 'rate_limit', false];
    if (error.status >= 500) return [`HTTP_${error.status}`, 'transient', false];
    if (error.status === 401) return ['INVALID_AUTHENTICATION', 'transient', true];
    if (error.status === 403) return [error.category ?? 'MISSING_SCOPES', 'permission', false];
    if (error.status === 409 || error.category === 'CONFLICT')
      return ['CONFLICT', 'duplicate', false];
    if (error.status === 404 || error.category === 'OBJECT_NOT_FOUND')
      return ['OBJECT_NOT_FOUND', 'association', false];
    if (valueCode !== undefined) return [valueCode, 'property_value', false];
    return [error.category ?? `HTTP_${error.status}`, 'validation', false];
  })();
  return new SyncError(
    syncErrorData(code, category, error.message, {
      ...(refreshAuth ? { refreshAuth } : {}),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error.property === undefined ? {} : { field: error.property }),
    }),
  );
}
