// Benchmark: the whole pipeline. N Salesforce accounts that exist before company sync was on are
// imported (sf-connector snapshot → sync-rules → hs-connector batch upserts → HubSpot sandbox),
// then single-account changes measure the streaming latency from the Salesforce write to the
// HubSpot company updated. Every service runs as its own process (libs/testing startSystem).
//
//   npx tsc -b bench/tsconfig.build.json && node bench/dist/pipeline.bench.js
//   BENCH_ACCOUNTS=200000 (default 20,000), BENCH_HUBSPOT_LIMIT=190 (per 10 s; default off),
//   BENCH_CHANGES=100 (latency samples)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSystem, waitFor } from '@crm-sync/testing';
import { metricByLabel, metricTotal, peakRssMb, percentiles, report } from './lib/measure.js';

const N = Number(process.env['BENCH_ACCOUNTS'] ?? 20_000);
const LIMIT = process.env['BENCH_HUBSPOT_LIMIT'];
const CHANGES = Number(process.env['BENCH_CHANGES'] ?? 100);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const C = 'bench';

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function optionalEnv(name: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: value };
}

/** hs-connector's batch upsert requests, by `/metrics`. */
const UPSERT_CALLS = /^crm_sync_api_calls_total\{.*operation="companies\.batch\.upsert"/;

async function main() {
  const system = await startSystem({
    root,
    kafkaBrokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(','),
    mongoUrl: process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27027/',
    isolate: true,
    connectionId: C,
    logDir: path.join(root, '.cache/bench/pipeline-logs'),
    logLevel: 'warn',
    env: {
      'salesforce-sandbox': { SEED_ACCOUNTS: String(N) },
      'hubspot-sandbox': { HUBSPOT_SEED: '0:0:0' },
      // Polling intervals: the services' own defaults (15 s, 60 s), as `./dev up` runs them:
      // changes arrive by push (CDC, webhooks); polls reconcile.
      'sf-connector': optionalEnv('SF_POLL_INTERVAL_MS', process.env['BENCH_SF_POLL_MS']),
      // The connector paces itself to the limits it is configured with (its defaults are a
      // Professional portal's: 190 per 10 s). With the portal's limits off, so are its own:
      // otherwise "limits off" would measure the connector's default pacing.
      'hs-connector': {
        ...optionalEnv('HUBSPOT_POLL_INTERVAL_MS', process.env['BENCH_HS_POLL_MS']),
        ...(LIMIT
          ? { HUBSPOT_LIMIT_TEN_SECONDLY: LIMIT }
          : {
              HUBSPOT_LIMIT_TEN_SECONDLY: 'off',
              HUBSPOT_LIMIT_DAILY: 'off',
              HUBSPOT_LIMIT_SEARCH_PER_SECOND: 'off',
            }),
      },
    },
  });
  const hs = system.urls['hubspot-sandbox'];
  const sf = system.urls['salesforce-sandbox'];
  const api = system.urls['settings-api'];
  const auth = { authorization: `Bearer ${system.adminKey}`, 'content-type': 'application/json' };
  /** sync-rules' consumer lag per group, as the connection status reports it. */
  const consumerLag = async () =>
    (
      await json<{ lag: { groups: { groupId: string; messages: number | null }[] } }>(
        `${api}/connections/${C}/status`,
        { headers: auth },
      )
    ).lag.groups;
  // BENCH_TRACE=1: every second, consumer lag per group (and what the phase waits for).
  let tracedAt = 0;
  const trace = async (what: string) => {
    if (!process.env['BENCH_TRACE'] || performance.now() - tracedAt < 1_000) return;
    tracedAt = performance.now();
    const groups = (await consumerLag()).map((g) => `${g.groupId}=${String(g.messages)}`).join(' ');
    // hs-connector's side: upserts sent so far and its command lag (as last sampled).
    const hsUrl = system.urls['hs-connector'];
    const upserts = await metricTotal(hsUrl, UPSERT_CALLS);
    const commandLag = await metricTotal(hsUrl, /^crm_sync_consumer_lag\{.*-commands"/);
    process.stderr.write(
      `${(tracedAt / 1000).toFixed(1)} s  ${what}  upserts ${String(upserts)}  ` +
        `lag: ${groups} hs-commands=${String(commandLag)}\n`,
    );
  };
  try {
    await json(`${hs}/__control/limits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenSecondly: LIMIT ? 200 : null, daily: null, searchPerSecond: null }),
    });
    const started = performance.now();
    const job = await json<{ jobId: string }>(`${api}/connections/${C}/imports`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    let importedAt = 0;
    await waitFor(
      async () => {
        const { companies } = await json<{ companies: number }>(`${hs}/__control/health`);
        if (importedAt === 0) {
          const j = await json<{ state: string }>(`${api}/connections/${C}/jobs/${job.jobId}`, {
            headers: auth,
          });
          if (j.state === 'completed') importedAt = performance.now();
        }
        await trace(`${String(companies)} companies`);
        return companies >= N;
      },
      { timeoutMs: 3_600_000, intervalMs: 200, description: `${String(N)} companies in HubSpot` },
    );
    const linkedAt = performance.now();
    const seconds = (linkedAt - started) / 1000;
    const upserts = await metricTotal(system.urls['hs-connector'], UPSERT_CALLS);
    // Every request spends the same budget: reads (of webhook touches our writes did not make,
    // and the reconciliation polls') compete with the upserts for the ceiling.
    const requests = await metricTotal(system.urls['hs-connector'], /^crm_sync_api_calls_total\{/);
    const requestsByOperation = await metricByLabel(
      system.urls['hs-connector'],
      /^crm_sync_api_calls_total\{/,
      'operation',
    );

    // Latency is measured at steady state: once the settings API shows every pair linked and
    // every company known (sync-rules has digested the command results and the companies'
    // creation echoes), and its read model has caught up (below).
    type Status = {
      counts: {
        linked: number;
        failingRecords: number;
        known: { accounts: number; companies: number };
      };
      errorsByCategory: Record<string, number>;
    };
    const status = await waitFor(
      async () => {
        const now = await json<Status>(`${api}/connections/${C}/status`, { headers: auth });
        await trace(`${JSON.stringify(now.counts)} ${JSON.stringify(now.errorsByCategory)}`);
        return now.counts.linked >= N && now.counts.known.companies >= N && now;
      },
      {
        timeoutMs: 600_000,
        intervalMs: 250,
        description: 'every pair linked and every company known in the status',
      },
    );
    const settledAt = performance.now();
    process.stderr.write(
      `import: all companies in HubSpot at ${seconds.toFixed(1)} s, settled at ${((settledAt - started) / 1000).toFixed(1)} s\n`,
    );
    // The read model (each record's status and history in MongoDB) trails the engine under load
    // and catches up: until its consumer group has no lag. The latency phase starts after it.
    await waitFor(
      async () =>
        (await consumerLag()).find((g) => g.groupId.endsWith('-read-model'))?.messages === 0,
      { timeoutMs: 3_600_000, intervalMs: 1_000, description: 'the read model caught up' },
    );
    const readModelAt = performance.now();
    process.stderr.write(
      `read model caught up at ${((readModelAt - started) / 1000).toFixed(1)} s\n`,
    );
    // Failures are part of the figures: a few of them, as the settings API lists them.
    const errorSample =
      status.counts.failingRecords === 0
        ? []
        : (
            await json<{ items: { system: string; code: string; message: string }[] }>(
              `${api}/connections/${C}/sync-errors?limit=3`,
              { headers: auth },
            )
          ).items.map((e) => `${e.system} ${e.code}: ${e.message}`);
    // The latency probe reads HubSpot every 5 ms: with the portal's limit on, those reads would
    // spend the budget the connector paces itself to, and be refused. The connector keeps its
    // own limit (HUBSPOT_LIMIT_TEN_SECONDLY).
    if (LIMIT) {
      await json(`${hs}/__control/limits`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenSecondly: null, daily: null, searchPerSecond: null }),
      });
    }

    // Streaming latency: one account change at a time, until its company shows the new name.
    const token = await json<{ access_token: string; instance_url: string }>(
      `${sf}/services/oauth2/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'sandbox-client-id',
          client_secret: 'sandbox-client-secret',
        }),
      },
    );
    const data = `${token.instance_url}/services/data/v62.0`;
    const sfAuth = {
      authorization: `Bearer ${token.access_token}`,
      'content-type': 'application/json',
    };
    const accounts = await json<{ records: { Id: string }[] }>(
      `${data}/query?q=${encodeURIComponent(`SELECT Id FROM Account LIMIT ${CHANGES}`)}`,
      { headers: sfAuth },
    );
    const hsAuth = { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' };
    const latencies: number[] = [];
    for (const [i, { Id }] of accounts.records.entries()) {
      const found = await json<{ results: { id: string }[] }>(
        `${hs}/crm/v3/objects/companies/search`,
        {
          method: 'POST',
          headers: hsAuth,
          body: JSON.stringify({
            filterGroups: [
              { filters: [{ propertyName: 'salesforceaccountid', operator: 'EQ', value: Id }] },
            ],
          }),
        },
      );
      const companyId = found.results[0]?.id;
      if (!companyId) continue;
      const name = `Latency ${i} ${Date.now()}`;
      const t0 = performance.now();
      await fetch(`${data}/sobjects/Account/${Id}`, {
        method: 'PATCH',
        headers: sfAuth,
        body: JSON.stringify({ Name: name }),
      });
      await waitFor(
        async () =>
          (
            await json<{ properties: Record<string, string> }>(
              `${hs}/crm/v3/objects/companies/${companyId}?properties=name`,
              { headers: hsAuth },
            )
          ).properties['name'] === name,
        { timeoutMs: 30_000, intervalMs: 5, description: `the new name of ${Id} in HubSpot` },
      );
      latencies.push(performance.now() - t0);
      const took = latencies.at(-1) ?? 0;
      if (process.env['BENCH_TRACE'] && took > 500) {
        process.stderr.write(
          `${new Date().toISOString()} latency sample ${String(i)}: ${took.toFixed(0)} ms\n`,
        );
      }
    }
    const p = percentiles(latencies);
    const figures: Record<string, string | number> = {
      accounts: N,
      'HubSpot limit (requests / 10 s)': LIMIT ?? 'off',
      'import job done (s)': importedAt === 0 ? 'n/a' : (importedAt - started) / 1000,
      'all companies in HubSpot (s)': seconds,
      'settled: all linked in the status (s)': (settledAt - started) / 1000,
      'read model caught up (s)': (readModelAt - started) / 1000,
      'records/s (until all companies in HubSpot)': Math.round(N / seconds),
      ...(LIMIT
        ? {
            'share of the API ceiling (100 records per request)': `${((N / 100 / seconds / (Number(LIMIT) / 10)) * 100).toFixed(1)} %`,
          }
        : {}),
      'HubSpot batch upsert requests': upserts,
      'records per upsert request': (N / upserts).toFixed(1),
      'HubSpot requests of every kind (upserts, reads, …)': requests,
      'HubSpot requests by operation': requestsByOperation,
      'failing records at settle': status.counts.failingRecords,
      'errors by category at settle':
        Object.entries(status.errorsByCategory)
          .map(([category, n]) => `${category} ${String(n)}`)
          .join(', ') || 'none',
      ...(errorSample.length > 0 ? { 'sample of the errors': errorSample.join(' | ') } : {}),
      'latency samples': latencies.length,
      'latency p50 (ms)': Math.round(p['p50'] ?? 0),
      'latency p95 (ms)': Math.round(p['p95'] ?? 0),
      'latency p99 (ms)': Math.round(p['p99'] ?? 0),
    };
    for (const [name, pid] of Object.entries(system.pids)) {
      figures[`peak RSS ${name} (MB)`] = peakRssMb(pid);
    }
    report(
      `pipeline: import of ${N.toLocaleString('en-US')} Salesforce accounts into HubSpot`,
      figures,
    );
  } finally {
    // Isolated: stopping also deletes the run's topics and database.
    await system.stop();
  }
}

await main();
