// `./dev up`: the whole system on embedded defaults, as local processes.
// Starts Kafka and FerretDB (tools/infra), builds the workspace, runs both CRM sandboxes and the
// four services with their logs under .cache/up/logs, waits until each is healthy, prints where
// everything is, and on Ctrl-C stops the services (consumers drain), then the infrastructure.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const logDir = path.join(root, '.cache/up/logs');
const HEALTH_POLL_MS = 200;
const HEALTH_TIMEOUT_MS = 60_000;

/** Processes in start order; they stop in reverse. Ports match libs/runtime DEFAULT_PORTS. */
const PROCESSES = [
  {
    name: 'salesforce-sandbox',
    port: 18510,
    health: '/__control/health',
    env: { SEED_ACCOUNTS: '50', SEED_CONTACTS: '120', SEED_LEADS: '30' },
  },
  {
    name: 'hubspot-sandbox',
    port: 18520,
    health: '/__control/health',
    env: {
      HUBSPOT_SEED: '42:20:60',
      // Signed deliveries to hs-connector, with the sandbox's default client secret.
      HUBSPOT_WEBHOOK_TARGET_URL: 'http://127.0.0.1:18420/webhooks/hubspot',
    },
  },
  { name: 'sync-rules', port: 18430, health: '/health', env: {} },
  { name: 'sf-connector', port: 18410, health: '/health', env: {} },
  {
    name: 'hs-connector',
    port: 18420,
    health: '/health',
    env: { HUBSPOT_CLIENT_SECRET: 'sandbox-client-secret' },
  },
  { name: 'settings-api', port: 18440, health: '/health', env: {} },
];

const infra = (cmd) =>
  execFileSync('bash', [path.join(root, 'tools/infra/infra.sh'), cmd], { stdio: 'inherit' });
const log = (msg) => process.stdout.write(`» ${msg}\n`);

async function waitHealthy(p, child) {
  const url = `http://127.0.0.1:${p.port}${p.health}`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${p.name} exited (${child.exitCode}); see ${p.log}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
  throw new Error(`${p.name} not healthy at ${url} after ${HEALTH_TIMEOUT_MS} ms; see ${p.log}`);
}

const children = [];
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  log('stopping services');
  for (const { p, child } of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r();
      }, 15_000);
      child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
    log(`${p.name} stopped`);
  }
  infra('stop');
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main() {
  infra('start');
  log('building');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  mkdirSync(logDir, { recursive: true });
  const env = {
    ...process.env,
    KAFKA_BROKERS: '127.0.0.1:19092',
    MONGO_URL: 'mongodb://127.0.0.1:27027/',
  };
  for (const p of PROCESSES) {
    const entry = path.join(root, 'apps', p.name, 'dist/main.js');
    if (!existsSync(entry)) {
      log(`${p.name}: not built yet, skipped`);
      continue;
    }
    p.log = path.join(logDir, `${p.name}.log`);
    const out = createWriteStream(p.log, { flags: 'a' });
    const child = spawn(process.execPath, [entry], {
      env: { ...env, ...p.env, PORT: String(p.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    children.push({ p, child });
    child.once('exit', (code) => {
      if (!stopping) log(`${p.name} exited with ${code}; see ${p.log}`);
    });
  }
  await Promise.all(children.map(({ p, child }) => waitHealthy(p, child)));
  process.stdout.write('\ncrm-sync is running (Ctrl-C stops everything):\n');
  for (const { p } of children) {
    process.stdout.write(
      `  ${p.name.padEnd(20)} http://127.0.0.1:${p.port}   log ${path.relative(root, p.log)}\n`,
    );
  }
  process.stdout.write(
    `  ${'kafka'.padEnd(20)} 127.0.0.1:19092\n  ${'mongodb (FerretDB)'.padEnd(20)} mongodb://127.0.0.1:27027/\n`,
  );
}

main().catch(async (e) => {
  process.stderr.write(`up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  await stopAll(1);
});
