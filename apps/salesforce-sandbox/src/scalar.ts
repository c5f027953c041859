/**
 * The text of a JSON scalar as `String()` gives it (`'x'`, `'5'`, `'true'`); undefined for arrays and
 * objects, which have no text form where a field value or an Id is expected.
 */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

/**
 * The text of a JSON value where a scalar is expected: scalars as `String()` gives them, arrays and
 * objects as their JSON (which then fails the caller's own Id or value checks).
 */
export function jsonText(value: unknown): string {
  return scalarText(value) ?? JSON.stringify(value);
}
