import { Query } from '@nestjs/common';
import { z } from 'zod';

/** A route that takes no query parameters refuses any, like an unknown body field. */
export const NoQueryParams = z.strictObject({});

/** `@NoQuery() _query: unknown` on every handler without a query schema of its own. */
export const NoQuery = (): ParameterDecorator => Query({ schema: NoQueryParams });
