import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext = Readonly<Record<string, unknown>>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logs: a fixed message plus a context object, one JSON line each. Messages never
 * carry values; put record ids and offsets in the context, never secrets or payload values.
 */
export interface Logger {
  debug(msg: string, ctx?: LogContext): void;
  info(msg: string, ctx?: LogContext): void;
  warn(msg: string, ctx?: LogContext): void;
  error(msg: string, ctx?: LogContext): void;
  child(ctx: LogContext): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly clock?: () => Date;
}

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const clock = options.clock ?? (() => new Date());
  const make = (bound: LogContext): Logger => {
    const emit = (level: LogLevel, msg: string, ctx?: LogContext) => {
      if (RANK[level] < min) return;
      write(
        `${JSON.stringify({ time: clock().toISOString(), level, service, msg, ...bound, ...ctx }, errorReplacer)}\n`,
      );
    };
    return {
      debug: (m, c) => {
        emit('debug', m, c);
      },
      info: (m, c) => {
        emit('info', m, c);
      },
      warn: (m, c) => {
        emit('warn', m, c);
      },
      error: (m, c) => {
        emit('error', m, c);
      },
      child: (c) => make({ ...bound, ...c }),
    };
  };
  return make({});
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

/** Lets NestJS's own messages go through the same structured logger. */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: unknown): void {
    this.logger.info(String(message), { nest: context });
  }
  error(message: unknown, trace?: unknown, context?: unknown): void {
    this.logger.error(String(message), { nest: context, trace });
  }
  warn(message: unknown, context?: unknown): void {
    this.logger.warn(String(message), { nest: context });
  }
  debug(message: unknown, context?: unknown): void {
    this.logger.debug(String(message), { nest: context });
  }
  verbose(message: unknown, context?: unknown): void {
    this.logger.debug(String(message), { nest: context });
  }
}
