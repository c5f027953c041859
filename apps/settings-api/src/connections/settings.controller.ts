import { Body, Controller, Get, HttpStatus, Param, Patch, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { ConnectionParams } from './connection.schemas.js';
import {
  PatchSettingsBody,
  PutSettingsBody,
  SettingsChangeView,
  SettingsView,
} from './settings.schemas.js';
import { SettingsService } from './settings.service.js';

const CHANGE_ERRORS = [
  HttpStatus.NOT_FOUND,
  HttpStatus.CONFLICT,
  HttpStatus.UNPROCESSABLE_ENTITY,
  HttpStatus.SERVICE_UNAVAILABLE,
];

@ApiTags('Settings')
@ApiBearerAuth()
@Controller('connections/:connectionId/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Route({
    summary: 'Get the settings',
    scope: 'read',
    response: SettingsView,
    errors: [HttpStatus.NOT_FOUND],
  })
  get(@Param({ schema: ConnectionParams }) params: ConnectionParams, @NoQuery() _query: unknown) {
    return this.settings.get(params.connectionId);
  }

  @Put()
  @Route({
    summary: 'Replace the settings',
    description:
      'Omitted fields take their defaults; `syncCompanies` is required. Turning company sync on records `syncEnabledAt` (server time). Publishes SettingsChanged when anything changed.',
    scope: 'write',
    response: SettingsChangeView,
    errors: CHANGE_ERRORS,
  })
  replace(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: PutSettingsBody }) body: PutSettingsBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.settings.change(params.connectionId, body, 'replace', caller.actor);
  }

  @Patch()
  @Route({
    summary: 'Change some settings',
    description:
      'Only the given fields change (`apiBudget` merges field by field). Turning company sync on records `syncEnabledAt` (server time); off clears it. Publishes SettingsChanged when anything changed.',
    scope: 'write',
    response: SettingsChangeView,
    errors: CHANGE_ERRORS,
  })
  update(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: PatchSettingsBody }) body: PatchSettingsBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.settings.change(params.connectionId, body, 'merge', caller.actor);
  }
}
