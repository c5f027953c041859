import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@crm-sync/runtime';
import { waitFor } from '@crm-sync/testing';
import { PollScheduler } from './poll-scheduler.js';

/** Poll loops that run until aborted, recording starts, ends and overlaps per connection. */
function loops() {
  const running = new Map<string, number>();
  const started: string[] = [];
  const ended: string[] = [];
  let most = 0;
  const run = async (id: string, signal: AbortSignal) => {
    started.push(id);
    running.set(id, (running.get(id) ?? 0) + 1);
    most = Math.max(most, running.get(id) ?? 0);
    await new Promise<void>((resolve) => {
      // A loop winds down after the abort, not within it: it ends on the next turn.
      signal.addEventListener('abort', () => setImmediate(resolve));
    });
    running.set(id, (running.get(id) ?? 1) - 1);
    ended.push(id);
  };
  return { run, started, ended, most: () => most };
}

const quiet = createLogger('test', { level: 'error' });

describe('PollScheduler', () => {
  it('runs one loop per owned connection and stops the ones no longer owned', async () => {
    const l = loops();
    const s = new PollScheduler(l.run, quiet);
    s.update(new Set(['a', 'b']));
    await waitFor(() => l.started.length === 2);
    s.update(new Set(['b']));
    expect(s.polling).toEqual(['b']);
    await waitFor(() => l.ended.includes('a'));
    await s.stop();
    expect(l.ended.sort()).toEqual(['a', 'b']);
    s.update(new Set(['c']));
    expect(s.polling).toEqual([]);
  });

  it('never runs two loops of one connection at once when ownership flaps', async () => {
    const l = loops();
    const s = new PollScheduler(l.run, quiet);
    for (let i = 0; i < 3; i++) {
      s.update(new Set(['a']));
      await waitFor(() => l.started.length === i + 1);
      s.update(new Set());
      s.update(new Set(['a'])); // owned again while the previous loop still winds down
      s.update(new Set());
    }
    await s.stop();
    expect(l.most()).toBe(1);
    expect(l.started).toHaveLength(3);
  });
});
