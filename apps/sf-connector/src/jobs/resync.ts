import type { Clock, ConnectorMetrics } from '@crm-sync/connector-kit';
import type { ResyncRequested, SalesforceObject } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import type { ChangePublisher } from '../capture/publisher.js';
import { byIdsQuery } from '../capture/records.js';
import type { ConnectionSettings } from '../config.js';
import { retrying } from '../salesforce/errors.js';
import type { SalesforceClient } from '../salesforce/salesforce-client.js';
import type { SfConnectorTopics } from '../topics.js';
import { snapshotMessages } from './snapshots.js';

/** Ids per query: keeps the SOQL well under its length limit. */
const IDS_PER_QUERY = 200;
const OBJECT: SalesforceObject = 'Account';

/** The account ids a resync asks this connector to read, or none for other scopes. */
export function accountIdsOf(message: ResyncRequested): readonly string[] {
  const scope = message.payload.scope;
  if (scope.kind === 'account') return [scope.accountId];
  if (scope.kind === 'accounts') return [...new Set(scope.accountIds)];
  return [];
}

export interface ResyncDeps {
  readonly settings: ConnectionSettings;
  readonly client: SalesforceClient;
  readonly publisher: ChangePublisher;
  readonly topics: SfConnectorTopics;
  readonly fields: (object: SalesforceObject) => Promise<readonly string[]>;
  readonly clock: Clock;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
}

/**
 * R8 "for one account: pulls now" (and for a set of ids): reads the accounts and publishes them
 * as snapshots (`capturedBy: manual`, `importJobId`: the resync's job id), which sync-rules then
 * handles like any change. A person is waiting, so it spends the live budget. Accounts that no
 * longer exist are reported in the log and the result.
 */
export async function resyncAccounts(
  message: ResyncRequested,
  deps: ResyncDeps,
): Promise<{ readonly published: number; readonly missing: readonly string[] }> {
  const ids = accountIdsOf(message);
  const fields = await deps.fields(OBJECT);
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const soql = byIdsQuery(OBJECT, fields, ids.slice(i, i + IDS_PER_QUERY));
    let page = await readPage(() => deps.client.query(soql, false, { priority: 'live' }), deps);
    for (;;) {
      const snap = snapshotMessages({
        connectionId: message.connectionId,
        object: OBJECT,
        raw: page.records,
        jobId: message.payload.jobId,
        capturedBy: 'manual',
        topics: deps.topics,
      });
      await deps.publisher.publish(snap.messages);
      for (const r of snap.records) found.add(r.id);
      deps.metrics.changesCaptured.inc(
        { connection: message.connectionId, object: OBJECT, method: 'manual' },
        snap.records.length,
      );
      const next = page.nextRecordsUrl;
      if (page.done || next === undefined) break;
      page = await readPage(() => deps.client.queryMore(next, { priority: 'live' }), deps);
    }
  }
  // Salesforce answers 18-character ids; a request may name the 15-character form.
  const missing = ids.filter((id) => ![...found].some((f) => f.startsWith(id)));
  if (missing.length > 0) {
    deps.logger.warn('resync: accounts not found', {
      connectionId: message.connectionId,
      jobId: message.payload.jobId,
      missing: missing.slice(0, 20),
    });
  }
  return { published: found.size, missing };
}

function readPage<T>(fn: () => Promise<T>, deps: ResyncDeps): Promise<T> {
  return retrying(fn, {
    retry: deps.settings.retry,
    sleep: (ms, s) => deps.clock.sleep(ms, s),
    bounded: true,
  });
}
