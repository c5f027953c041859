import { BudgetExhaustedError, type Clock } from '@crm-sync/connector-kit';
import type { BatchContext } from '@crm-sync/kafka';
import { HubSpotRequestError, nextUtcMidnight } from '../hubspot/failures.js';

/** When spending may resume after `error`, if it says the API budget is spent (daily limit). */
export function budgetAvailableAt(error: unknown, now: number): number | undefined {
  if (error instanceof BudgetExhaustedError) return error.availableAt;
  if (error instanceof HubSpotRequestError && error.failure.policyName === 'DAILY')
    return nextUtcMidnight(now);
  return undefined;
}

/**
 * A batch that failed because the budget is spent is held a while (heartbeating, so the group
 * keeps this member) before it is handed back to Kafka for redelivery: the partition then
 * waits for the budget instead of spinning through retries that would all fail at once.
 */
export async function holdWhileBudgetSpent(
  error: unknown,
  ctx: BatchContext,
  clock: Clock,
  signal: AbortSignal,
  maxHoldMs = 25_000,
): Promise<void> {
  const until = budgetAvailableAt(error, clock.now());
  if (until === undefined) return;
  const end = Math.min(until, clock.now() + maxHoldMs);
  while (clock.now() < end && !signal.aborted) {
    await clock.sleep(Math.min(3_000, end - clock.now()), signal).catch(() => undefined);
    await ctx.heartbeat().catch(() => undefined);
  }
}
