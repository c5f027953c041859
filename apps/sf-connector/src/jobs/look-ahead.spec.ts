import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@crm-sync/connector-kit';
import { createLogger } from '@crm-sync/runtime';
import { LookAhead, type EngineBacklog, type LookAheadSettings } from './look-ahead.js';

const JOB = { connectionId: 'c-1', jobId: 'job-1', kind: 'import' };
const SETTINGS: LookAheadSettings = { maxAhead: 1_000, checkMs: 250, maxWaitMs: 60_000 };

/** The engine's backlog as a test sets it; counts reads, and can fail them. */
class Backlog implements EngineBacklog {
  value: number | undefined = 0;
  reads = 0;
  failure: Error | undefined;

  behind(): Promise<number | undefined> {
    this.reads++;
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.value);
  }
}

function setup(settings: LookAheadSettings = SETTINGS) {
  const clock = new ManualClock(1_000_000);
  const backlog = new Backlog();
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger('test', {
    level: 'debug',
    write: (line) => lines.push(JSON.parse(line) as { level: string; msg: string }),
  });
  const lookAhead = new LookAhead({ backlog, settings, clock, logger });
  return { clock, backlog, lines, lookAhead };
}

/** Starts a `room` call and reports whether it has resolved (and rejections). */
function track(p: Promise<void>) {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (e: unknown) => (state.error = e),
  );
  return state;
}

/** Asks for room and lets the clock run what is due now: the state says whether it was held. */
async function askRoom(lookAhead: LookAhead, clock: ManualClock, signal: AbortSignal) {
  const room = track(lookAhead.room(JOB, signal));
  await clock.advance(0);
  return room;
}

describe('LookAhead', () => {
  it('lets pages go while the engine is less than maxAhead behind, reading its backlog at most every checkMs', async () => {
    const { clock, backlog, lookAhead } = setup();
    backlog.value = 100;
    const signal = new AbortController().signal;
    await lookAhead.room(JOB, signal);
    lookAhead.published(500);
    await lookAhead.room(JOB, signal);
    expect(backlog.reads).toBe(1);

    await clock.advance(250);
    backlog.value = 300;
    await lookAhead.room(JOB, signal);
    expect(backlog.reads).toBe(2);
  });

  it('waits while the engine is maxAhead or more behind', async () => {
    const { clock, backlog, lines, lookAhead } = setup();
    backlog.value = 600;
    const signal = new AbortController().signal;
    await lookAhead.room(JOB, signal);
    // Between reads, the pages published count on top of the last reading: 600 + 400.
    lookAhead.published(400);
    const room = await askRoom(lookAhead, clock, signal);
    expect(room.done).toBe(false);

    backlog.value = 1_000;
    await clock.advance(250);
    expect(room.done).toBe(false);
    backlog.value = 999;
    await clock.advance(250);
    expect(room.done).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual([
      'job waits for the sync engine to catch up',
      'job goes on',
    ]);
  });

  it('after the longest wait, goes on without waiting until the engine is seen catching up', async () => {
    const { clock, backlog, lines, lookAhead } = setup({ ...SETTINGS, maxWaitMs: 1_000 });
    backlog.value = 5_000;
    const signal = new AbortController().signal;
    const first = track(lookAhead.room(JOB, signal));
    await clock.advance(750);
    expect(first.done).toBe(false);
    await clock.advance(250);
    expect(first.done).toBe(true);
    expect(lines.at(-1)).toMatchObject({
      level: 'warn',
      msg: 'sync engine still behind after the longest wait; jobs go on without waiting',
    });

    /** The engine's backlog `behind` at the next read: the job asks for room and gets it. */
    const passesAt = async (behind: number) => {
      backlog.value = behind;
      await clock.advance(250);
      await lookAhead.room(JOB, signal);
    };
    // A stalled engine holds nothing up...
    await passesAt(5_000);
    await passesAt(900);
    await passesAt(1_200);
    // ...until it is seen catching up (down to half): from then on, jobs wait for it again.
    await passesAt(500);
    backlog.value = 1_200;
    await clock.advance(250);
    const again = await askRoom(lookAhead, clock, signal);
    expect(again.done).toBe(false);
    backlog.value = 0;
    await clock.advance(250);
    expect(again.done).toBe(true);
  });

  it('never waits on an unknown backlog, or when its read fails (warned once)', async () => {
    const { clock, backlog, lines, lookAhead } = setup();
    const signal = new AbortController().signal;
    backlog.value = undefined;
    await lookAhead.room(JOB, signal);
    lookAhead.published(5_000);
    await lookAhead.room(JOB, signal);

    backlog.failure = new Error('broker unreachable');
    for (let i = 0; i < 3; i++) {
      await clock.advance(250);
      await lookAhead.room(JOB, signal);
    }
    expect(backlog.reads).toBe(4);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'cannot read the sync engine backlog; jobs go on without waiting',
      }),
    ]);
  });

  it('stops waiting when the job is aborted', async () => {
    const { clock, backlog, lookAhead } = setup();
    backlog.value = 5_000;
    const abort = new AbortController();
    const room = await askRoom(lookAhead, clock, abort.signal);
    abort.abort(new Error('import paused: connection released'));
    await clock.advance(0);
    expect(room.done).toBe(false);
    expect(room.error).toEqual(new Error('import paused: connection released'));
  });

  it('is off at maxAhead 0', async () => {
    const { backlog, lookAhead } = setup({ ...SETTINGS, maxAhead: 0 });
    backlog.value = 1_000_000;
    await lookAhead.room(JOB, new AbortController().signal);
    expect(backlog.reads).toBe(0);
  });
});
