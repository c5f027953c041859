import { describe, expect, it } from '@jest/globals';
import { recordStatus, type RecordFacts } from './record-status.js';
import type { DecisionDoc } from './sync-state.js';

const company = { system: 'hubspot', object: 'company', recordId: '4242' } as const;
const base: RecordFacts = {
  connectionId: 'c1',
  record: company,
  link: undefined,
  errors: [],
  decisions: [],
  account: undefined,
  company: undefined,
};
const decision = (over: Partial<DecisionDoc>): DecisionDoc => ({
  subject: company,
  rule: 'company_to_account',
  decision: { kind: 'skip', reasons: ['ALL_CONTACTS_SYNC_WITH_LEADS'] },
  causationId: 'evt-1',
  decidedAt: '2026-03-01T10:00:00.000Z',
  recordId: '4242',
  ...over,
});

describe('recordStatus', () => {
  it('says why an unlinked company did not sync, in words and with the reason code', () => {
    const status = recordStatus({ ...base, decisions: [decision({})] });
    expect(status.state).toBe('not_synced');
    expect(status.explanation).toBe(
      'Not synced (2026-03-01T10:00:00.000Z): All of the company’s contacts sync with Salesforce leads (unlinked contacts count as the default object for new contacts).',
    );
    expect(status.history[0]?.reasons[0]?.code).toBe('ALL_CONTACTS_SYNC_WITH_LEADS');
  });

  it('shows a linked pair with its last write and latest change times', () => {
    const status = recordStatus({
      ...base,
      link: {
        accountId: '001000000000001AAA',
        companyId: '4242',
        linkedAt: '2026-03-01T09:00:00.000Z',
        via: 'domain',
        deletedOn: null,
      },
      decisions: [
        decision({
          rule: 'echo',
          decision: { kind: 'skip', reasons: ['ECHO_OF_OWN_WRITE'] },
          decidedAt: '2026-03-01T11:00:00.000Z',
        }),
        decision({
          rule: 'account_sync',
          decision: {
            kind: 'update',
            target: 'hubspot',
            reasons: ['CHANGED_AFTER_SYNC_ENABLED', 'LINKED_RECORD_CHANGED'],
          },
        }),
      ],
      account: {
        accountId: '001000000000001AAA',
        changedAt: '2026-03-01T09:30:00.000Z',
        deleted: false,
      },
    });
    expect(status.state).toBe('linked');
    expect(status.lastSync?.kind).toBe('update');
    expect(status.lastChange).toEqual({ salesforce: '2026-03-01T09:30:00.000Z', hubspot: null });
    expect(status.explanation).toContain('matched by website domain');
    expect(status.explanation).toContain(
      'Last synced 2026-03-01T10:00:00.000Z: The account changed after company sync was turned on.',
    );
  });

  it('puts current errors first', () => {
    const status = recordStatus({
      ...base,
      errors: [
        {
          id: 'c1:hubspot:4242:INVALID_OPTION',
          system: 'hubspot',
          recordId: '4242',
          code: 'INVALID_OPTION',
          category: 'property_value',
          retriable: false,
          message: 'industry "Space" is not an option',
          occurredAt: '2026-03-01T10:00:00.000Z',
        },
      ],
      decisions: [decision({})],
    });
    expect(status.state).toBe('failing');
    expect(status.explanation).toBe(
      'Failing to sync: industry "Space" is not an option [property_value, INVALID_OPTION]; fix the cause, then resync it.',
    );
  });

  it('says when nothing is known about the record', () => {
    expect(recordStatus(base).state).toBe('unknown');
  });
});
