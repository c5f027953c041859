import { ConnectorMetrics, ManualClock, type Clock } from '@crm-sync/connector-kit';
import type { BatchContext, InboundMessage } from '@crm-sync/kafka';
import { createLogger } from '@crm-sync/runtime';
import type { CommandProcessorDeps } from '../src/commands/command-processor.js';
import type { ConnectionConfig } from '../src/config.js';
import { Connections, type ConnectionRuntime } from '../src/connections/connection-runtime.js';
import { PortalDailyUsage } from '../src/hubspot/connection-budget.js';
import type { HubSpotApi } from '../src/hubspot/hubspot-api.port.js';
import { propertySets } from '../src/hubspot/properties.js';

/** What both processors take besides their topics. */
export type ProcessorDeps = Pick<
  CommandProcessorDeps,
  'connections' | 'deadLetterTopic' | 'metrics' | 'logger' | 'clock' | 'concurrency' | 'signal'
>;

/** Unit-test wiring: one connection `c1` around an in-memory API, quiet logs, a manual clock. */
export function unitDeps(api: HubSpotApi): ProcessorDeps {
  const config: ConnectionConfig = {
    connectionId: 'c1',
    baseUrl: 'http://hubspot.invalid',
    accessToken: 'token',
    oauth: undefined,
    clientSecret: 'client-secret',
    appId: '1160452',
    limits: { tenSecondly: null, daily: null, searchPerSecond: null, backfillShare: 0.5 },
    companyProperties: [],
    contactProperties: [],
  };
  const runtime: ConnectionRuntime = {
    config,
    api,
    budget: {
      burst: undefined,
      search: undefined,
      daily: undefined,
      portalDay: new PortalDailyUsage(),
    },
    properties: propertySets({ companies: [], contacts: [] }),
    start: () => Promise.resolve(),
  };
  return {
    connections: new Connections(new Map([['c1', runtime]])),
    metrics: new ConnectorMetrics('test'),
    logger: createLogger('test', { level: 'error' }),
    clock: new ManualClock(Date.parse('2026-03-01T12:00:00Z')),
    concurrency: 2,
    deadLetterTopic: 'dlq',
    signal: new AbortController().signal,
  };
}

/** A batch's context whose commit effects are dropped (see `committingContext`). */
export const batchContext: BatchContext = {
  topic: 't',
  partition: 0,
  heartbeat: () => Promise.resolve(),
  onCommit: () => undefined,
};

/** A batch's context that keeps its commit effects: `commit()` runs them, as a commit would. */
export function committingContext(): BatchContext & { commit(): void } {
  const effects: (() => void)[] = [];
  return {
    ...batchContext,
    onCommit: (effect) => effects.push(effect),
    commit: () => {
      for (const effect of effects.splice(0)) effect();
    },
  };
}

/** Kafka messages as a pipeline hands them to a handler. */
export function inbound(values: readonly (string | object)[], topic = 'in'): InboundMessage[] {
  return values.map((v, i) => ({
    topic,
    partition: 0,
    offset: String(i),
    key: `k${i}`,
    value: typeof v === 'string' ? v : JSON.stringify(v),
    headers: {},
    timestamp: '0',
  }));
}

/** A clock whose sleeps pass at once, moving time forward: waits without waiting. */
export class SteppingClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
    return Promise.resolve();
  }
}
