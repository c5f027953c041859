import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { badRequest, clip } from './errors.js';

type Schema = NonNullable<ArgumentMetadata['schema']>;
type Issue = NonNullable<Awaited<ReturnType<Schema['~standard']['validate']>>['issues']>[number];

const WHERE: Readonly<Record<string, string>> = {
  body: 'request body',
  query: 'query string',
  param: 'path',
};

const MAX_ISSUES = 20;

export interface InputIssue {
  readonly location: string;
  readonly path: string;
  readonly message: string;
}

/**
 * The one place request input is validated: every `@Body`, `@Query` and `@Param` names its zod
 * schema (`@Body({ schema })`), which also documents it in the OpenAPI document. An argument
 * without a schema is refused loudly (a programming error), so nothing reaches a handler unchecked.
 * Failures are 400s listing each problem with where it is; values are never echoed back.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const where = WHERE[metadata.type];
    if (where === undefined) return value;
    const schema = metadata.schema;
    if (schema === undefined) {
      throw new Error(`a @${metadata.type} argument has no schema: every input must be validated`);
    }
    const result = await schema['~standard'].validate(value);
    if (result.issues === undefined) return result.value;
    const issues = result.issues.slice(0, MAX_ISSUES).map((i) => toIssue(metadata.type, i));
    const [first] = issues;
    const more = result.issues.length - 1;
    const summary = first
      ? `${first.path === '' ? '' : `${first.path}: `}${first.message}`
      : 'invalid value';
    throw badRequest(
      `Invalid ${where}: ${summary}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`,
      { issues },
    );
  }
}

function toIssue(location: string, issue: Issue): InputIssue {
  const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
  return { location, path: clip(path, 200), message: clip(issue.message, 300) };
}
