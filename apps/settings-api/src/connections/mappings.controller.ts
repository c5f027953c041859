import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { ConnectionParams } from './connection.schemas.js';
import {
  AddMappingBody,
  MappingParams,
  MappingsChangeView,
  MappingsView,
  PutMappingsBody,
} from './mappings.schemas.js';
import { MappingsService } from './mappings.service.js';

const EDIT = {
  scope: 'write',
  response: MappingsChangeView,
  errors: [
    HttpStatus.NOT_FOUND,
    HttpStatus.CONFLICT,
    HttpStatus.UNPROCESSABLE_ENTITY,
    HttpStatus.SERVICE_UNAVAILABLE,
  ],
} as const;

const RULES =
  'Refused with 409 while company sync is off, and with 422 listing every problem when a property or field is mapped twice, types are incompatible, an enumeration lacks its value map, or an engine-owned field is used. Publishes MappingsChanged with the whole set.';

@ApiTags('Field mappings')
@ApiBearerAuth()
@Controller('connections/:connectionId/mappings')
export class MappingsController {
  constructor(private readonly mappings: MappingsService) {}

  @Get()
  @Route({
    summary: 'List the field mappings',
    scope: 'read',
    response: MappingsView,
    errors: [HttpStatus.NOT_FOUND],
  })
  list(@Param({ schema: ConnectionParams }) params: ConnectionParams, @NoQuery() _query: unknown) {
    return this.mappings.get(params.connectionId);
  }

  @Put()
  @Route({
    ...EDIT,
    summary: 'Replace the field mappings',
    description: `${RULES} With applyToExisting, also starts a mass sync job (R5).`,
  })
  replace(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: PutMappingsBody }) body: PutMappingsBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.mappings.edit(
      params.connectionId,
      { kind: 'replace', mappings: body.mappings },
      body.applyToExisting,
      caller.actor,
    );
  }

  @Post()
  @Route({
    ...EDIT,
    summary: 'Add a field mapping',
    description: `${RULES} With applyToExisting, also starts a mass sync job (R5).`,
  })
  add(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: AddMappingBody }) body: AddMappingBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.mappings.edit(
      params.connectionId,
      { kind: 'add', mapping: body.mapping },
      body.applyToExisting,
      caller.actor,
    );
  }

  @Delete(':hubspotProperty')
  @Route({ ...EDIT, summary: 'Remove the mapping of a HubSpot property', description: RULES })
  remove(
    @Param({ schema: MappingParams }) params: MappingParams,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.mappings.edit(
      params.connectionId,
      { kind: 'remove', hubspotProperty: params.hubspotProperty },
      false,
      caller.actor,
    );
  }
}
