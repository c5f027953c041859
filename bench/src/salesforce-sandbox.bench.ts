// Salesforce sandbox throughput: loads 200,000 accounts through jsforce's sObject Collections
// (200 per request, a few in flight), then reads them all back with SOQL autoFetch.
// Assumes apps/salesforce-sandbox/dist is built (`npx tsc -b apps/salesforce-sandbox/tsconfig.build.json`).
import jsforce from 'jsforce';
import { peakRssMb, percentiles, report } from './lib/measure.js';
import { startService } from './lib/service-process.js';

const TOTAL = Number(process.env['BENCH_ACCOUNTS'] ?? 200_000);
const BATCH = 200;
const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 4);
const PORT = Number(process.env['BENCH_PORT'] ?? 18_590);
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';

const service = await startService(
  'salesforce-sandbox',
  {
    SF_CLIENT_ID: CLIENT_ID,
    SF_CLIENT_SECRET: CLIENT_SECRET,
    SF_DAILY_API_LIMIT: '10000000',
    LOG_LEVEL: 'warn',
  },
  { port: PORT, healthPath: '/__control/health' },
);
try {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: service.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    version: '62.0',
    callOptions: { client: 'bench' },
    maxRequest: 50,
  });
  await conn.login('bench@example.com', 'bench');

  // Phase 1: load.
  const industries = ['Agriculture', 'Banking', 'Technology', 'Retail', 'Energy'];
  const insertLatencies: number[] = [];
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const start = next;
      if (start >= TOTAL) return;
      next += BATCH;
      const records = [];
      for (let i = start; i < Math.min(start + BATCH, TOTAL); i++) {
        records.push({
          Name: `Bench Company ${i}`,
          Website: `https://bench${i}.example.com`,
          Industry: industries[i % industries.length],
          BillingCity: 'Berlin',
          BillingCountry: 'Germany',
          NumberOfEmployees: i % 5000,
          HubSpot_Company_Id__c: String(1_000_000 + i),
        });
      }
      const s = performance.now();
      const results = await conn.sobject('Account').create(records, { allOrNone: true });
      insertLatencies.push(performance.now() - s);
      failures += results.filter((r) => !r.success).length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const loadSeconds = (performance.now() - t0) / 1000;
  if (failures > 0) throw new Error(`${failures} records failed to load`);
  const ip = percentiles(insertLatencies);

  // Phase 2: query everything back, page by page (2,000 per page).
  const pageLatencies: number[] = [];
  let last = performance.now();
  conn.on('response', () => undefined);
  const t1 = performance.now();
  const query = conn.query(
    'SELECT Id, Name, Website, Industry, BillingCity, SystemModstamp, HubSpot_Company_Id__c FROM Account',
  );
  let fetched = 0;
  await new Promise<void>((resolve, reject) => {
    query
      .on('fetch', () => {
        const now = performance.now();
        pageLatencies.push(now - last);
        last = now;
      })
      .on('record', () => {
        fetched++;
      })
      .on('end', () => {
        resolve();
      })
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: TOTAL + 1 });
  });
  const querySeconds = (performance.now() - t1) / 1000;
  if (fetched !== TOTAL) throw new Error(`query returned ${fetched} of ${TOTAL}`);
  const qp = percentiles(pageLatencies);

  report('salesforce-sandbox: load via sObject Collections (jsforce)', {
    records: TOTAL,
    'batch size': BATCH,
    'requests in flight': IN_FLIGHT,
    seconds: loadSeconds,
    'records/s': Math.round(TOTAL / loadSeconds),
    'request p50 ms': ip['p50'] ?? Number.NaN,
    'request p95 ms': ip['p95'] ?? Number.NaN,
    'request p99 ms': ip['p99'] ?? Number.NaN,
  });
  report('salesforce-sandbox: SOQL query with autoFetch (jsforce)', {
    records: fetched,
    'page size': 2000,
    seconds: querySeconds,
    'records/s': Math.round(fetched / querySeconds),
    'page p50 ms': qp['p50'] ?? Number.NaN,
    'page p95 ms': qp['p95'] ?? Number.NaN,
    'page p99 ms': qp['p99'] ?? Number.NaN,
  });
  report('salesforce-sandbox: process', { 'peak RSS MB': peakRssMb(service.pid) });
} finally {
  await service.stop();
}
