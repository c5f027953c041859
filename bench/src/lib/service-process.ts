import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlagsFor, PROCESS_ENV } from '@crm-sync/runtime';
import { waitHealthy } from '@crm-sync/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  /** When its health endpoint first answered 200 (performance.now()). */
  readonly readyAt: number;
  stop(): Promise<void>;
}

/**
 * Runs a built app (`apps/<name>/dist/main.js`) as its own process, the way it runs in
 * production, and waits until its `healthPath` answers 200. Benchmarks measure it from outside.
 */
export async function startService(
  name: string,
  env: Readonly<Record<string, string>>,
  options: { readonly port: number; readonly healthPath: string; readonly timeoutMs?: number },
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeFlagsFor(name), path.join(root, 'apps', name, 'dist', 'main.js')],
    {
      env: { ...PROCESS_ENV, ...process.env, ...env, PORT: String(options.port) },
      // Service logs (stdout) only when asked for: BENCH_SERVICE_LOG_LEVEL.
      stdio: ['ignore', process.env['BENCH_SERVICE_LOG_LEVEL'] ? 'inherit' : 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitHealthy(
      name,
      child,
      url + options.healthPath,
      'its stderr',
      options.timeoutMs ?? 30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return {
    pid: child.pid,
    url,
    readyAt: performance.now(),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
