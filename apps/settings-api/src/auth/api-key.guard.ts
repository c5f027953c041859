import {
  Injectable,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HealthController } from '@crm-sync/runtime';
import type { FastifyRequest } from 'fastify';
import type { Scope } from './api-key.js';
import { ApiKeys, type Principal } from './api-keys.service.js';

/** The scope a handler needs. A handler without one needs `admin`: the guard fails closed. */
export const RequireScope = Reflector.createDecorator<Scope>();

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * Every route needs an API key (`Authorization: Bearer <key>`) with the handler's scope, except
 * the health probes, which orchestrators call without credentials. The OpenAPI document and the
 * docs UI are plain Fastify routes outside Nest's pipeline and stay public too.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getClass() === HealthController) return true;
    // Reflector types the value as present; a handler without the decorator has none.
    const declared = this.reflector.get(RequireScope, context.getHandler()) as Scope | undefined;
    const required = declared ?? 'admin';
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.keys.authenticate(request.headers.authorization);
    this.keys.authorize(principal, required);
    request.principal = principal;
    return true;
  }
}

/** The authenticated caller of this request (set by `ApiKeyGuard`). */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('Caller used on a route the API key guard did not run for');
    return principal;
  },
);
