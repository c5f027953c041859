/**
 * Exactly-once effects under at-least-once delivery, and scale-out: the properties that let
 * sync-rules run as several stateless instances that may crash at any point.
 */
import { describe, expect, it } from '@jest/globals';
import type { ChangeEvent, HubSpotCommand } from '@crm-sync/domain';
import { waitFor } from '@crm-sync/testing';
import { MemoryStorage, type StateStorage } from '../src/store/state/row-store.js';
import { accountChanged, AFTER, mappings, settings, sfId } from './fixtures.js';
import { Harness } from './harness.js';

/** A store that works until armed, then refuses every write, as a full disk does. */
class FailingStorage implements StateStorage {
  armed = false;
  private readonly inner = new MemoryStorage();
  table() {
    return this.inner.table();
  }
  batch<R>(fn: () => R): R {
    if (this.armed) throw new Error('database or disk is full');
    return this.inner.batch(fn);
  }
  close(): void {
    this.inner.close();
  }
}

describe('a crash between producing and committing', () => {
  it('leaves exactly one create visible, though the aborted attempt had produced one too', async () => {
    let crashes = 0;
    const h = await Harness.start({
      beforeDecideCommit: () => {
        if (crashes === 0) {
          crashes++;
          throw new Error('simulated crash after produce, before commit');
        }
      },
    });
    try {
      await h.configure(settings(h.connectionId), mappings);
      const accountId = sfId('001');
      await h.send(
        accountChanged(h.connectionId, { recordId: accountId, fields: { Name: 'Once' } }),
      );
      const creates = (list: HubSpotCommand[]) =>
        list.filter(
          (x) =>
            x.type === 'hubspot.upsert-company.v1' && x.payload.salesforceAccountId === accountId,
        );
      await waitFor(() => creates(h.hubspot()).length === 1, {
        description: 'the committed create',
      });

      // A later change of the same account is processed after the retried one (same partition):
      // once its decision is visible, the retried batch is settled.
      const later = accountChanged(h.connectionId, {
        recordId: accountId,
        changeType: 'updated',
        changedAt: AFTER(10),
      });
      await h.send(later);
      await h.decision(accountId, 'account_sync', (d) => d.causationId === later.id);
      await waitFor(() => creates(h.uncommittedHubspot()).length >= 2, {
        description: 'the aborted create in the log',
      });

      expect(crashes).toBe(1);
      expect(creates(h.hubspot())).toHaveLength(1);
      // The retry produced the very same command (same id and idempotency key) as the aborted one.
      const [aborted, committed] = creates(h.uncommittedHubspot());
      expect(committed?.payload.idempotencyKey).toBe(aborted?.payload.idempotencyKey);
      expect(committed?.id).toBe(aborted?.id);
    } finally {
      await h.stop();
    }
  });
});

describe('a state store that refuses committed rows', () => {
  it('is reported, so that the service stops instead of deciding on a state it does not hold', async () => {
    const storage = new FailingStorage();
    const h = await Harness.start({ stateStorage: storage });
    try {
      await h.configure(settings(h.connectionId), mappings);
      storage.armed = true;
      const accountId = sfId('001');
      await h.send(
        accountChanged(h.connectionId, { recordId: accountId, fields: { Name: 'Full disk' } }),
      );
      await waitFor(() => h.stateStoreFailures.length > 0, {
        description: 'the state store failure reported',
      });
      expect(String(h.stateStoreFailures[0])).toContain('database or disk is full');
    } finally {
      // The service would have exited; the harness stops its engines, which needs a store again.
      storage.armed = false;
      await h.stop();
    }
  });
});

describe('scale-out', () => {
  it('two instances in one group produce the same commands as one instance', async () => {
    const N = 40;
    const accountIds = Array.from({ length: N }, () => sfId('001'));
    const eventsFor = (connectionId: string): ChangeEvent[] =>
      accountIds.map((recordId, i) => ({
        ...accountChanged(connectionId, {
          recordId,
          fields: { Name: `Scale ${i}`, Website: `https://scale${i}.example` },
        }),
        id: `scale-evt-${i}`,
      }));
    const run = async (instances: number) => {
      const h = await Harness.start({ instances });
      try {
        await h.configure(settings(h.connectionId), mappings);
        await h.send(...eventsFor(h.connectionId));
        await waitFor(() => h.hubspot().length >= N, {
          description: `${N} creates with ${instances} instance(s)`,
          timeoutMs: 60_000,
        });
        const groups = h.kafka.admin();
        await groups.connect();
        const described = await groups.describeGroups([`${h.groupPrefix}-decide`]);
        await groups.disconnect();
        return {
          members: described.groups[0]?.members.length ?? 0,
          // The same commands, whatever the connection id and wall-clock time of each run.
          commands: h
            .hubspot()
            .map(({ occurredAt: _at, ...x }) => JSON.stringify(x).replaceAll(h.connectionId, 'C'))
            .sort(),
        };
      } finally {
        await h.stop();
      }
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.members).toBe(1);
    expect(two.members).toBe(2);
    expect(two.commands).toHaveLength(N);
    expect(two.commands).toEqual(one.commands);
  });
});
