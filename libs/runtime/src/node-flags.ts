/**
 * V8 flags the four services run with (`node <flags> apps/<name>/dist/main.js`): one list per
 * service, used by `./dev up`, the tests' and benchmarks' launchers and docker-compose.yml (a test
 * checks that the compose file agrees). They trade CPU against a resident size nearer the live
 * data:
 * - `--max-semi-space-size`: the young generation is 3 × this many MB (V8 would size it up to
 *   3 × 32 MB). Messages and rows mostly die young either way; a smaller one scavenges more often.
 *   - 8 for the settings API, 4 for sync-rules: their resident size matters more than the few per
 *     cent of CPU.
 *   - 16 for the connectors: every record they write leaves ~10 KB of garbage (the command, its
 *     request body and answer, its result), so their young generation fills every few tens of
 *     milliseconds. At 8 MB a scavenge copied the batch in flight over and over, and promoted most
 *     of it. 32 MB saved hs-connector up to a tenth of its CPU per record without limits, but
 *     cost 40–50 MB in the import, where its CPU is not what binds.
 * - `--heap-growing-percent=100`: after a full GC the old generation may grow to 2 × what
 *   survived before the next, not up to 4 ×.
 * - `--max-old-space-size=120` for sync-rules: a ceiling on its old generation. Its live heap is
 *   bounded by design (the state is in SQLite; caches and fetches have fixed bounds) at 55–85 MB
 *   under full load, but a batch in flight is promoted whole, so 2 × what survived was 150–170 MB.
 *   Under the ceiling V8 collects more often: ~10 % more CPU per event for ~120 MB less resident.
 *   A deployment whose live heap outgrows it (NODE_OPTIONS cannot raise it: the command line wins)
 *   changes this list.
 * - `--max-old-space-size=120` for hs-connector too. Its live heap (~60–90 MB in an import: the
 *   commands waiting for the HubSpot budget, two command fetches, the written-versions cache of
 *   `HUBSPOT_POLL_SKIP_WRITTEN_MAX`) is bounded the same way, and 2 × it took the process to
 *   305–346 MB. Under the ceiling: ~250 MB, for ~50 % more of its own CPU at 190 requests per
 *   10 s (the budget binds there) and ~15 % without limits. Raising the fetch bytes or the
 *   written-versions cap means raising this.
 * V8 reads these only at start (NODE_OPTIONS refuses `--heap-growing-percent`), hence flags on the
 * command line. Figures and the settings not chosen: docs/decisions.md.
 *
 * The CRM sandboxes are not services: they hold a whole org or portal in memory and run on V8's
 * defaults.
 */
const flagsWithSemiSpace = (mb: number): readonly string[] => [
  `--max-semi-space-size=${mb}`,
  '--heap-growing-percent=100',
];

export const SERVICE_NODE_FLAGS = flagsWithSemiSpace(8);

/** sync-rules' flags: a young generation of 3 × 4 MB and an old generation of at most 120 MB. */
export const SYNC_RULES_NODE_FLAGS: readonly string[] = [
  ...flagsWithSemiSpace(4),
  '--max-old-space-size=120',
];

/** The connectors' flags: as the services', with a young generation of 3 × 16 MB. */
export const CONNECTOR_NODE_FLAGS = flagsWithSemiSpace(16);

/** hs-connector's flags: the connectors', with an old generation of at most 120 MB. */
export const HS_CONNECTOR_NODE_FLAGS: readonly string[] = [
  ...CONNECTOR_NODE_FLAGS,
  '--max-old-space-size=120',
];

/** The flags one process is started with: none for a CRM sandbox. */
export function nodeFlagsFor(app: string): readonly string[] {
  if (app.endsWith('-sandbox')) return [];
  if (app === 'sync-rules') return SYNC_RULES_NODE_FLAGS;
  if (app === 'hs-connector') return HS_CONNECTOR_NODE_FLAGS;
  return app.endsWith('-connector') ? CONNECTOR_NODE_FLAGS : SERVICE_NODE_FLAGS;
}

/**
 * Environment of every process the launchers start, sandboxes included (the caller's own
 * environment overrides it). `MALLOC_MMAP_THRESHOLD_` fixes glibc's mmap threshold at its
 * default of 128 KiB: left dynamic, it rises to the size of the largest block freed (Kafka fetch
 * responses, up to 10 MiB), after which such blocks come from the heap, whose freed memory glibc
 * rarely returns. In the sync-rules bench that native remainder fell from ~110 to ~40 MB and peak
 * RSS from ~420 to ~375 MB, at the same CPU per event (docs/decisions.md).
 */
export const PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
};
