import { SfError } from './errors.js';
import { fieldValue, recordUrl, type Rec } from './soql/compile.js';
import type { FieldDef, ObjectSchema } from './schema.js';

/** A record in the REST shape: `attributes`, then the fields (all of them, or the requested ones). */
export function toRest(
  schema: ObjectSchema,
  rec: Rec,
  version: string,
  fields?: readonly FieldDef[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: schema.name, url: recordUrl(schema.name, rec['Id'], version) },
  };
  for (const f of fields ?? schema.fields) out[f.name] = fieldValue(rec, schema, f);
  return out;
}

/** Parses a `fields=A,B` parameter, with Salesforce's error for unknown names. */
export function parseFieldsParam(
  schema: ObjectSchema,
  param: string | undefined,
): FieldDef[] | undefined {
  if (param === undefined || param.trim() === '') return undefined;
  const out: FieldDef[] = [];
  for (const raw of param.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const f = schema.byLower.get(name.toLowerCase());
    if (!f) {
      throw new SfError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    if (!out.includes(f)) out.push(f);
  }
  return out;
}
