/** Where the sandbox reads time from: injected so tests control timestamps and windows. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
