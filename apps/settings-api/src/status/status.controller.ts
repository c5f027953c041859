import { Body, Controller, Get, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { ConnectionParams } from '../connections/connection.schemas.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { Actions } from '../jobs/actions.service.js';
import {
  AccountParams,
  CompanyParams,
  ConnectionStatusView,
  ErrorListQuery,
  ErrorPage,
  ErrorResyncBody,
  ErrorResyncView,
  RecordStatusView,
} from './status.schemas.js';
import { StatusService } from './status.service.js';

const RECORD =
  'Its link, last sync and change times, current errors and decision history with reason codes: why it did (or did not) sync.';

@ApiTags('Status')
@ApiBearerAuth()
@Controller('connections/:connectionId')
export class StatusController {
  constructor(
    private readonly status: StatusService,
    private readonly actions: Actions,
  ) {}

  @Get('status')
  @Route({
    summary:
      'Connection status: linked / failing / excluded counts, errors by category, lag, API budget',
    scope: 'read',
    response: ConnectionStatusView,
    errors: [HttpStatus.NOT_FOUND],
  })
  connection(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @NoQuery() _query: unknown,
  ) {
    return this.status.connection(params.connectionId);
  }

  @Get('records/companies/:companyId')
  @Route({
    summary: 'Status of a HubSpot company',
    description: RECORD,
    scope: 'read',
    response: RecordStatusView,
    errors: [HttpStatus.NOT_FOUND],
  })
  company(@Param({ schema: CompanyParams }) params: CompanyParams, @NoQuery() _query: unknown) {
    return this.status.company(params.connectionId, params.companyId);
  }

  @Get('records/accounts/:accountId')
  @Route({
    summary: 'Status of a Salesforce account',
    description: RECORD,
    scope: 'read',
    response: RecordStatusView,
    errors: [HttpStatus.NOT_FOUND],
  })
  account(@Param({ schema: AccountParams }) params: AccountParams, @NoQuery() _query: unknown) {
    return this.status.account(params.connectionId, params.accountId);
  }

  @Get('sync-errors')
  @Route({
    summary: 'Current sync errors, filtered and paged',
    scope: 'read',
    response: ErrorPage,
    errors: [HttpStatus.NOT_FOUND],
  })
  errors(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Query({ schema: ErrorListQuery }) query: ErrorListQuery,
  ) {
    return this.status.errors(params.connectionId, query);
  }

  @Post('sync-errors/resync')
  @Route({
    summary: 'Resync every record whose errors match the filters',
    description: 'Starts one resync job for the companies and one for the accounts among them.',
    scope: 'write',
    status: HttpStatus.ACCEPTED,
    response: ErrorResyncView,
    errors: [HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE],
  })
  resyncErrors(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: ErrorResyncBody }) body: ErrorResyncBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.actions.resyncErrors(params.connectionId, body, caller.actor);
  }
}
