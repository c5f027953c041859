import { describe, expect, it } from '@jest/globals';
import { InMemoryHubSpotApi } from '../hubspot/in-memory.hubspot-api.js';
import { mustSplit, pollRange, scanModified, splitWindow, type ScanStep } from './windows.js';

const T = Date.parse('2026-03-01T12:00:00Z');

async function scanAll(api: InMemoryHubSpotApi, from: number, to: number): Promise<ScanStep[]> {
  const steps: ScanStep[] = [];
  for await (const s of scanModified((q) => api.searchModified(q, 'backfill'), 'companies', {
    from,
    to,
  }))
    steps.push(s);
  return steps;
}

describe('time windows', () => {
  it('split into two halves that cover the window exactly, earlier first', () => {
    expect(splitWindow({ from: 0, to: 9 })).toEqual([
      { from: 0, to: 4 },
      { from: 5, to: 9 },
    ]);
    expect(splitWindow({ from: 7, to: 8 })).toEqual([
      { from: 7, to: 7 },
      { from: 8, to: 8 },
    ]);
    expect(() => splitWindow({ from: 5, to: 5 })).toThrow(RangeError);
  });

  it('are split only at or above the search cap and when wider than one millisecond', () => {
    expect(mustSplit(9_999, { from: 0, to: 100 })).toBe(false);
    expect(mustSplit(10_000, { from: 0, to: 100 })).toBe(true);
    expect(mustSplit(50_000, { from: 3, to: 3 })).toBe(false);
  });

  it('cover the lookback overlap before the watermark up to now', () => {
    expect(pollRange(T, 60_000, T + 5_000)).toEqual({ from: T - 60_000, to: T + 5_000 });
    // A clock behind the watermark never yields an inverted window.
    expect(pollRange(T, 0, T - 10)).toEqual({ from: T, to: T });
  });
});

describe('scanModified', () => {
  it('finds every one of 20,500 records modified in one millisecond, each once, by keyset paging', async () => {
    const api = new InMemoryHubSpotApi();
    for (let i = 0; i < 20_500; i++) api.put('companies', { name: `c${i}` }, { at: T });
    api.put('companies', { name: 'before' }, { at: T - 30_000 });
    api.put('companies', { name: 'outside' }, { at: T - 120_000 });

    const steps = await scanAll(api, T - 60_000, T + 60_000);
    const ids = steps.flatMap((s) => s.hits.map((h) => h.id));
    expect(ids).toHaveLength(20_501);
    expect(new Set(ids).size).toBe(20_501);
    // The dense millisecond ended up in a window of its own, checkpointed once at its end.
    const done = steps.filter((s) => s.windowDone).map((s) => s.window);
    expect(done.some((w) => w.from === T && w.to === T)).toBe(true);
    expect(done.map((w) => w.from)).toEqual([...done.map((w) => w.from)].sort((a, b) => a - b));
  });

  it('splits a crowded range into windows under the cap and visits them oldest first', async () => {
    const api = new InMemoryHubSpotApi();
    for (let i = 0; i < 25_000; i++) api.put('companies', { name: `c${i}` }, { at: T + i });
    const steps = await scanAll(api, T, T + 25_000);
    const windows = steps.filter((s) => s.windowDone).map((s) => s.window);
    expect(steps.flatMap((s) => s.hits)).toHaveLength(25_000);
    expect(windows.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < windows.length; i++)
      expect(windows[i]?.from).toBe((windows[i - 1]?.to ?? 0) + 1);
    // One search per page plus one per split: nothing fetched twice beyond the probes.
    const pages = steps.length;
    expect(api.count('companies.search')).toBeLessThanOrEqual(pages + windows.length);
  });

  it('answers an empty window with one request', async () => {
    const api = new InMemoryHubSpotApi();
    expect(await scanAll(api, T, T + 1_000)).toEqual([
      { window: { from: T, to: T + 1_000 }, hits: [], windowDone: true },
    ]);
    expect(api.count('companies.search')).toBe(1);
  });
});
