import { describe, expect, it } from '@jest/globals';
import { SyncError, syncErrorData } from '@crm-sync/domain';
import { FakeApiError } from './in-memory.salesforce-api.js';
import { recordAction, requestAction, retrying, saveErrorOf, syncErrorOf } from './errors.js';

const RETRY = { baseMs: 100, maxMs: 1_000, maxAttempts: 3 };
const half = () => 0.5;

describe('classifying what jsforce throws', () => {
  it.each([
    ['REQUEST_LIMIT_EXCEEDED', 'rate_limit', true],
    ['INVALID_SESSION_ID', 'transient', true],
    ['UNABLE_TO_LOCK_ROW', 'transient', true],
    ['ERROR_HTTP_503', 'transient', true],
    ['ERROR_HTTP_429', 'rate_limit', true],
    ['ERROR_HTTP_400', 'validation', false],
    ['MULTIPLE_CHOICES', 'duplicate', false],
    ['INVALID_FIELD', 'validation', false],
  ])('%s → %s', (errorCode, category, retriable) => {
    const e = syncErrorOf(new FakeApiError(errorCode));
    expect([e.category, e.retriable]).toEqual([category, retriable]);
  });

  it('network failures are transient, OAuth refusals need a person, the rest is our bug', () => {
    const network = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    expect(syncErrorOf(network).category).toBe('transient');
    const oauth = Object.assign(new Error('authentication failure'), { name: 'invalid_grant' });
    expect(syncErrorOf(oauth)).toMatchObject({
      code: 'OAUTH_INVALID_GRANT',
      category: 'permission',
    });
    expect(syncErrorOf(new RangeError('bug'))).toMatchObject({
      category: 'programming',
      retriable: false,
    });
  });

  it('reads the first error of a failed save result', () => {
    const e = saveErrorOf([
      { statusCode: 'DUPLICATES_DETECTED', message: 'dup', fields: [] },
      { statusCode: 'OTHER', message: 'x' },
    ]);
    expect([e.code, e.category]).toEqual(['DUPLICATES_DETECTED', 'duplicate']);
    expect(
      saveErrorOf([{ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]).data.field,
    ).toBe('Name');
  });
});

describe('what to do about a failed record', () => {
  const err = (code: string) => syncErrorOf(new FakeApiError(code));

  it('waits for the budget on limits, however often', () => {
    expect(recordAction(err('REQUEST_LIMIT_EXCEEDED'), 99, RETRY, half)).toEqual({
      kind: 'wait-budget',
    });
  });

  it('retries locks with backoff while attempts last, then fails with the error', () => {
    expect(recordAction(err('UNABLE_TO_LOCK_ROW'), 1, RETRY, half)).toEqual({
      kind: 'retry',
      delayMs: 50,
    });
    expect(recordAction(err('UNABLE_TO_LOCK_ROW'), 2, RETRY, half)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
    expect(recordAction(err('UNABLE_TO_LOCK_ROW'), 3, RETRY, half)).toMatchObject({
      kind: 'fail',
      error: { code: 'UNABLE_TO_LOCK_ROW', retriable: true },
    });
  });

  it.each(['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'DUPLICATES_DETECTED', 'INSUFFICIENT_ACCESS'])(
    'records %s without retrying',
    (code) => {
      expect(recordAction(err(code), 1, RETRY, half)).toMatchObject({ kind: 'fail' });
    },
  );

  it('waits out transient request failures without limit; fails requests Salesforce refused', () => {
    expect(requestAction(err('ERROR_HTTP_503'), 50, RETRY, half)).toEqual({
      kind: 'retry',
      delayMs: 500,
    });
    expect(requestAction(err('REQUEST_LIMIT_EXCEEDED'), 1, RETRY, half).kind).toBe('wait-budget');
    expect(requestAction(err('INVALID_FIELD'), 1, RETRY, half).kind).toBe('fail');
  });
});

describe('retrying one call', () => {
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    return Promise.resolve();
  };

  it('retries transient faults and limits, and throws what will not heal', async () => {
    let calls = 0;
    const value = await retrying(
      () => {
        calls++;
        if (calls === 1) throw new FakeApiError('SERVER_UNAVAILABLE');
        if (calls === 2) throw new FakeApiError('REQUEST_LIMIT_EXCEEDED');
        return Promise.resolve('ok');
      },
      { retry: RETRY, sleep, bounded: true },
    );
    expect([value, calls]).toEqual(['ok', 3]);
    await expect(
      retrying(() => Promise.reject(new FakeApiError('INVALID_FIELD')), {
        retry: RETRY,
        sleep,
        bounded: false,
      }),
    ).rejects.toBeInstanceOf(SyncError);
  });

  it('gives up after the attempts when bounded', async () => {
    let calls = 0;
    await expect(
      retrying(
        () => {
          calls++;
          return Promise.reject(new SyncError(syncErrorData('X', 'transient', 'x')));
        },
        { retry: RETRY, sleep, bounded: true },
      ),
    ).rejects.toMatchObject({ code: 'X' });
    expect(calls).toBe(3);
  });
});
