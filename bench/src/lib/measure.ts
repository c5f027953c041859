import { readFileSync } from 'node:fs';

/** Latency percentiles (nearest-rank) of a list of samples in milliseconds. */
export function percentiles(
  samples: readonly number[],
  ps: readonly number[] = [50, 95, 99],
): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const p of ps) {
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    out[`p${p}`] = sorted[rank - 1] ?? Number.NaN;
  }
  return out;
}

/** Peak resident set size of a process in MB, from the kernel's high-water mark (VmHWM). */
export function peakRssMb(pid: number = process.pid): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmHWM for pid ${pid}`);
  return Math.round(Number(m[1]) / 1024);
}

/**
 * CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat.
 * Less sensitive to a busy machine than wall-clock time: what the process itself spent.
 */
export function cpuSeconds(pid: number = process.pid): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`no CPU times for pid ${pid}`);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Prints one benchmark's figures as an aligned block, easy to paste into a closing note. */
export function report(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(
    ([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? formatNumber(v) : v}`,
  );
  process.stdout.write(`\n== ${title}\n${lines.join('\n')}\n`);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

/** The sum of a service's Prometheus samples (`GET <url>/metrics`) whose line matches `pattern`. */
export async function metricTotal(url: string, pattern: RegExp): Promise<number> {
  return [...(await metricSums(url, pattern, () => '')).values()].reduce((a, b) => a + b, 0);
}

/**
 * Sums of a metric's samples by one label (`label="…"` of each line that matches `pattern`),
 * largest first, as `value n, value n`.
 */
export async function metricByLabel(url: string, pattern: RegExp, label: string): Promise<string> {
  const labelled = new RegExp(`[{,]${label}="([^"]*)"`);
  const sums = await metricSums(url, pattern, (line) => labelled.exec(line)?.[1] ?? '(none)');
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .map(([value, n]) => `${value} ${String(n)}`)
    .join(', ');
}

async function metricSums(
  url: string,
  pattern: RegExp,
  keyOf: (line: string) => string,
): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !pattern.test(line)) continue;
    const key = keyOf(line);
    sums.set(key, (sums.get(key) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return sums;
}
