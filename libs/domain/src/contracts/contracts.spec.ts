import { describe, expect, it } from '@jest/globals';
import { changeEventKey, decodeChangeEvent, parseChangeEvent } from './change-events.js';
import {
  COMMAND_TYPES,
  CommandResult,
  HubSpotCommand,
  SalesforceCommand,
  canonicalJson,
  commandResultOf,
  fnv1a64,
  commandKey,
  idempotencyKey,
} from './commands.js';
import { ControlMessage, DeadLettered } from './control.js';
import { DecisionRecorded, SyncDecision } from './decisions.js';
import { connectionKey, parseRecordKey, recordKey } from './keys.js';
import { ConnectionSettings, disableCompanySync, enableCompanySync } from './settings.js';
import { TOPICS, parseTopicName, topicName } from './topics.js';
import { INVALID_CHANGE_EVENTS } from './not-ok/change-events.js';
import { VALID_CHANGE_EVENTS } from './ok/change-events.js';

const env = (type: string, payload: unknown, source = 'sync-rules') => ({
  id: 'm-1',
  type,
  connectionId: 'c1',
  occurredAt: '2025-03-01T10:00:00Z',
  source,
  payload,
});

describe('topic catalogue', () => {
  it('names every topic with the one grammar, uniquely', () => {
    const names = Object.values(TOPICS).map((t) => topicName(t.ref));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(parseTopicName(n)).toBeDefined();
    expect(topicName(TOPICS.deadLetter.ref)).toBe('crm-sync.ops.dead-letter.v1');
  });

  it('compacts only the account state topic', () => {
    const compacted = Object.entries(TOPICS).filter(([, t]) => t.cleanupPolicy === 'compact');
    expect(compacted.map(([id]) => id)).toEqual(['salesforceAccountState']);
  });
});

describe('record keys', () => {
  it('round-trips a key', () => {
    const key = recordKey('c1', {
      system: 'salesforce',
      object: 'Account',
      recordId: '001000000000001AAA',
    });
    expect(key).toBe('c1:salesforce:Account:001000000000001AAA');
    expect(parseRecordKey(key)).toEqual({
      connectionId: 'c1',
      ref: { system: 'salesforce', object: 'Account', recordId: '001000000000001AAA' },
    });
  });

  it.each([
    'c1:hubspot:deal:1',
    'c1:hubspot:company',
    ':hubspot:company:1',
    'c1:hubspot:company:abc',
  ])('does not parse %s', (key) => {
    expect(parseRecordKey(key)).toBeUndefined();
  });

  it.each(['', 'a:b'])('refuses connection id %j', (id) => {
    expect(() => connectionKey(id)).toThrow(RangeError);
  });
});

describe('parseChangeEvent', () => {
  it.each(VALID_CHANGE_EVENTS)('accepts %s', (_name, input) => {
    const r = parseChangeEvent(input);
    expect(r.ok).toBe(true);
  });

  it.each(INVALID_CHANGE_EVENTS)('refuses %s with a reason', (_name, input, fragment) => {
    const r = parseChangeEvent(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(fragment);
  });

  it('defaults autoCreated to false', () => {
    const [, input] = VALID_CHANGE_EVENTS[6] ?? [];
    const e = structuredClone(input) as { payload: Record<string, unknown> };
    delete e.payload['autoCreated'];
    const r = parseChangeEvent(e);
    expect(r.ok && r.event.payload.kind === 'hubspot_company' && r.event.payload.autoCreated).toBe(
      false,
    );
  });

  it('decodes raw text and reports bad JSON', () => {
    expect(decodeChangeEvent(JSON.stringify(VALID_CHANGE_EVENTS[0]?.[1])).ok).toBe(true);
    const r = decodeChangeEvent('{nope');
    expect(r.ok ? '' : r.reason).toMatch(/^not JSON/);
  });

  it('keys each kind by its record (associations by the contact)', () => {
    const keys = VALID_CHANGE_EVENTS.map(([, input]) => {
      const r = parseChangeEvent(input);
      if (!r.ok) throw new Error(r.reason);
      return changeEventKey(r.event);
    });
    expect(keys).toEqual([
      'c1:salesforce:Account:001000000000001AAA',
      'c1:salesforce:Account:001000000000001AAA',
      'c1:salesforce:Account:001000000000001AAA',
      'c1:salesforce:Account:001000000000001AAA',
      'c1:salesforce:Contact:003000000000001',
      'c1:salesforce:Lead:00Q000000000001AAA',
      'c1:hubspot:company:123',
      'c1:hubspot:company:123',
      'c1:hubspot:contact:123',
      'c1:hubspot:contact:2',
    ]);
  });
});

describe('commands', () => {
  const base = { commandId: 'cmd-1', idempotencyKey: 'k', causationId: 'evt-1' };
  const sfId = '001000000000001AAA';
  const commands: [string, unknown, string][] = [
    [
      COMMAND_TYPES.upsertSalesforceAccount,
      {
        ...base,
        externalIdField: 'HubSpot_Company_Id__c',
        hubspotCompanyId: '7',
        fields: { Name: 'A' },
      },
      'c1:hubspot:company:7',
    ],
    [
      COMMAND_TYPES.updateSalesforceAccount,
      { ...base, accountId: sfId, hubspotCompanyId: '7', fields: { Name: 'A' } },
      `c1:salesforce:Account:${sfId}`,
    ],
    [
      COMMAND_TYPES.linkSalesforceAccount,
      { ...base, accountId: sfId, externalIdField: 'HubSpot_Company_Id__c', hubspotCompanyId: '7' },
      `c1:salesforce:Account:${sfId}`,
    ],
    [
      COMMAND_TYPES.reparentSalesforceContact,
      { ...base, contactId: '003000000000001AAA', accountId: sfId },
      'c1:salesforce:Contact:003000000000001AAA',
    ],
    [
      COMMAND_TYPES.upsertHubSpotCompany,
      { ...base, salesforceAccountId: sfId, properties: { name: 'A' } },
      `c1:salesforce:Account:${sfId}`,
    ],
    [
      COMMAND_TYPES.updateHubSpotCompany,
      { ...base, companyId: '7', salesforceAccountId: sfId, properties: { name: null } },
      'c1:hubspot:company:7',
    ],
    [
      COMMAND_TYPES.linkHubSpotCompany,
      { ...base, companyId: '7', salesforceAccountId: sfId },
      'c1:hubspot:company:7',
    ],
    [
      COMMAND_TYPES.setHubSpotCompanyLifecycleStage,
      { ...base, companyId: '7', lifecycleStage: 'customer' },
      'c1:hubspot:company:7',
    ],
  ];

  it.each(commands)('parses %s and keys it by its subject', (type, payload, key) => {
    const schema = type.startsWith('salesforce.') ? SalesforceCommand : HubSpotCommand;
    const cmd = schema.parse(env(type, payload));
    expect(commandKey(cmd)).toBe(key);
  });

  it('refuses an update without fields', () => {
    const r = SalesforceCommand.safeParse(
      env(COMMAND_TYPES.updateSalesforceAccount, {
        ...base,
        accountId: sfId,
        hubspotCompanyId: '7',
        fields: {},
      }),
    );
    expect(r.success).toBe(false);
  });

  it('gives the same effect and cause the same idempotency key, whatever the key order', () => {
    const subject = { system: 'salesforce', object: 'Account', recordId: sfId } as const;
    const a = idempotencyKey({
      type: COMMAND_TYPES.updateSalesforceAccount,
      connectionId: 'c1',
      subject,
      causationId: 'e1',
      effect: { Name: 'A', Phone: '1' },
    });
    const b = idempotencyKey({
      type: COMMAND_TYPES.updateSalesforceAccount,
      connectionId: 'c1',
      subject,
      causationId: 'e1',
      effect: { Phone: '1', Name: 'A' },
    });
    const otherCause = idempotencyKey({
      type: COMMAND_TYPES.updateSalesforceAccount,
      connectionId: 'c1',
      subject,
      causationId: 'e2',
      effect: { Name: 'A', Phone: '1' },
    });
    const otherEffect = idempotencyKey({
      type: COMMAND_TYPES.updateSalesforceAccount,
      connectionId: 'c1',
      subject,
      causationId: 'e1',
      effect: { Name: 'B', Phone: '1' },
    });
    expect(a).toBe(b);
    expect(a).toMatch(
      /^salesforce\.update-account\.v1:c1:salesforce:Account:001000000000001AAA:[0-9a-f]{16}$/,
    );
    expect(new Set([a, otherCause, otherEffect]).size).toBe(3);
  });

  it('digests with FNV-1a 64: known vectors, and the BigInt definition on varied text', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    const reference = (text: string) => {
      let hash = 0xcbf29ce484222325n;
      for (let i = 0; i < text.length; i++) {
        hash ^= BigInt(text.charCodeAt(i));
        hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      return hash.toString(16).padStart(16, '0');
    };
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let n = 0; n < 2_000; n++) {
      const length = next() % 300;
      const text = Array.from({ length }, () =>
        String.fromCharCode(next() % 4 === 0 ? next() % 0x10000 : 32 + (next() % 95)),
      ).join('');
      expect(fnv1a64(text)).toBe(reference(text));
    }
  });

  it('canonicalises nested values and drops undefined', () => {
    expect(canonicalJson({ b: [1, { d: undefined, c: null }], a: 'x' })).toBe(
      '{"a":"x","b":[1,{"c":null}]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('orders keys as a sort by < does, whatever order they were set in', () => {
    const reference = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    };
    let seed = 99;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const names = [
      'a',
      'b',
      'Z',
      'name',
      'Name',
      'hs_lead_status',
      '10',
      '9',
      'é',
      '',
      'a_b',
      'ab',
    ];
    for (let n = 0; n < 500; n++) {
      const value: Record<string, unknown> = {};
      for (let k = next() % 40; k > 0; k--) {
        const name = `${names[next() % names.length] ?? ''}${String(next() % 3 === 0 ? next() % 50 : '')}`;
        value[name] = next() % 5 === 0 ? undefined : next() % 2 === 0 ? { [name]: k } : k;
      }
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('parses results of both outcomes', () => {
    const common = {
      commandId: 'cmd-1',
      idempotencyKey: 'k',
      commandType: COMMAND_TYPES.upsertHubSpotCompany,
      system: 'hubspot',
      completedAt: '2025-03-01T10:00:00Z',
      attempt: 1,
    };
    expect(
      CommandResult.safeParse(
        env(
          'sync.command-succeeded.v1',
          { ...common, outcome: 'succeeded', recordId: '7', created: true },
          'hs-connector',
        ),
      ).success,
    ).toBe(true);
    expect(
      CommandResult.safeParse(
        env(
          'sync.command-failed.v1',
          {
            ...common,
            outcome: 'failed',
            error: { code: 'CONFLICT', category: 'duplicate', retriable: false, message: 'x' },
          },
          'hs-connector',
        ),
      ).success,
    ).toBe(true);
    expect(
      CommandResult.safeParse(
        env('sync.command-failed.v1', {
          ...common,
          outcome: 'failed',
          error: { code: 'X', category: 'weird', retriable: false, message: 'x' },
        }),
      ).success,
    ).toBe(false);
  });
  it('builds a valid result of either outcome that repeats the command', () => {
    const command = {
      type: COMMAND_TYPES.upsertHubSpotCompany,
      connectionId: 'c1',
      payload: { commandId: 'cmd-9', idempotencyKey: 'k9' },
    };
    const origin = {
      id: 'cmd-9:result',
      source: 'hs-connector',
      system: 'hubspot',
      attempt: 2,
      completedAt: '2025-03-01T10:00:00.000Z',
    } as const;
    const error = {
      code: 'CONFLICT',
      category: 'duplicate',
      retriable: false,
      message: 'x',
    } as const;
    const payload = {
      commandId: 'cmd-9',
      idempotencyKey: 'k9',
      commandType: COMMAND_TYPES.upsertHubSpotCompany,
      system: 'hubspot',
      completedAt: origin.completedAt,
      attempt: 2,
    };
    const succeeded = commandResultOf(
      command,
      { outcome: 'succeeded', recordId: '7', created: true },
      origin,
    );
    const failed = commandResultOf(command, { outcome: 'failed', error }, origin);
    expect(CommandResult.parse(JSON.parse(JSON.stringify(succeeded)))).toEqual({
      id: 'cmd-9:result',
      connectionId: 'c1',
      occurredAt: origin.completedAt,
      source: 'hs-connector',
      type: 'sync.command-succeeded.v1',
      payload: { ...payload, outcome: 'succeeded', recordId: '7', created: true },
    });
    expect(CommandResult.parse(JSON.parse(JSON.stringify(failed)))).toMatchObject({
      type: 'sync.command-failed.v1',
      payload: { ...payload, outcome: 'failed', error },
    });
  });
});

describe('settings', () => {
  it('fills defaults: sync off, Lead, record_only, 200,000', () => {
    const s = ConnectionSettings.parse({ connectionId: 'c1' });
    expect(s).toMatchObject({
      syncCompanies: false,
      syncEnabledAt: null,
      defaultSalesforceObjectForNewContacts: 'Lead',
      inclusionList: null,
      deletePolicy: 'record_only',
      massSyncLimit: 200_000,
      salesforceExternalIdField: 'HubSpot_Company_Id__c',
      apiBudget: { salesforceDailyShare: 0.5 },
    });
  });

  it('refuses sync on without syncEnabledAt', () => {
    expect(ConnectionSettings.safeParse({ connectionId: 'c1', syncCompanies: true }).success).toBe(
      false,
    );
  });

  it('records syncEnabledAt when turned on, keeps it while on, clears it when off', () => {
    const off = ConnectionSettings.parse({ connectionId: 'c1' });
    const on = enableCompanySync(off, '2025-01-01T00:00:00Z');
    expect(on).toMatchObject({ syncCompanies: true, syncEnabledAt: '2025-01-01T00:00:00Z' });
    expect(enableCompanySync(on, '2026-01-01T00:00:00Z').syncEnabledAt).toBe(
      '2025-01-01T00:00:00Z',
    );
    expect(disableCompanySync(on)).toMatchObject({ syncCompanies: false, syncEnabledAt: null });
  });

  it('parses an inclusion list and refuses an empty group', () => {
    const list = {
      groups: [
        {
          filters: [
            { property: 'email', operator: 'contains', value: '@' },
            { property: 'x', operator: 'in', values: ['a'] },
            { property: 'y', operator: 'has_property' },
          ],
        },
      ],
    };
    expect(ConnectionSettings.safeParse({ connectionId: 'c1', inclusionList: list }).success).toBe(
      true,
    );
    expect(
      ConnectionSettings.safeParse({
        connectionId: 'c1',
        inclusionList: { groups: [{ filters: [] }] },
      }).success,
    ).toBe(false);
  });
});

describe('control, decisions, dead letter', () => {
  it.each([
    ['sync.settings-changed.v1', { settings: { connectionId: 'c1' }, changedBy: 'u1' }],
    ['sync.mappings-changed.v1', { mappings: [], changedBy: 'u1', massSyncJobId: 'j1' }],
    [
      'sync.resync-requested.v1',
      { jobId: 'j1', scope: { kind: 'company', companyId: '7' }, requestedBy: 'u1' },
    ],
    ['sync.import-requested.v1', { jobId: 'j1', object: 'Account', requestedBy: 'u1' }],
    [
      'sync.replay-requested.v1',
      { jobId: 'j1', from: '2025-01-01T00:00:00Z', requestedBy: 'u1', reason: 'new mapping' },
    ],
    ['sync.mass-sync-requested.v1', { jobId: 'j1', resumeAfter: '99', requestedBy: 'u1' }],
  ])('parses control message %s', (type, payload) => {
    expect(ControlMessage.safeParse(env(type, payload, 'settings-api')).success).toBe(true);
  });

  it('refuses a resync with an unknown scope', () => {
    expect(
      ControlMessage.safeParse(
        env('sync.resync-requested.v1', { jobId: 'j', scope: { kind: 'deal' }, requestedBy: 'u' }),
      ).success,
    ).toBe(false);
  });

  it('parses a decision record and refuses a decision without reasons', () => {
    const record = {
      subject: { system: 'hubspot', object: 'company', recordId: '7' },
      rule: 'company_to_account',
      decision: { kind: 'skip', reasons: ['NO_ASSOCIATED_CONTACTS'] },
      causationId: 'e1',
      decidedAt: '2025-01-01T00:00:00Z',
    };
    expect(DecisionRecorded.safeParse(env('sync.decision-recorded.v1', record)).success).toBe(true);
    expect(SyncDecision.safeParse({ kind: 'skip', reasons: [] }).success).toBe(false);
    expect(
      SyncDecision.safeParse({
        kind: 'conflict',
        target: 'hubspot',
        step: 'domain',
        candidates: ['1'],
        reasons: ['POSSIBLE_DUPLICATE'],
      }).success,
    ).toBe(false);
  });

  it('parses a dead letter', () => {
    const dl = {
      originalTopic: 't',
      partition: 0,
      offset: '42',
      key: null,
      value: '{',
      reason: 'not JSON',
      consumerGroup: 'g',
      failedAt: '2025-01-01T00:00:00Z',
    };
    expect(DeadLettered.safeParse(env('ops.dead-lettered.v1', dl)).success).toBe(true);
    expect(DeadLettered.safeParse(env('ops.dead-lettered.v1', { ...dl, offset: -1 })).success).toBe(
      false,
    );
  });
});
