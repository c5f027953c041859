import type { Clock } from '@crm-sync/connector-kit';
import type { CommandOutcome, SalesforceCommand, SyncError } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { RetrySettings } from '../config.js';
import { recordAction, requestAction, saveErrorOf } from '../salesforce/errors.js';
import type { SaveResult } from '../salesforce/salesforce-api.port.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import { planWaves, type Chunk, type PlannedWrite } from './command-plan.js';

export interface ExecutedCommand {
  readonly command: SalesforceCommand;
  readonly outcome: CommandOutcome;
  /** Tries of this command's record, 1 for the first. */
  readonly attempt: number;
}

export interface CommandExecutorOptions {
  readonly client: SalesforceClient;
  readonly retry: RetrySettings;
  readonly collectionSize: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
}

/**
 * Carries out one connection's commands of a batch with sObject Collections and says how each
 * ended. It returns only when every command has an outcome, or throws (the signal was aborted, or
 * our own bug) so that the caller releases the whole batch for redelivery. See `recordAction` and
 * `requestAction` for what is retried.
 */
export class CommandExecutor {
  constructor(private readonly options: CommandExecutorOptions) {}

  async execute(
    commands: readonly SalesforceCommand[],
    signal: AbortSignal,
  ): Promise<ExecutedCommand[]> {
    const outcomes = new Map<PlannedWrite, ExecutedCommand>();
    const waves = planWaves(commands, this.options.collectionSize);
    for (const wave of waves) {
      const done = await Promise.all(wave.map((chunk) => this.runChunk(chunk, signal)));
      for (const list of done) for (const [w, r] of list) outcomes.set(w, r);
    }
    // Back in the order of the input (a write object per command).
    const byCommand = new Map<SalesforceCommand, ExecutedCommand>();
    for (const [w, r] of outcomes) byCommand.set(w.command, r);
    return commands.map((c) => {
      const r = byCommand.get(c);
      if (!r) throw new Error(`command ${c.payload.commandId} has no outcome`);
      return r;
    });
  }

  private async runChunk(
    chunk: Chunk,
    signal: AbortSignal,
  ): Promise<Map<PlannedWrite, ExecutedCommand>> {
    const { retry, clock, logger, random } = this.options;
    const out = new Map<PlannedWrite, ExecutedCommand>();
    const attempts = new Map<PlannedWrite, number>();
    let pending: readonly PlannedWrite[] = chunk.writes;
    let requestAttempt = 0;
    while (pending.length > 0) {
      signal.throwIfAborted();
      let results: readonly SaveResult[];
      try {
        results = await this.send(chunk, pending, signal);
      } catch (e) {
        signal.throwIfAborted();
        const error = e as SyncError;
        const action = requestAction(error, ++requestAttempt, retry, random);
        if (action.kind === 'fail') {
          for (const w of pending) {
            out.set(w, fail(w, error, (attempts.get(w) ?? 0) + 1));
          }
          return out;
        }
        logger.warn('salesforce request failed; retrying', {
          connectionId: this.options.client.connectionId,
          code: error.code,
          records: pending.length,
          waitFor: action.kind === 'retry' ? action.delayMs : 'budget',
        });
        // Waiting for the budget needs no sleep here: the budget is paused and the next call waits.
        if (action.kind === 'retry') await clock.sleep(action.delayMs, signal);
        continue;
      }
      requestAttempt = 0;
      if (results.length !== pending.length) {
        throw new Error(
          `salesforce returned ${results.length} results for ${pending.length} records`,
        );
      }
      const again: PlannedWrite[] = [];
      let delayMs = 0;
      let limitHit = false;
      for (const [i, w] of pending.entries()) {
        const attempt = (attempts.get(w) ?? 0) + 1;
        attempts.set(w, attempt);
        const r = results[i];
        if (r?.success === true) {
          out.set(w, {
            command: w.command,
            attempt,
            outcome: { outcome: 'succeeded', recordId: r.id ?? '', created: r.created === true },
          });
          continue;
        }
        const error = saveErrorOf(r?.errors ?? []);
        const action = recordAction(error, attempt, retry, random);
        if (action.kind === 'fail') {
          out.set(w, fail(w, error, attempt));
          continue;
        }
        again.push(w);
        if (action.kind === 'retry') delayMs = Math.max(delayMs, action.delayMs);
        else limitHit = true;
      }
      if (limitHit) this.options.client.budget.limitExceeded();
      if (again.length > 0 && delayMs > 0) await clock.sleep(delayMs, signal);
      pending = again;
    }
    return out;
  }

  private send(
    chunk: Chunk,
    writes: readonly PlannedWrite[],
    signal: AbortSignal,
  ): Promise<readonly SaveResult[]> {
    const ctx = { priority: 'live' as const, signal };
    const records = writes.map((w) => w.record);
    const { client } = this.options;
    return chunk.op.kind === 'upsert'
      ? client.upsert(chunk.op.sobject, chunk.op.externalIdField, records, ctx)
      : client.update(chunk.op.sobject, records, ctx);
  }
}

function fail(w: PlannedWrite, error: SyncError, attempt: number): ExecutedCommand {
  return { command: w.command, attempt, outcome: { outcome: 'failed', error: error.data } };
}
