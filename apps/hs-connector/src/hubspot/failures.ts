import type { RetryVerdict } from '@crm-sync/connector-kit';
import { classifyHubSpotError, type HubSpotApiError, type SyncError } from '@crm-sync/domain';

/** HubSpot's rate-limit policies, named by the `policyName` of a 429 body. */
export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/**
 * A failed HubSpot request, normalised from whatever the client threw: an HTTP error answer
 * (the client's `ApiException`, or the batch calls' `HubSpotHttpError` of the same shape: `code`,
 * `body`, `headers`), a network fault, an answer we could not read, or our timeout.
 */
export interface HubSpotFailure {
  readonly kind: 'http' | 'network' | 'timeout';
  readonly status: number | undefined;
  readonly policyName: RateLimitPolicy | undefined;
  /** The fields `classifyHubSpotError` reads (HTTP answers only). */
  readonly api: HubSpotApiError | undefined;
}

/** Thrown by the call guard once a request has failed for good; carries the normalised failure. */
export class HubSpotRequestError extends Error {
  override readonly name = 'HubSpotRequestError';
  readonly syncError: SyncError;

  constructor(
    readonly failure: HubSpotFailure,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    const syncError = syncErrorOf(failure);
    super(`HubSpot ${operation} failed: ${syncError.message}`, options);
    this.syncError = syncError;
  }
}

/** Our own request timeout (the client has none). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly afterMs: number) {
    super(`no answer from HubSpot within ${afterMs} ms`);
  }
}

const POLICIES = new Set<string>(['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY']);

/** Normalises anything a client call threw. Unknown throws are network faults (retriable). */
export function toFailure(error: unknown): HubSpotFailure {
  if (error instanceof RequestTimeoutError) {
    return { kind: 'timeout', status: undefined, policyName: undefined, api: undefined };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code >= 100 && code < 600) {
    const body = asRecord((error as { body?: unknown }).body);
    const policy = typeof body['policyName'] === 'string' ? body['policyName'] : undefined;
    const message = typeof body['message'] === 'string' ? body['message'] : `HTTP ${code}`;
    const problems = propertyProblems(message);
    const category =
      typeof body['category'] === 'string'
        ? body['category']
        : typeof body['errorType'] === 'string'
          ? body['errorType']
          : undefined;
    const codes = [...errorCodesOf(body), ...problems.map((p) => p.error)];
    const property = problems[0]?.name;
    return {
      kind: 'http',
      status: code,
      policyName:
        policy !== undefined && POLICIES.has(policy) ? (policy as RateLimitPolicy) : undefined,
      api: {
        status: code,
        message,
        ...(category === undefined ? {} : { category }),
        ...(codes.length === 0 ? {} : { errorCodes: codes }),
        ...(property === undefined ? {} : { property }),
      },
    };
  }
  return { kind: 'network', status: undefined, policyName: undefined, api: undefined };
}

/** The domain's verdict on a failure (category, retriable, message for the user). */
export function syncErrorOf(failure: HubSpotFailure): SyncError {
  if (failure.api !== undefined) return classifyHubSpotError(failure.api);
  return classifyHubSpotError({
    status: 503,
    message:
      failure.kind === 'timeout'
        ? 'HubSpot did not answer in time'
        : 'HubSpot could not be reached',
  });
}

/** What a 429 asks of the connection's budget. */
export type RateLimitAction =
  | { readonly kind: 'pause'; readonly scope: 'burst' | 'search'; readonly untilMs: number }
  | { readonly kind: 'exhaust'; readonly untilMs: number };

/**
 * HubSpot's 429s by `policyName`: the rolling ten-second and the search per-second limits are
 * waited out (a short pause of the connection's budget, then the request is retried); the daily
 * limit stops the connection's spending until it resets (midnight; we assume UTC, the portal's
 * time zone is not in the API). A 429 without a known policy is treated as the rolling limit.
 */
export function rateLimitAction(
  policy: RateLimitPolicy | undefined,
  searchRequest: boolean,
  now: number,
  pauseMs: number,
): RateLimitAction {
  switch (policy) {
    case 'DAILY':
      return { kind: 'exhaust', untilMs: nextUtcMidnight(now) };
    case 'SECONDLY':
      return { kind: 'pause', scope: 'search', untilMs: now + Math.max(pauseMs, 1_000) };
    case 'TEN_SECONDLY_ROLLING':
    case undefined:
      return {
        kind: 'pause',
        scope: searchRequest && policy === undefined ? 'search' : 'burst',
        untilMs: now + pauseMs,
      };
  }
}

/**
 * Should the call guard try the request again? Rate limits (except the daily one), 5xx, timeouts
 * and network faults: yes, after at least the budget pause. Everything else (4xx): no, the caller
 * turns it into per-record results.
 */
export function retryVerdict(failure: HubSpotFailure, pauseMs: number): RetryVerdict {
  if (failure.status === 429) {
    if (failure.policyName === 'DAILY') return { retry: false };
    return { retry: true, afterMs: pauseMs, reason: failure.policyName ?? 'RATE_LIMIT' };
  }
  if (failure.kind !== 'http') return { retry: true, reason: failure.kind };
  if (failure.status !== undefined && failure.status >= 500)
    return { retry: true, reason: `HTTP ${failure.status}` };
  return { retry: false };
}

export function nextUtcMidnight(now: number): number {
  const day = 86_400_000;
  return (Math.floor(now / day) + 1) * day;
}

interface PropertyProblem {
  readonly name: string;
  readonly error: string;
}

/**
 * HubSpot reports bad property values as one VALIDATION_ERROR whose message embeds a JSON list
 * (`Property values were not valid: [{"isValid":false,"name":"industry","error":"INVALID_OPTION",...}]`).
 */
export function propertyProblems(message: string): PropertyProblem[] {
  const start = message.indexOf('[');
  if (!message.startsWith('Property values were not valid') || start < 0) return [];
  try {
    const list: unknown = JSON.parse(message.slice(start));
    if (!Array.isArray(list)) return [];
    return list.flatMap((p: unknown) => {
      const r = asRecord(p);
      return typeof r['name'] === 'string' && typeof r['error'] === 'string'
        ? [{ name: r['name'], error: r['error'] }]
        : [];
    });
  } catch {
    return [];
  }
}

function errorCodesOf(body: Record<string, unknown>): string[] {
  const errors = body['errors'];
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown) => {
    const code = asRecord(e)['code'];
    return typeof code === 'string' ? [code] : [];
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
