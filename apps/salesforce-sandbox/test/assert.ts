// Narrowing helpers for tests: a missing value fails the test with a message naming it.

/** `value` when present; otherwise the test fails with "expected <what>". */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null)
    throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}

/** The Id of a save result that should have succeeded (jsforce types `id` as optional). */
export function idOf(result: { readonly id?: string | undefined } | undefined): string {
  return must(result?.id, 'the Id of a successful save result');
}
