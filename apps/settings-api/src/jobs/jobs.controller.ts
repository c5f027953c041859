import { Controller, Get, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/api-keys.service.js';
import { ConnectionParams } from '../connections/connection.schemas.js';
import { NoQuery } from '../http/no-query.js';
import { Route } from '../http/route.js';
import { Actions } from './actions.service.js';
import { JobList, JobListQuery, JobParams, JobView } from './job.schemas.js';
import { Jobs } from './jobs.service.js';

@ApiTags('Jobs')
@ApiBearerAuth()
@Controller('connections/:connectionId/jobs')
export class JobsController {
  constructor(
    private readonly jobs: Jobs,
    private readonly actions: Actions,
  ) {}

  @Get()
  @Route({ summary: 'List jobs, newest first', scope: 'read', response: JobList })
  list(
    @Param({ schema: ConnectionParams }) params: ConnectionParams,
    @Query({ schema: JobListQuery }) query: JobListQuery,
  ) {
    return this.jobs.list(params.connectionId, query);
  }

  @Get(':jobId')
  @Route({
    summary: 'Get a job with its progress',
    description:
      'Progress (done/total, rate, time left, state, error such as MAPPING_SYNC_LIMIT with the number left) comes from the executor.',
    scope: 'read',
    response: JobView,
    errors: [HttpStatus.NOT_FOUND],
  })
  get(@Param({ schema: JobParams }) params: JobParams, @NoQuery() _query: unknown) {
    return this.jobs.get(params.connectionId, params.jobId);
  }

  @Post(':jobId/cancel')
  @Route({
    summary: 'Cancel a job',
    description:
      'Publishes JobCancelRequested; the executor stops after its current batch and the job ends `cancelled`.',
    scope: 'write',
    status: HttpStatus.ACCEPTED,
    response: JobView,
    errors: [HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE],
  })
  cancel(
    @Param({ schema: JobParams }) params: JobParams,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.jobs.cancel(params.connectionId, params.jobId, caller.actor);
  }

  @Post(':jobId/resume')
  @Route({
    summary: 'Resume a partial, cancelled or failed job',
    description: 'Starts a new job that continues after the last record the stopped one handled.',
    scope: 'write',
    status: HttpStatus.ACCEPTED,
    response: JobView,
    errors: [HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE],
  })
  resume(
    @Param({ schema: JobParams }) params: JobParams,
    @Caller() caller: Principal,
    @NoQuery() _query: unknown,
  ) {
    return this.actions.resume(params.connectionId, params.jobId, caller.actor);
  }
}
