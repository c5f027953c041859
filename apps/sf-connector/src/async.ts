/**
 * `signal.aborted` read through a call: TypeScript keeps a property narrowed across `await`
 * (it cannot see the abort happen meanwhile), so a re-check after an await would look dead.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Lets timers and I/O run before going on with a long synchronous loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
