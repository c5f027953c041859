import { BadRequestException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { createLogger } from '@crm-sync/runtime';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorFilter } from './error.filter.js';
import { conflict, unavailable, type ErrorBody } from './errors.js';

/** What the filter replied, and the log lines it wrote. */
let replies: { body: ErrorBody; status: number }[];
let logs: { level: string; msg: string; error?: { message?: string }; reason?: string }[];
let filter: ErrorFilter;
const RESPONSE = {};
const host = {
  switchToHttp: () => ({ getResponse: () => RESPONSE }),
} as unknown as ArgumentsHost;

beforeEach(() => {
  replies = [];
  logs = [];
  const adapterHost = {
    httpAdapter: {
      reply: (response: unknown, body: ErrorBody, status: number) => {
        expect(response).toBe(RESPONSE);
        replies.push({ body, status });
      },
    },
  } as unknown as HttpAdapterHost;
  const logger = createLogger('test', {
    level: 'debug',
    write: (line) => logs.push(JSON.parse(line) as (typeof logs)[number]),
  });
  filter = new ErrorFilter(adapterHost, logger);
});

function rendered(exception: unknown): { body: ErrorBody; status: number } {
  filter.catch(exception, host);
  const reply = replies.at(-1);
  if (reply === undefined) throw new Error('no reply');
  return reply;
}

describe('ErrorFilter', () => {
  it('renders our 4xx with its message and details, and logs nothing', () => {
    const r = rendered(conflict('company sync is off', { code: 'SYNC_DISABLED' }));
    expect(r).toEqual({
      status: 409,
      body: {
        statusCode: 409,
        error: 'Conflict',
        message: 'company sync is off',
        details: { code: 'SYNC_DISABLED' },
      },
    });
    expect(logs).toEqual([]);
  });

  it("renders Nest's own 4xx, joining a list of messages on one bounded line", () => {
    const r = rendered(new BadRequestException(['name is required', 'x'.repeat(2_000)]));
    expect(r.status).toBe(400);
    expect(r.body.message.startsWith('name is required; xxx')).toBe(true);
    expect(r.body.message).toHaveLength(1000);
    expect(r.body.details).toBeUndefined();
  });

  it('passes a 503 we raised on purpose to the caller, and warns', () => {
    const r = rendered(unavailable('Kafka did not take the command; nothing was changed'));
    expect(r).toEqual({
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Kafka did not take the command; nothing was changed',
      },
    });
    expect(logs).toMatchObject([{ level: 'warn', msg: 'request failed', reason: r.body.message }]);
  });

  it('hides anything unexpected behind a plain 500, and logs it whole', () => {
    const r = rendered(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(r).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error; it has been logged.',
      },
    });
    expect(logs).toMatchObject([
      {
        level: 'error',
        msg: 'unexpected error while handling a request',
        error: { message: "Cannot read properties of undefined (reading 'secret')" },
      },
    ]);
  });
});
