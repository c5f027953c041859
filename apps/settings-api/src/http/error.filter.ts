import { STATUS_CODES } from 'node:http';
import {
  Catch,
  HttpException,
  HttpStatus,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from '@crm-sync/runtime';
import { ApiError, clip, type ErrorBody } from './errors.js';

/**
 * Renders every failure as `{ statusCode, error, message, details? }`: our own `ApiError`s, Nest's
 * and Fastify's HTTP errors (bad JSON, wrong content type, unknown route, body too large) and, as
 * a 500 without internals, anything unexpected, which is logged with its stack.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = this.toBody(exception);
    const response: unknown = host.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.reply(response, body, body.statusCode);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const statusCode = exception.getStatus();
      const details = exception instanceof ApiError ? exception.details : undefined;
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: clip(messageOf(exception), 1000),
        ...(details === undefined ? {} : { details: { ...details } }),
      };
    }
    if (exception instanceof ApiError) {
      // A 5xx we raised on purpose (e.g. Kafka unavailable): its message is meant for the caller.
      this.logger.warn('request failed', {
        status: exception.getStatus(),
        reason: exception.message,
      });
      return {
        statusCode: exception.getStatus(),
        error: STATUS_CODES[exception.getStatus()] ?? 'Error',
        message: exception.message,
      };
    }
    this.logger.error('unexpected error while handling a request', { error: exception });
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'Internal server error; it has been logged.',
    };
  }
}

function messageOf(e: HttpException): string {
  const response = e.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return e.message;
}
