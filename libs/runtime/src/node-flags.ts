/**
 * V8 flags the four services run with (`node <flags> apps/<name>/dist/main.js`): one list, used
 * by `./dev up`, the tests' and benchmarks' launchers and docker-compose.yml (a test checks that
 * the compose file agrees). They trade a little CPU for a resident size nearer the live data:
 * - `--max-semi-space-size=8`: a young generation of 3 × 8 MB, not up to 3 × 32 MB. Messages and
 *   rows mostly die young either way; scavenges run more often.
 * - `--heap-growing-percent=100`: after a full GC the old generation may grow to 2 × what
 *   survived before the next, not up to 4 ×.
 * V8 reads both only at start (NODE_OPTIONS refuses the second), hence flags on the command line.
 * Figures and the settings not chosen: docs/decisions.md.
 *
 * The CRM sandboxes are not services: they hold a whole org or portal in memory and run on V8's
 * defaults.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--heap-growing-percent=100',
];

/** The flags one process is started with: the services' flags, none for a CRM sandbox. */
export function nodeFlagsFor(app: string): readonly string[] {
  return app.endsWith('-sandbox') ? [] : SERVICE_NODE_FLAGS;
}
