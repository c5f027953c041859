import { describe, expect, it } from '@jest/globals';
import { ReadModelYield, yieldSettings } from './read-model-yield.js';

/** Feeds `policy` (time, backlog) pairs; returns each step's action, '-' for none. */
function run(policy: ReadModelYield, ticks: readonly (readonly [number, number])[]): string[] {
  return ticks.map(([at, backlog]) => policy.step(at, backlog)?.action ?? '-');
}

describe('ReadModelYield', () => {
  it('pauses at the threshold and resumes at a tenth of it, not in between', () => {
    const policy = new ReadModelYield(yieldSettings(5_000));
    expect(
      run(policy, [
        [0, 4_999],
        [1, 5_000],
        [2, 9_000],
        [3, 501],
        [4, 500],
        [5, 4_000],
        [6, 5_000],
      ]),
    ).toEqual(['-', 'pause', '-', '-', 'resume', '-', 'pause']);
  });

  it('says why it changed course', () => {
    const policy = new ReadModelYield(yieldSettings(100));
    expect(policy.step(0, 100)).toEqual({ action: 'pause', reason: 'engine-backlog' });
    expect(policy.paused).toBe(true);
    expect(policy.step(1, 0)).toEqual({ action: 'resume', reason: 'engine-caught-up' });
    expect(policy.paused).toBe(false);
  });

  it('never pauses longer than the longest pause, then follows for a quarter of it', () => {
    const policy = new ReadModelYield(yieldSettings(100, 1_000));
    expect(policy.step(0, 1_000)?.action).toBe('pause');
    expect(policy.step(999, 1_000)).toBeUndefined();
    expect(policy.step(1_000, 1_000)).toEqual({ action: 'resume', reason: 'longest-pause' });
    // Still backlogged: it follows until 1,250, then may pause again.
    expect(run(policy, [[1_249, 1_000]])).toEqual(['-']);
    expect(run(policy, [[1_250, 1_000]])).toEqual(['pause']);
  });

  it('never pauses with a threshold of 0', () => {
    const policy = new ReadModelYield(yieldSettings(0));
    expect(
      run(policy, [
        [0, 0],
        [1, 1_000_000],
      ]),
    ).toEqual(['-', '-']);
    expect(policy.paused).toBe(false);
  });
});
