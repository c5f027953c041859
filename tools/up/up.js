// `./dev up`: the whole system on embedded defaults, as local processes.
// Starts Kafka and FerretDB (tools/infra), builds the workspace, runs both CRM sandboxes (seeded
// with demo data) and the four services (libs/testing `startSystem`, the same launcher the e2e
// tests use), with a demo connection whose company sync is on. It prints where everything is,
// starts the initial import of the Salesforce accounts and shows its progress, and on Ctrl-C
// stops the services (consumers drain), then the infrastructure.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONNECTION = 'demo';
/** Fixed ports (libs/runtime DEFAULT_PORTS), so URLs are the same every time. */
const PORTS = {
  'salesforce-sandbox': 18510,
  'hubspot-sandbox': 18520,
  'sync-rules': 18430,
  'sf-connector': 18410,
  'hs-connector': 18420,
  'settings-api': 18440,
};

const infra = (cmd) =>
  execFileSync('bash', [path.join(root, 'tools/infra/infra.sh'), cmd], { stdio: 'inherit' });
const log = (msg) => process.stdout.write(`» ${msg}\n`);

let system;
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  log('stopping services');
  await system?.stop();
  infra('stop');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// The processes run in their own process groups: a closed terminal stops them through us.
process.on('SIGHUP', () => void stopAll(0));

async function main() {
  infra('start');
  log('building');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { startSystem } = await import(path.join(root, 'libs/testing/dist/index.js'));
  log('starting the sandboxes and the services');
  system = await startSystem({
    root,
    kafkaBrokers: ['127.0.0.1:19092'],
    mongoUrl: 'mongodb://127.0.0.1:27027/',
    ports: PORTS,
    connectionId: CONNECTION,
    logDir: path.join(root, '.cache/up/logs'),
    env: {
      'salesforce-sandbox': { SEED_ACCOUNTS: '50', SEED_CONTACTS: '120', SEED_LEADS: '30' },
      'hubspot-sandbox': { HUBSPOT_SEED: '42:20:60' },
      'sf-connector': { SF_POLL_INTERVAL_MS: '5000' },
      // Webhooks carry live HubSpot changes (hs-connector registers them at start-up);
      // polling only reconciles what a delivery might have missed.
      'hs-connector': { HUBSPOT_POLL_INTERVAL_MS: String(5 * 60 * 1000) },
    },
  });
  // A process that ends on its own leaves a system that no longer syncs: say which, and stop.
  void system.exited.then(({ name, code, signal }) => {
    if (stopping) return;
    log(
      `${name} exited (${signal ?? `code ${code}`}); see ${path.relative(root, system.logs[name])}`,
    );
    void stopAll(1);
  });
  const api = system.urls['settings-api'];
  process.stdout.write('\ncrm-sync is running (Ctrl-C stops everything):\n');
  for (const [name, url] of Object.entries(system.urls)) {
    process.stdout.write(
      `  ${name.padEnd(20)} ${url}   log ${path.relative(root, system.logs[name])}\n`,
    );
  }
  process.stdout.write(
    `  ${'kafka'.padEnd(20)} 127.0.0.1:19092\n  ${'mongodb (FerretDB)'.padEnd(20)} mongodb://127.0.0.1:27027/\n\n` +
      `  settings API docs    ${api}/docs\n` +
      `  admin API key        ${system.adminKey}   (this run only)\n` +
      `  demo connection      ${CONNECTION} (company sync on)\n\n`,
  );

  const headers = {
    authorization: `Bearer ${system.adminKey}`,
    'content-type': 'application/json',
  };
  const started = await fetch(`${api}/connections/${CONNECTION}/imports`, {
    method: 'POST',
    headers,
    body: '{}',
  });
  const job = await started.json();
  if (!started.ok) {
    log(`import not started: ${job.message ?? started.status}`);
    return;
  }
  log(`importing the Salesforce accounts (job ${job.jobId})`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (stopping) return;
    const res = await fetch(`${api}/connections/${CONNECTION}/jobs/${job.jobId}`, { headers });
    if (!res.ok) continue;
    const p = await res.json();
    const done = p.progress?.done ?? 0;
    const total = p.progress?.total ?? '?';
    const rate = p.progress?.perSecond ? `, ${p.progress.perSecond}/s` : '';
    process.stdout.write(`\r» import: ${p.state} ${done}/${total}${rate}      `);
    if (['completed', 'partial', 'failed', 'cancelled'].includes(p.state)) {
      process.stdout.write('\n');
      log(
        'the demo is live: change an account in the Salesforce sandbox or a company in the HubSpot sandbox',
      );
      return;
    }
  }
}

main().catch(async (e) => {
  process.stderr.write(`up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  await stopAll(1);
});
