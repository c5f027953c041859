import { describe, expect, it } from '@jest/globals';
import {
  classifyHubSpotError,
  classifySalesforceError,
  isRetriable,
  SyncError,
  syncErrorData,
  toSyncError,
} from './sync-error.js';

describe('classifySalesforceError', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW', 'transient', true],
    ['REQUEST_LIMIT_EXCEEDED', 'rate_limit', true],
    ['DUPLICATES_DETECTED', 'duplicate', false],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'validation', false],
    ['REQUIRED_FIELD_MISSING', 'validation', false],
    ['STRING_TOO_LONG', 'validation', false],
    ['INSUFFICIENT_ACCESS_OR_READONLY', 'permission', false],
    ['INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'permission', false],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'property_value', false],
    ['INVALID_CROSS_REFERENCE_KEY', 'association', false],
    ['SOMETHING_NEW', 'validation', false],
  ] as const)('%s → %s, retriable %s', (errorCode, category, retriable) => {
    const e = classifySalesforceError({ errorCode, message: 'm', fields: ['Name'] });
    expect(e).toMatchObject({ code: errorCode, category, retriable, message: 'm' });
    expect(e.data.field).toBe('Name');
    expect(isRetriable(e)).toBe(retriable);
  });

  it('INVALID_SESSION_ID is retried after a token refresh', () => {
    expect(
      classifySalesforceError({ errorCode: 'INVALID_SESSION_ID', message: 'Session expired' }).data,
    ).toEqual({
      code: 'INVALID_SESSION_ID',
      category: 'transient',
      retriable: true,
      message: 'Session expired',
      refreshAuth: true,
    });
  });

  it('an unknown code on a 5xx is transient', () => {
    expect(
      classifySalesforceError({ errorCode: 'WHATEVER', message: 'x', statusCode: 503 }).category,
    ).toBe('transient');
  });
});

describe('classifyHubSpotError', () => {
  it.each([
    [
      { status: 429, message: 'm', category: 'RATE_LIMITS', retryAfterMs: 1000 },
      'RATE_LIMITS',
      'rate_limit',
      true,
    ],
    [{ status: 502, message: 'm' }, 'HTTP_502', 'transient', true],
    [{ status: 401, message: 'm' }, 'INVALID_AUTHENTICATION', 'transient', true],
    [{ status: 403, message: 'm' }, 'MISSING_SCOPES', 'permission', false],
    [{ status: 409, message: 'm', category: 'CONFLICT' }, 'CONFLICT', 'duplicate', false],
    [{ status: 404, message: 'm' }, 'OBJECT_NOT_FOUND', 'association', false],
    [
      {
        status: 400,
        message: 'm',
        category: 'VALIDATION_ERROR',
        errorCodes: ['INVALID_OPTION'],
        property: 'industry',
      },
      'INVALID_OPTION',
      'property_value',
      false,
    ],
    [
      { status: 400, message: 'm', category: 'VALIDATION_ERROR' },
      'VALIDATION_ERROR',
      'validation',
      false,
    ],
    [{ status: 400, message: 'm' }, 'HTTP_400', 'validation', false],
  ] as const)('%j → %s', (error, code, category, retriable) => {
    expect(classifyHubSpotError(error)).toMatchObject({ code, category, retriable });
  });

  it('keeps Retry-After, the property and the refresh hint', () => {
    expect(
      classifyHubSpotError({ status: 429, message: 'm', retryAfterMs: 1000 }).data.retryAfterMs,
    ).toBe(1000);
    expect(
      classifyHubSpotError({
        status: 400,
        message: 'm',
        errorCodes: ['INVALID_OPTION'],
        property: 'industry',
      }).data.field,
    ).toBe('industry');
    expect(classifyHubSpotError({ status: 401, message: 'm' }).data.refreshAuth).toBe(true);
  });
});

describe('isRetriable and toSyncError', () => {
  it('never retries what is not a retriable SyncError', () => {
    expect(isRetriable(new Error('boom'))).toBe(false);
    expect(isRetriable('boom')).toBe(false);
    expect(isRetriable(new SyncError(syncErrorData('X', 'transient', 'x')))).toBe(true);
    expect(
      isRetriable(new SyncError({ ...syncErrorData('X', 'transient', 'x'), retriable: false })),
    ).toBe(false);
  });

  it('wraps unknown throws as programming errors and keeps SyncErrors', () => {
    const cause = new TypeError('undefined is not a function');
    expect(toSyncError(cause)).toMatchObject({
      code: 'UNEXPECTED',
      category: 'programming',
      retriable: false,
      message: 'undefined is not a function',
      cause,
    });
    expect(toSyncError(42).message).toBe('42');
    const e = new SyncError(syncErrorData('X', 'duplicate', 'x'));
    expect(toSyncError(e)).toBe(e);
  });
});
