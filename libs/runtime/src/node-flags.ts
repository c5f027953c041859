/**
 * V8 flags the four services run with (`node <flags> apps/<name>/dist/main.js`): one list, used
 * by `./dev up`, the tests' and benchmarks' launchers and docker-compose.yml (a test checks that
 * the compose file agrees). They trade a little CPU for a resident size that follows the live
 * data, which the services keep small:
 * - `--max-semi-space-size=8`: a young generation of 3 × 8 MB, not up to 3 × 32 MB. Messages and
 *   rows die young either way; scavenges run more often, each as cheap.
 * - `--heap-growing-percent=50`: after a full GC the old generation may grow to 1.5 × what
 *   survived before the next, not up to 4 ×, where V8 would let garbage pile up to several times
 *   the live state of sync-rules (measured: 550–600 MB resident → 340–360 MB for 50,000 events).
 * V8 reads both only at start (NODE_OPTIONS refuses the second), hence flags on the command line.
 * Measured on the 20,000-account pipeline (sandboxes on V8's defaults), two runs each: the same
 * time to all companies (38.7–42.4 s with, 38.8–39.3 s without) and streaming latency; peak RSS
 * sync-rules 362–369 MB (536–604 without), sf-connector 263–266 (420–424), hs-connector 254–270
 * (473–515). Where a process is CPU-bound it costs some CPU: the sf-connector write bench, 59–67 →
 * 72–73 µs per record (see docs/decisions.md).
 *
 * The CRM sandboxes are not services: they hold a whole org or portal in memory, where these
 * flags would mean a full GC of it every few seconds (streaming latency p99 went from 0.3 to 3–5 s
 * when they ran with them). They run on V8's defaults.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--heap-growing-percent=50',
];

/** The flags one process is started with: the services' flags, none for a CRM sandbox. */
export function nodeFlagsFor(app: string): readonly string[] {
  return app.endsWith('-sandbox') ? [] : SERVICE_NODE_FLAGS;
}
