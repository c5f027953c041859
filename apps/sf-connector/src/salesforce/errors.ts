import { backoffDelay } from '@crm-sync/connector-kit';
import {
  classifySalesforceError,
  SyncError,
  syncErrorData,
  type SyncErrorData,
} from '@crm-sync/domain';
import type { RetrySettings } from '../config.js';

/** One error entry of a save result (sObject Collections): `{ statusCode, message, fields }`. */
export interface SaveError {
  readonly statusCode?: string;
  readonly errorCode?: string;
  readonly message?: string;
  readonly fields?: readonly string[];
}

/** Classifies the first error of a failed save result (Salesforce lists the cause first). */
export function saveErrorOf(errors: readonly SaveError[]): SyncError {
  const first = errors[0];
  if (first === undefined) {
    return new SyncError(
      syncErrorData('UNKNOWN_SAVE_ERROR', 'transient', 'save failed without an error'),
    );
  }
  return classifySalesforceError({
    errorCode: first.statusCode ?? first.errorCode ?? 'UNKNOWN_ERROR',
    message: first.message ?? '',
    ...(first.fields === undefined ? {} : { fields: first.fields }),
  });
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** OAuth token endpoint errors (`{ error, error_description }`), by jsforce's error name. */
const OAUTH_ERRORS = new Set([
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'unsupported_grant_type',
  'invalid_request',
  'inactive_user',
  'inactive_org',
]);

/**
 * Turns whatever a jsforce call threw into a `SyncError` with a retry decision:
 * REST errors (`HttpApiError`: `errorCode` + message) by `classifySalesforceError`, bare HTTP
 * failures by status, network failures as transient, OAuth refusals as permission errors (a
 * person must fix the credentials), anything else as our bug.
 */
export function syncErrorOf(e: unknown): SyncError {
  if (e instanceof SyncError) return e;
  const err = e as { name?: unknown; errorCode?: unknown; message?: unknown; cause?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (typeof err.errorCode === 'string') {
    const http = /^ERROR_HTTP_(\d{3})$/.exec(err.errorCode);
    if (http) return httpError(Number(http[1]), message);
    if (err.errorCode === 'MULTIPLE_CHOICES') {
      return new SyncError(syncErrorData('DUPLICATE_EXTERNAL_ID', 'duplicate', message));
    }
    return classifySalesforceError({ errorCode: err.errorCode, message });
  }
  if (typeof err.name === 'string' && OAUTH_ERRORS.has(err.name)) {
    return new SyncError(syncErrorData(`OAUTH_${err.name.toUpperCase()}`, 'permission', message));
  }
  if (isNetworkError(e)) {
    return new SyncError(syncErrorData('NETWORK_ERROR', 'transient', message), { cause: e });
  }
  return new SyncError(syncErrorData('UNEXPECTED', 'programming', message), { cause: e });
}

function httpError(status: number, message: string): SyncError {
  const code = `HTTP_${status}`;
  if (status === 429) return new SyncError(syncErrorData(code, 'rate_limit', message));
  if (status >= 500) return new SyncError(syncErrorData(code, 'transient', message));
  if (status === 401) {
    return new SyncError(syncErrorData(code, 'transient', message, { refreshAuth: true }));
  }
  return new SyncError(syncErrorData(code, 'validation', message));
}

function isNetworkError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const x = cur as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && NETWORK_CODES.has(x.code)) return true;
    if (x.name === 'AbortError' || x.name === 'TimeoutError') return true;
    cur = x.cause;
  }
  return e instanceof TypeError && e.message === 'fetch failed';
}

export function isLimitExceeded(e: SyncError): boolean {
  return e.category === 'rate_limit';
}

/**
 * What to do about a failed write of one record:
 * - `wait-budget`: REQUEST_LIMIT_EXCEEDED and friends: stop spending, wait for the budget, try
 *   again; never a failed record, however long it takes;
 * - `retry`: transient (UNABLE_TO_LOCK_ROW, 5xx, network) with backoff while attempts last;
 * - `fail`: validation, duplicate rules, permissions, values: Salesforce will say the same
 *   again, so the result says why and nothing is retried blindly.
 */
export type RecordAction =
  | { readonly kind: 'wait-budget' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'fail'; readonly error: SyncErrorData };

export function recordAction(
  error: SyncError,
  attempt: number,
  retry: RetrySettings,
  random: () => number = Math.random,
): RecordAction {
  if (error.category === 'rate_limit') return { kind: 'wait-budget' };
  if (error.retriable && attempt < retry.maxAttempts) {
    return { kind: 'retry', delayMs: backoffDelay(attempt, retry, random) };
  }
  return { kind: 'fail', error: error.data };
}

/**
 * What to do when a whole request failed (no per-record results): the records did nothing
 * wrong, so transient faults and spent budgets are waited out without limit (the batch is
 * released on shutdown and redelivered); anything else is the records' answer.
 */
export type RequestAction =
  | { readonly kind: 'wait-budget' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'fail'; readonly error: SyncErrorData };

export function requestAction(
  error: SyncError,
  attempt: number,
  retry: RetrySettings,
  random: () => number = Math.random,
): RequestAction {
  if (error.category === 'rate_limit') return { kind: 'wait-budget' };
  if (error.retriable) {
    return { kind: 'retry', delayMs: backoffDelay(attempt, retry, random) };
  }
  return { kind: 'fail', error: error.data };
}

/**
 * Runs one Salesforce call until it succeeds: spent budgets and transient faults are waited out
 * (`requestAction`), other errors are thrown at once. `bounded` gives up after the configured
 * attempts (callers that must not block a partition); the signal ends the waiting on shutdown.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  o: {
    readonly retry: RetrySettings;
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    readonly signal?: AbortSignal | undefined;
    readonly bounded: boolean;
    readonly onRetry?: (error: SyncError, attempt: number) => void;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      o.signal?.throwIfAborted();
      const error = syncErrorOf(e);
      const action = requestAction(error, attempt, o.retry);
      if (action.kind === 'fail' || (o.bounded && attempt >= o.retry.maxAttempts)) throw error;
      o.onRetry?.(error, attempt);
      if (action.kind === 'retry') await o.sleep(action.delayMs, o.signal);
    }
  }
}
