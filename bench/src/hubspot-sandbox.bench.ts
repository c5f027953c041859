// Benchmark: the HubSpot sandbox as its own process, driven by the official @hubspot/api-client.
// Phase 1 upserts N companies by salesforceaccountid in batches of 100 (a few requests in flight);
// phase 2 reads them all back with list paging (limit 100). Prints records/s, latency, peak RSS.
import { Client } from '@hubspot/api-client';
import { percentiles, peakRssMb, report } from './lib/measure.js';
import { startService } from './lib/service-process.js';

const TOTAL = Number(process.env['BENCH_RECORDS'] ?? 200_000);
const BATCH = 100;
const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 4);
const PORT = Number(process.env['BENCH_PORT'] ?? 18620);
const TOKEN = 'bench-token';

async function timed<T>(latencies: number[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  latencies.push(performance.now() - t0);
  return r;
}

async function main(): Promise<void> {
  const service = await startService(
    'hubspot-sandbox',
    {
      HUBSPOT_SANDBOX_TOKENS: TOKEN,
      HUBSPOT_LIMIT_TEN_SECONDLY: 'off',
      HUBSPOT_LIMIT_DAILY: 'off',
      HUBSPOT_LIMIT_SEARCH_PER_SECOND: 'off',
      LOG_LEVEL: 'warn',
    },
    { port: PORT, healthPath: '/__control/health' },
  );
  try {
    const client = new Client({ accessToken: TOKEN, basePath: service.url });

    // Phase 1: upsert
    const upsertLatencies: number[] = [];
    let next = 0;
    let created = 0;
    const t0 = performance.now();
    const upsertWorker = async () => {
      for (;;) {
        const start = next;
        if (start >= TOTAL) return;
        next += BATCH;
        const inputs: { id: string; idProperty: string; properties: Record<string, string> }[] = [];
        for (let i = start; i < Math.min(start + BATCH, TOTAL); i++) {
          inputs.push({
            id: `001BENCH${String(i).padStart(10, '0')}`,
            idProperty: 'salesforceaccountid',
            properties: {
              name: `Bench Company ${i}`,
              domain: `bench${i}.example.com`,
              city: 'Berlin',
              numberofemployees: String(i % 5000),
            },
          });
        }
        const r = await timed(upsertLatencies, () =>
          client.crm.companies.batchApi.upsert({ inputs }),
        );
        created += r.results.length;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, upsertWorker));
    const upsertSeconds = (performance.now() - t0) / 1000;
    if (created !== TOTAL) throw new Error(`upserted ${created} of ${TOTAL}`);

    // Phase 2: read back with list paging (sequential: each page's cursor comes from the last).
    const readLatencies: number[] = [];
    let read = 0;
    let after: string | undefined;
    const t1 = performance.now();
    for (;;) {
      const page = await timed(readLatencies, () =>
        client.crm.companies.basicApi.getPage(100, after, ['name', 'salesforceaccountid']),
      );
      read += page.results.length;
      after = page.paging?.next?.after;
      if (after === undefined) break;
    }
    const readSeconds = (performance.now() - t1) / 1000;
    if (read !== TOTAL) throw new Error(`read ${read} of ${TOTAL}`);

    const up = percentiles(upsertLatencies);
    const rd = percentiles(readLatencies);
    report(
      `hubspot-sandbox: batch upsert ${TOTAL} companies (batches of ${BATCH}, ${IN_FLIGHT} in flight)`,
      {
        'records/s': Math.round(TOTAL / upsertSeconds),
        seconds: upsertSeconds,
        requests: upsertLatencies.length,
        'latency p50 ms': up['p50'] ?? Number.NaN,
        'latency p95 ms': up['p95'] ?? Number.NaN,
        'latency p99 ms': up['p99'] ?? Number.NaN,
      },
    );
    report(`hubspot-sandbox: list paging read-back (limit 100)`, {
      'records/s': Math.round(TOTAL / readSeconds),
      seconds: readSeconds,
      requests: readLatencies.length,
      'latency p50 ms': rd['p50'] ?? Number.NaN,
      'latency p95 ms': rd['p95'] ?? Number.NaN,
      'latency p99 ms': rd['p99'] ?? Number.NaN,
    });
    report('hubspot-sandbox: process', {
      'sandbox peak RSS MB': peakRssMb(service.pid),
      'bench peak RSS MB': peakRssMb(),
    });
  } finally {
    await service.stop();
  }
}

await main();
