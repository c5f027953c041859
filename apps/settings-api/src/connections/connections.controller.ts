import { Body, Controller, Get, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { ConnectionSetup } from './connection-setup.js';
import {
  ConnectionList,
  ConnectionParams,
  ConnectionView,
  CreateConnectionBody,
  PageQuery,
} from './connection.schemas.js';

@ApiTags('Connections')
@ApiBearerAuth()
@Controller('connections')
export class ConnectionsController {
  constructor(private readonly setup: ConnectionSetup) {}

  @Post()
  @Route({
    summary: 'Create a connection (a HubSpot portal paired with a Salesforce org)',
    description:
      'Starts with company sync off, default settings and the default field mappings. Credentials are encrypted at rest and never returned; the response says which are set.',
    scope: 'admin',
    status: HttpStatus.CREATED,
    response: ConnectionView,
    errors: [HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE],
  })
  create(
    @Body({ schema: CreateConnectionBody }) body: CreateConnectionBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.setup.create(body, caller.actor);
  }

  @Get()
  @Route({ summary: 'List connections', scope: 'read', response: ConnectionList })
  list(@Query({ schema: PageQuery }) query: PageQuery) {
    return this.setup.list(query);
  }

  @Get(':connectionId')
  @Route({
    summary: 'Get a connection',
    scope: 'read',
    response: ConnectionView,
    errors: [HttpStatus.NOT_FOUND],
  })
  get(@Param({ schema: ConnectionParams }) params: ConnectionParams, @NoQuery() _query: unknown) {
    return this.setup.get(params.connectionId);
  }
}
