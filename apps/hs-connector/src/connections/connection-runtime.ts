import type { Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import type { Logger } from '@crm-sync/runtime';
import type { ConnectionConfig, HsConnectorConfig } from '../config.js';
import { AccessTokens } from '../hubspot/access-tokens.js';
import { createBudget, limitersOf, type ConnectionBudget } from '../hubspot/connection-budget.js';
import { GuardedCalls } from '../hubspot/guarded-calls.js';
import { InFlightSlots } from '../hubspot/in-flight.js';
import { createHubSpotClient, HubSpotClientApi } from '../hubspot/hubspot-client.api.js';
import type { HubSpotApi, ObjectType } from '../hubspot/hubspot-api.port.js';
import { propertySets, type PropertySet } from '../hubspot/properties.js';

/** Everything hs-connector holds for one connection: its API (with budget) and what it reads. */
export interface ConnectionRuntime {
  readonly config: ConnectionConfig;
  readonly api: HubSpotApi;
  readonly budget: ConnectionBudget;
  readonly properties: Readonly<Record<ObjectType, PropertySet>>;
  /** Gets a first token when only OAuth refresh credentials are configured. */
  start(): Promise<void>;
}

export interface RuntimeDeps {
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  readonly http: HsConnectorConfig['http'];
  readonly signal: AbortSignal;
}

/** Builds a connection's runtime around the official client pointed at its base URL. */
export function createConnectionRuntime(
  config: ConnectionConfig,
  deps: RuntimeDeps,
): ConnectionRuntime {
  const logger = deps.logger.child({ connectionId: config.connectionId });
  const client = createHubSpotClient(config.baseUrl, config.accessToken);
  const tokens = new AccessTokens(
    client,
    config.oauth === undefined ? undefined : { ...config.oauth, clientSecret: config.clientSecret },
    logger,
  );
  const budget = createBudget(config.limits, deps.clock);
  for (const limiter of limitersOf(budget))
    deps.metrics.watchBudget(config.connectionId, 'hubspot', limiter);
  const calls = new GuardedCalls({
    connectionId: config.connectionId,
    budget,
    clock: deps.clock,
    metrics: deps.metrics,
    logger,
    maxAttempts: deps.http.maxAttempts,
    timeoutMs: deps.http.timeoutMs,
    slots: new InFlightSlots(deps.http.maxInFlight),
    rateLimitPauseMs: deps.http.rateLimitPauseMs,
    refreshToken: () => tokens.refresh(),
    signal: deps.signal,
  });
  return {
    config,
    api: new HubSpotClientApi(client, calls),
    budget,
    properties: propertySets({
      companies: config.companyProperties,
      contacts: config.contactProperties,
    }),
    start: () => tokens.ensure(config.accessToken !== undefined),
  };
}

/** connectionId → runtime; the set of connections is fixed at boot. */
export class Connections {
  constructor(private readonly runtimes: ReadonlyMap<string, ConnectionRuntime>) {}

  get(connectionId: string): ConnectionRuntime | undefined {
    return this.runtimes.get(connectionId);
  }

  ids(): string[] {
    return [...this.runtimes.keys()];
  }

  all(): ConnectionRuntime[] {
    return [...this.runtimes.values()];
  }

  /** This instance's share of every connection's limits (instances split them evenly). */
  setShare(share: number): void {
    for (const r of this.runtimes.values()) for (const l of limitersOf(r.budget)) l.setShare(share);
  }
}
