import { Body, Controller, Delete, Get, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { Caller } from './api-key.guard.js';
import {
  ApiKeyList,
  ApiKeyView,
  CreateApiKeyBody,
  CreatedApiKeyView,
  KeyIdParams,
} from './api-keys.schemas.js';
import { ApiKeys, type Principal } from './api-keys.service.js';

@ApiTags('API keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Post()
  @Route({
    summary: 'Create an API key',
    description: 'The key is in the response once; only a hash of it is stored.',
    scope: 'admin',
    status: HttpStatus.CREATED,
    response: CreatedApiKeyView,
  })
  create(
    @Body({ schema: CreateApiKeyBody }) body: CreateApiKeyBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.keys.create(body.name, body.scope, caller);
  }

  @Get()
  @Route({
    summary: 'List API keys (never the keys themselves)',
    scope: 'admin',
    response: ApiKeyList,
  })
  async list(@NoQuery() _query: unknown) {
    return { items: await this.keys.list() };
  }

  @Delete(':keyId')
  @Route({
    summary: 'Revoke an API key',
    description: 'Requests with a revoked key get 401. Revoking twice is harmless.',
    scope: 'admin',
    response: ApiKeyView,
    errors: [HttpStatus.NOT_FOUND],
  })
  revoke(@Param({ schema: KeyIdParams }) params: KeyIdParams, @NoQuery() _query: unknown) {
    return this.keys.revoke(params.keyId);
  }
}
