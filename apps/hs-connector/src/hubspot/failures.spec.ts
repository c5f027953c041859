import { describe, expect, it } from '@jest/globals';
import {
  nextUtcMidnight,
  propertyProblems,
  rateLimitAction,
  RequestTimeoutError,
  retryVerdict,
  syncErrorOf,
  toFailure,
} from './failures.js';

/** What @hubspot/api-client throws for an HTTP error answer. */
const apiException = (code: number, body: unknown) =>
  Object.assign(new Error('HTTP-Code'), { code, body, headers: {} });

const T = Date.parse('2026-03-01T12:34:56Z');

describe('toFailure', () => {
  it('reads the 429 policyName of HubSpot rate-limit bodies', () => {
    const f = toFailure(
      apiException(429, {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        groupName: 'publicapi:app:1',
      }),
    );
    expect(f).toMatchObject({ kind: 'http', status: 429, policyName: 'TEN_SECONDLY_ROLLING' });
    expect(syncErrorOf(f).data).toMatchObject({
      code: 'RATE_LIMITS',
      category: 'rate_limit',
      retriable: true,
    });
  });

  it('finds the property and code inside "Property values were not valid"', () => {
    const message =
      'Property values were not valid: [{"isValid":false,"message":"x was not one of the allowed options","error":"INVALID_OPTION","name":"industry","localizedErrorMessage":"x"}]';
    const f = toFailure(
      apiException(400, { status: 'error', category: 'VALIDATION_ERROR', message }),
    );
    expect(syncErrorOf(f).data).toMatchObject({
      code: 'INVALID_OPTION',
      category: 'property_value',
      retriable: false,
      field: 'industry',
    });
    expect(propertyProblems('something else')).toEqual([]);
  });

  it('treats timeouts and anything without an HTTP status as transient', () => {
    expect(syncErrorOf(toFailure(new RequestTimeoutError(5)))).toMatchObject({
      category: 'transient',
      retriable: true,
    });
    expect(toFailure(new TypeError('fetch failed'))).toMatchObject({ kind: 'network' });
  });
});

describe('429 policy', () => {
  it('waits out the rolling ten-second and the search per-second limits', () => {
    expect(rateLimitAction('TEN_SECONDLY_ROLLING', false, T, 1_000)).toEqual({
      kind: 'pause',
      scope: 'burst',
      untilMs: T + 1_000,
    });
    expect(rateLimitAction('SECONDLY', true, T, 200)).toEqual({
      kind: 'pause',
      scope: 'search',
      untilMs: T + 1_000,
    });
  });

  it('stops spending on the daily limit until the next midnight', () => {
    expect(rateLimitAction('DAILY', false, T, 1_000)).toEqual({
      kind: 'exhaust',
      untilMs: Date.parse('2026-03-02T00:00:00Z'),
    });
    expect(nextUtcMidnight(Date.parse('2026-03-02T00:00:00Z'))).toBe(
      Date.parse('2026-03-03T00:00:00Z'),
    );
  });

  it('retries rate limits (not the daily one), 5xx and network faults; not other 4xx', () => {
    const http = (status: number, policyName?: 'DAILY' | 'SECONDLY') => ({
      kind: 'http' as const,
      status,
      policyName,
      api: { status, message: '' },
    });
    expect(retryVerdict(http(429), 700)).toEqual({
      retry: true,
      afterMs: 700,
      reason: 'RATE_LIMIT',
    });
    expect(retryVerdict(http(429, 'SECONDLY'), 700)).toMatchObject({
      retry: true,
      reason: 'SECONDLY',
    });
    expect(retryVerdict(http(429, 'DAILY'), 700)).toEqual({ retry: false });
    expect(retryVerdict(http(503), 700)).toMatchObject({ retry: true });
    expect(retryVerdict(http(400), 700)).toEqual({ retry: false });
    expect(retryVerdict(http(409), 700)).toEqual({ retry: false });
    expect(
      retryVerdict(
        { kind: 'timeout', status: undefined, policyName: undefined, api: undefined },
        700,
      ),
    ).toMatchObject({ retry: true });
  });
});
