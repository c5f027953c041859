import { describe, expect, it } from '@jest/globals';
import { CommandResult, DeadLettered } from '@crm-sync/domain';
import { InMemoryHubSpotApi } from '../hubspot/in-memory.hubspot-api.js';
import { BudgetExhaustedError } from '@crm-sync/connector-kit';
import {
  batchContext,
  committingContext,
  inbound,
  SteppingClock,
  unitDeps,
} from '../../test/support.js';
import { WrittenVersions } from '../polling/written-versions.js';
import { CommandProcessor } from './command-processor.js';
import { accountIdOf, lifecycle, update, upsert } from '../../test/command-fixtures.js';

function setup(writtenVersions?: WrittenVersions) {
  const api = new InMemoryHubSpotApi();
  const processor = new CommandProcessor({
    ...unitDeps(api),
    resultsTopic: 'results',
    groupId: 'hs-commands',
    ...(writtenVersions === undefined ? {} : { writtenVersions }),
  });
  const run = async (values: readonly (string | object)[], ctx = batchContext) => {
    const out = await processor.handle(inbound(values, 'commands'), ctx);
    return {
      results: out
        .filter((m) => m.topic === 'results')
        .map((m) => CommandResult.parse(JSON.parse(m.value))),
      deadLetters: out
        .filter((m) => m.topic === 'dlq')
        .map((m) => DeadLettered.parse(JSON.parse(m.value))),
      others: out.filter((m) => m.topic !== 'results' && m.topic !== 'dlq'),
    };
  };
  return { api, processor, run };
}

describe('CommandProcessor', () => {
  it('counts the commands in hand while their writes are out, and none once the batch is done', async () => {
    const { api, processor, run } = setup();
    const inHandWhileWriting: number[] = [];
    const upsertCompanies = api.upsertCompanies.bind(api);
    api.upsertCompanies = (inputs) => {
      inHandWhileWriting.push(processor.inHand);
      return upsertCompanies(inputs);
    };
    await Promise.all([
      run(Array.from({ length: 150 }, (_, i) => upsert(i))),
      run(Array.from({ length: 30 }, (_, i) => upsert(1_000 + i))),
    ]);
    // The first batch's first write goes out before the second batch comes; later ones with both.
    expect(inHandWhileWriting[0]).toBe(150);
    expect(Math.max(...inHandWhileWriting)).toBe(180);
    expect(processor.inHand).toBe(0);
  });

  it('upserts 250 companies in 3 requests with one result per command, and never duplicates on a re-run', async () => {
    const { api, run } = setup();
    const commands = Array.from({ length: 250 }, (_, i) => upsert(i));
    const first = await run(commands);
    expect(api.count('companies.upsert')).toBe(3);
    expect(first.results).toHaveLength(250);
    expect(first.results.every((r) => r.payload.outcome === 'succeeded')).toBe(true);
    expect(
      first.results.filter((r) => r.type === 'sync.command-succeeded.v1' && r.payload.created),
    ).toHaveLength(250);

    // A batch interrupted before its commit runs again: same companies, not created again.
    const again = await run(commands);
    expect(
      again.results.map((r) => (r.type === 'sync.command-succeeded.v1' ? r.payload.recordId : '')),
    ).toEqual(
      first.results.map((r) => (r.type === 'sync.command-succeeded.v1' ? r.payload.recordId : '')),
    );
    expect(
      again.results.some((r) => r.type === 'sync.command-succeeded.v1' && r.payload.created),
    ).toBe(false);
  });

  it('carries each written company as HubSpot answered it on its result, as the echo of our write; a failed one not', async () => {
    const { api, run } = setup();
    api.recordFaults.push({ name: 'name', value: 'BAD' });
    const existing = api.put('companies', { name: 'Old', phone: '+1 000' });
    const { results, others } = await run([
      upsert(1, { name: 'Created', domain: 'created.example' }),
      upsert(2, { name: 'BAD' }),
      update(existing, { phone: '+1 555' }),
      // Two commands of one company make one write: its echo goes with the last result only.
      update(existing, { name: 'Renamed' }),
    ]);
    expect(others).toEqual([]); // no change event of its own: it rides on the result
    expect(results.map((r) => r.payload.outcome)).toEqual([
      'succeeded',
      'failed',
      'succeeded',
      'succeeded',
    ]);
    const written = results.map((r) =>
      r.type === 'sync.command-succeeded.v1' ? r.payload.written : undefined,
    );
    expect(written[2]).toBeUndefined();
    const created = results[0]?.type === 'sync.command-succeeded.v1' ? results[0].payload : null;
    const changes = [written[0], written[3]];
    expect(changes.map((c) => c?.payload)).toEqual([
      expect.objectContaining({
        kind: 'hubspot_company',
        recordId: created?.recordId,
        changeType: 'created',
        properties: expect.objectContaining({
          name: 'Created',
          domain: 'created.example',
          salesforceaccountid: accountIdOf(1),
        }) as unknown,
        changedProperties: ['domain', 'name', 'salesforceaccountid'],
        changeSource: 'INTEGRATION',
        sourceId: '1160452',
        capturedBy: 'write',
      }),
      expect.objectContaining({
        recordId: existing,
        changeType: 'updated',
        properties: expect.objectContaining({ phone: '+1 555', name: 'Renamed' }) as unknown,
        changedProperties: ['name', 'phone'],
        capturedBy: 'write',
      }),
    ]);
    // Changed at the write's version.
    for (const event of changes) {
      const p = event?.payload;
      expect(Object.values(p?.propertyChangedAt ?? {})).toEqual(
        (p?.changedProperties ?? []).map(() => p?.changedAt),
      );
    }
  });

  it('hands the versions it wrote to the polls once its batch committed, none of an aborted one', async () => {
    const written = new WrittenVersions(100);
    const { run } = setup(written);
    const ctx = committingContext();
    const first = await run([upsert(1), upsert(2)], ctx);
    expect(written.size).toBe(0); // not before the results are committed
    ctx.commit();
    const hits = first.results.flatMap((r) =>
      r.type === 'sync.command-succeeded.v1' && r.payload.written
        ? [{ id: r.payload.recordId, modifiedAt: Date.parse(r.payload.written.payload.changedAt) }]
        : [],
    );
    expect(hits).toHaveLength(2);
    const connectionId = first.results[0]?.connectionId ?? '';
    expect(written.takeOurs(connectionId, hits)).toEqual(hits);

    // A batch whose transaction aborts never runs its commit effects.
    await run([upsert(3)], committingContext());
    expect(written.size).toBe(0);
  });

  it('turns a 207 partial failure into per-record results', async () => {
    const { api, run } = setup();
    api.recordFaults.push({ name: 'name', value: 'BAD' });
    const { results } = await run([upsert(1), upsert(2, { name: 'BAD' }), upsert(3)]);
    expect(results.map((r) => [r.payload.commandId, r.payload.outcome])).toEqual([
      [`upsert-${accountIdOf(1)}`, 'succeeded'],
      [`upsert-${accountIdOf(2)}`, 'failed'],
      [`upsert-${accountIdOf(3)}`, 'succeeded'],
    ]);
    expect(results[1]).toMatchObject({
      payload: { error: { category: 'validation', retriable: false } },
    });
  });

  it('splits a request HubSpot refuses as a whole until the bad record stands alone', async () => {
    const { api, run } = setup();
    api.requestFaults.push({ name: 'industry', value: 'NOT_AN_OPTION' });
    const commands = Array.from({ length: 8 }, (_, i) =>
      upsert(i, i === 5 ? { name: 'x', industry: 'NOT_AN_OPTION' } : { name: `ok ${i}` }),
    );
    const { results } = await run(commands);
    expect(
      results.filter((r) => r.payload.outcome === 'failed').map((r) => r.payload.commandId),
    ).toEqual([`upsert-${accountIdOf(5)}`]);
    expect(api.count('companies.upsert')).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(8)));
  });

  it('updates by id, reports a missing company as failed, and carries lifecycle stages', async () => {
    const { api, run } = setup();
    const id = api.put('companies', { name: 'Acme' });
    const { results } = await run([
      update(id, { phone: '+1' }),
      lifecycle(id, 'customer'),
      update('99999', { phone: '+2' }),
    ]);
    expect(results.map((r) => r.payload.outcome)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(results[2]).toMatchObject({ payload: { error: { code: 'OBJECT_NOT_FOUND' } } });
    expect(api.get('companies', id)?.properties).toMatchObject({
      phone: '+1',
      lifecyclestage: 'customer',
    });
    expect(api.count('companies.update')).toBe(1);
  });

  it('holds a batch while the daily budget is spent, heartbeating, then hands it back to Kafka', async () => {
    const api = new InMemoryHubSpotApi();
    const clock = new SteppingClock(Date.parse('2026-03-01T23:59:00Z'));
    const spent = new BudgetExhaustedError('daily', Date.parse('2026-03-02T00:00:00Z'));
    api.upsertCompanies = () => Promise.reject(spent);
    const processor = new CommandProcessor({
      ...unitDeps(api),
      clock,
      resultsTopic: 'results',
      groupId: 'hs-commands',
    });
    let heartbeats = 0;
    const ctx = {
      ...batchContext,
      heartbeat: () => {
        heartbeats++;
        return Promise.resolve();
      },
    };
    await expect(processor.handle(inbound([upsert(1)], 'commands'), ctx)).rejects.toBe(spent);
    expect(clock.t).toBe(Date.parse('2026-03-01T23:59:25Z'));
    expect(heartbeats).toBeGreaterThanOrEqual(8);
  });

  it('dead-letters malformed commands and commands of unknown connections, and carries on', async () => {
    const { run } = setup();
    const stranger = upsert(3, { name: 'x' }, 'someone-else');
    const { results, deadLetters } = await run([
      '{not json',
      { type: 'hubspot.upsert-company.v1' },
      stranger,
      upsert(4),
    ]);
    expect(results).toHaveLength(1);
    expect(deadLetters.map((d) => d.payload.reason)).toEqual([
      expect.stringContaining('not a HubSpot command'),
      expect.stringContaining('not a HubSpot command'),
      'unknown connection someone-else',
    ]);
    expect(deadLetters[0]?.payload).toMatchObject({
      originalTopic: 'commands',
      offset: '0',
      value: '{not json',
    });
  });
});
