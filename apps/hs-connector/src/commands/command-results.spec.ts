import { describe, expect, it } from '@jest/globals';
import { CommandResult } from '@crm-sync/domain';
import { planWrites } from './command-plan.js';
import { classifyWriteError, outcomesOf, resultMessage } from './command-results.js';
import { accountIdOf, upsert } from '../../test/command-fixtures.js';

const groups = planWrites([upsert(1), upsert(2), upsert(3), upsert(4)]).upserts[0] ?? [];
/** A result as HubSpot answers it (the properties and version do not matter here). */
const answered = (inputId: string, companyId: string, created: boolean) => ({
  inputId,
  companyId,
  created,
  properties: { salesforceaccountid: inputId },
  updatedAt: '2026-03-01T12:00:00.000Z',
});

describe('outcomesOf (207 multi-status)', () => {
  it('maps results and errors to the inputs they name', () => {
    const outcomes = outcomesOf(groups, {
      results: [answered(accountIdOf(1), '501', true), answered(accountIdOf(3), '503', false)],
      errors: [
        {
          status: undefined,
          category: 'VALIDATION_ERROR',
          message:
            'Property values were not valid: [{"isValid":false,"name":"numberofemployees","error":"INVALID_INTEGER","message":"x"}]',
          ids: [accountIdOf(2)],
        },
        {
          status: undefined,
          category: 'CONFLICT',
          message: 'already exists',
          ids: [accountIdOf(4)],
        },
      ],
    });
    expect(outcomes.get(accountIdOf(1))).toEqual({
      outcome: 'succeeded',
      recordId: '501',
      created: true,
    });
    expect(outcomes.get(accountIdOf(3))).toEqual({
      outcome: 'succeeded',
      recordId: '503',
      created: false,
    });
    expect(outcomes.get(accountIdOf(2))).toMatchObject({
      outcome: 'failed',
      error: {
        code: 'INVALID_INTEGER',
        category: 'property_value',
        field: 'numberofemployees',
        retriable: false,
      },
    });
    expect(outcomes.get(accountIdOf(4))).toMatchObject({
      outcome: 'failed',
      error: { category: 'duplicate', retriable: false },
    });
  });

  it('gives an error without ids to the inputs left unanswered, and never invents a success', () => {
    const unattributed = outcomesOf(groups, {
      results: [answered(accountIdOf(1), '501', true)],
      errors: [{ status: 400, category: 'VALIDATION_ERROR', message: 'nope', ids: [] }],
    });
    expect([...unattributed.values()].filter((o) => o.outcome === 'failed')).toHaveLength(3);
    const silent = outcomesOf(groups, { results: [], errors: [] });
    expect(silent.get(accountIdOf(2))).toMatchObject({
      outcome: 'failed',
      error: { code: 'NO_RESULT', category: 'transient', retriable: true },
    });
  });

  it('classifies 207 entries by category when they carry no status', () => {
    expect(
      classifyWriteError({
        status: undefined,
        category: 'OBJECT_NOT_FOUND',
        message: 'gone',
        ids: ['1'],
      }),
    ).toMatchObject({
      code: 'OBJECT_NOT_FOUND',
      category: 'association',
    });
  });
});

describe('resultMessage', () => {
  it('is a valid command result keyed like its command, with an id derived from the command', () => {
    const command = upsert(7);
    const m = resultMessage(
      'results',
      command,
      { outcome: 'succeeded', recordId: '77', created: true },
      '2026-03-01T12:00:01.000Z',
    );
    const parsed = CommandResult.parse(JSON.parse(m.value));
    expect(parsed).toMatchObject({
      id: `${command.id}:result`,
      type: 'sync.command-succeeded.v1',
      payload: {
        commandId: command.payload.commandId,
        recordId: '77',
        created: true,
        system: 'hubspot',
      },
    });
    expect(m.key).toBe(`c1:salesforce:Account:${accountIdOf(7)}`);
  });
});
