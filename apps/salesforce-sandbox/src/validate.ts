import { SfError } from './errors.js';
import { normalizeId } from './ids.js';
import { scalarText } from './scalar.js';
import { resolveType, type FieldDef, type ObjectSchema, type SObjectType } from './schema.js';
import { isDate, parseDateTime, sfDateTime } from './time.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TEXT_TYPES = new Set([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'email',
  'phone',
  'url',
  'combobox',
  'encryptedstring',
]);

export type Mode = 'create' | 'update';

/** Checks a referenced record: undefined when fine, else the error. */
export type ReferenceCheck = (
  type: SObjectType,
  id: string,
  field: FieldDef,
) => SfError | undefined;

function jsonError(f: FieldDef, value: unknown, as: string): SfError {
  return new SfError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${as} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE'} value ${JSON.stringify(value)} or request may be missing a required field`,
    [f.name],
  );
}

/**
 * Validates a create/update body against the schema and returns the values to store, keyed by
 * canonical field names. Throws the first problem as Salesforce reports it.
 */
export function validateInput(
  schema: ObjectSchema,
  input: Readonly<Record<string, unknown>>,
  mode: Mode,
  checkReference: ReferenceCheck,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const key of Object.keys(input)) {
    if (key === 'attributes') continue;
    const f = schema.byLower.get(key.toLowerCase());
    if (!f)
      throw new SfError(
        400,
        'INVALID_FIELD',
        `No such column '${key}' on sobject of type ${schema.name}`,
      );
    if (mode === 'create' ? !f.createable : !f.updateable) {
      readOnly.push(f.name);
      continue;
    }
    out[f.name] = coerce(f, input[key], checkReference);
  }
  if (readOnly.length > 0) {
    throw new SfError(
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return out;
}

/** Required fields missing from a full record (create) or nulled (update). */
export function checkRequired(schema: ObjectSchema, rec: Readonly<Record<string, unknown>>): void {
  const missing = schema.required
    .filter((f) => rec[f.name] === null || rec[f.name] === undefined || rec[f.name] === '')
    .map((f) => f.name);
  if (missing.length > 0) {
    throw new SfError(
      400,
      'REQUIRED_FIELD_MISSING',
      `Required fields are missing: [${missing.join(', ')}]`,
      missing,
    );
  }
}

function coerce(f: FieldDef, value: unknown, checkReference: ReferenceCheck): unknown {
  if (value === null || value === undefined || (value === '' && !TEXT_TYPES.has(f.type))) {
    if (f.type === 'boolean') return false;
    return null;
  }
  if (TEXT_TYPES.has(f.type)) {
    const s = scalarText(value);
    if (s === undefined) throw jsonError(f, value, 'String');
    if (s === '') return null;
    if (f.length !== undefined && f.length > 0 && s.length > f.length) {
      throw new SfError(
        400,
        'STRING_TOO_LONG',
        `${f.label}: data value too large: ${s.length > 80 ? `${s.slice(0, 80)}...` : s} (max length=${f.length})`,
        [f.name],
      );
    }
    if (f.type === 'email' && !EMAIL_RE.test(s)) {
      throw new SfError(400, 'INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [
        f.name,
      ]);
    }
    if (f.type === 'picklist' && f.restrictedPicklist && f.picklistSet && !f.picklistSet.has(s)) {
      throw new SfError(
        400,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${f.label}: bad value for restricted picklist field: ${s}`,
        [f.name],
      );
    }
    return s;
  }
  switch (f.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw jsonError(f, value, 'boolean');
    case 'int': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isInteger(n)) throw jsonError(f, value, 'int');
      return n;
    }
    case 'double':
    case 'currency':
    case 'percent': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n)) throw jsonError(f, value, 'double');
      return n;
    }
    case 'date':
      if (typeof value !== 'string' || !isDate(value.slice(0, 10)))
        throw jsonError(f, value, 'date');
      return value.slice(0, 10);
    case 'datetime': {
      const ms = typeof value === 'string' ? parseDateTime(value) : Number.NaN;
      if (Number.isNaN(ms)) throw jsonError(f, value, 'datetime');
      return sfDateTime(ms);
    }
    case 'reference': {
      if (typeof value !== 'string') throw jsonError(f, value, 'String');
      const id = normalizeId(value);
      if (!id)
        throw new SfError(400, 'MALFORMED_ID', `${f.label}: id value of incorrect type: ${value}`, [
          f.name,
        ]);
      const target = f.referenceTo?.map((t) => resolveType(t)).find((t) => t !== undefined);
      if (target) {
        const err = checkReference(target, id, f);
        if (err) throw err;
      }
      return id;
    }
    default:
      throw new SfError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${f.name}.`,
        [f.name],
      );
  }
}
