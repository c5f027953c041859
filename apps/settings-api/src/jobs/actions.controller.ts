import { Body, Controller, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { ConnectionParams } from '../connections/connection.schemas.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { Actions } from './actions.service.js';
import { ImportBody, JobView, ReplayBody, ResyncBody } from './job.schemas.js';

const STARTS_JOB = {
  scope: 'write',
  status: HttpStatus.ACCEPTED,
  response: JobView,
  errors: [HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE],
} as const;

@ApiTags('Actions')
@ApiBearerAuth()
@Controller('connections/:connectionId')
export class ActionsController {
  constructor(private readonly actions: Actions) {}

  @Post('resyncs')
  @Route({
    ...STARTS_JOB,
    summary: 'Resync a company, an account, a set of ids, or the companies matching a filter (R8)',
    description:
      'For a company: creates its Salesforce account if it has none (skipping the creation criteria, not dedupe), else pushes and pulls its mapped fields now. For an account: pulls now. Refused (409) while company sync is off.',
  })
  resync(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: ResyncBody }) body: ResyncBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.actions.resync(params.connectionId, body, caller.actor);
  }

  @Post('imports')
  @Route({
    ...STARTS_JOB,
    summary: 'Import Salesforce accounts (R3)',
    description:
      'Snapshots every account into Kafka, so accounts from before company sync was turned on sync too. Refused (409, code COMPANY_SYNC_DISABLED) while company sync is off: turn it on first.',
  })
  import(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: ImportBody }) _body: ImportBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.actions.import(params.connectionId, caller.actor);
  }

  @Post('replays')
  @Route({
    ...STARTS_JOB,
    errors: [...STARTS_JOB.errors, HttpStatus.UNPROCESSABLE_ENTITY],
    summary: 'Replay the topics from an instant',
    description:
      'Re-derives state (and applies current mappings to history) without calling Salesforce.',
  })
  replay(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Body({ schema: ReplayBody }) body: ReplayBody,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.actions.replay(params.connectionId, body, caller.actor);
  }
}
