/** HubSpot commands through Kafka, the connector and the sandbox: per-record results. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandResult, DeadLettered, topicName, TOPICS } from '@crm-sync/domain';
import { collect, testKafka, waitFor, type Collector } from '@crm-sync/testing';
import { assignedPartitions } from '@crm-sync/kafka';
import { loadConfig } from '../src/config.js';
import { startHsConnector } from '../src/main.js';
import { accountIdOf, update, upsert } from './command-fixtures.js';
import { Cleanup } from './cleanup.js';
import { connectorEnv } from './env.js';
import { startSandbox, type RunningSandbox } from './hubspot-sandbox.js';
import { produceCommands } from './kafka-io.js';

const CONNECTION = 'conn-cmd';
let sandbox: RunningSandbox;
let results: Collector;
let deadLetters: Collector;
let commandsTopic: string;
let commandGroup: string;

const cleanup = new Cleanup();

beforeAll(async () => {
  sandbox = cleanup.add(await startSandbox(), (s) => s.close());
  const env = connectorEnv(sandbox.url, { CONNECTION_ID: CONNECTION });
  const prefix = env['KAFKA_TOPIC_PREFIX'];
  commandsTopic = topicName(TOPICS.hubspotCommands.ref, prefix);
  commandGroup = `${env['HS_CONNECTOR_GROUP'] ?? ''}-commands`;
  cleanup.add(await startHsConnector(loadConfig(env)), (s) => s.app.close());
  results = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.commandResults.ref, prefix)),
    (c) => c.stop(),
  );
  deadLetters = cleanup.add(
    await collect(testKafka(), topicName(TOPICS.deadLetter.ref, prefix)),
    (c) => c.stop(),
  );
});

afterAll(() => cleanup.run());

describe('commands', () => {
  it('a partial batch failure yields the right result for every record', async () => {
    await sandbox.control('/faults', {
      recordFailure: {
        objectType: 'companies',
        propertyName: 'name',
        value: 'Refuse me',
        message: 'A custom validation rule refused this company',
      },
    });
    const commands = [
      upsert(1, { name: 'One', city: 'Berlin' }, CONNECTION),
      upsert(2, { name: 'Refuse me' }, CONNECTION),
      upsert(3, { name: 'Three' }, CONNECTION),
      upsert(4, { name: 'Four', numberofemployees: 'many' }, CONNECTION),
      update('99999999', { phone: '+1 555' }, 'missing', CONNECTION),
    ];
    await produceCommands(testKafka(), commandsTopic, [...commands, '{"not":"a command"}']);

    await waitFor(
      () => results.messages.length >= commands.length && deadLetters.messages.length >= 1,
      {
        description: 'a result per command and the dead letter',
      },
    );
    const byCommand = new Map(
      results.messages.map((m) => {
        const r = CommandResult.parse(JSON.parse(m.value));
        return [r.payload.commandId, r] as const;
      }),
    );
    const companies = sandbox.instance.store.all('companies');
    const idOf = (n: number) =>
      companies.find((c) => c.properties['salesforceaccountid'] === accountIdOf(n))?.id;

    expect(byCommand.get(commands[0]?.payload.commandId ?? '')?.payload).toMatchObject({
      outcome: 'succeeded',
      recordId: idOf(1),
      created: true,
      // The company as the sandbox answered the upsert: sync-rules needs no read of it.
      written: {
        type: 'hubspot.company-changed.v1',
        payload: {
          recordId: idOf(1),
          changeType: 'created',
          properties: { name: 'One', city: 'Berlin', salesforceaccountid: accountIdOf(1) },
          capturedBy: 'write',
        },
      },
    });
    expect(byCommand.get(commands[2]?.payload.commandId ?? '')?.payload).toMatchObject({
      outcome: 'succeeded',
      recordId: idOf(3),
    });
    expect(byCommand.get(commands[1]?.payload.commandId ?? '')?.payload).toMatchObject({
      outcome: 'failed',
      error: { category: 'validation', message: 'A custom validation rule refused this company' },
    });
    // HubSpot refuses the whole batch for a bad number: the connector splits it until only
    // that record fails, and the others are written.
    expect(byCommand.get(commands[3]?.payload.commandId ?? '')?.payload).toMatchObject({
      outcome: 'failed',
      error: { category: 'property_value', field: 'numberofemployees' },
    });
    expect(byCommand.get(commands[4]?.payload.commandId ?? '')?.payload).toMatchObject({
      outcome: 'failed',
      error: { code: 'OBJECT_NOT_FOUND', category: 'association' },
    });
    expect(idOf(2)).toBeUndefined();
    expect(idOf(4)).toBeUndefined();
    expect(companies).toHaveLength(2);

    const dead = DeadLettered.parse(JSON.parse(deadLetters.messages[0]?.value ?? ''));
    expect(dead.payload).toMatchObject({
      originalTopic: commandsTopic,
      value: '{"not":"a command"}',
    });
    expect(dead.payload.reason).toContain('not a HubSpot command');
  });

  it('runs two consumers of the command topic that hold its partitions between them', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const [topic] = (await admin.fetchTopicMetadata({ topics: [commandsTopic] })).topics;
      let held: number[][] = [];
      await waitFor(
        async () => {
          const [group] = (await admin.describeGroups([commandGroup])).groups;
          if (group?.state !== 'Stable') return false;
          held = group.members.map((m) => assignedPartitions(m.memberAssignment, commandsTopic));
          return true;
        },
        { description: 'the command group settled' },
      );
      expect(held).toHaveLength(2);
      // Every partition is held, by one member only, and neither member sits idle.
      expect(held.flat().sort((a, b) => a - b)).toEqual(
        (topic?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b),
      );
      for (const partitions of held) expect(partitions.length).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
  });
});
