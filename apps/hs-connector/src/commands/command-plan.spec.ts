import { describe, expect, it } from '@jest/globals';
import { planWrites } from './command-plan.js';
import { accountIdOf, lifecycle, update, upsert } from '../../test/command-fixtures.js';

describe('planWrites', () => {
  it('puts at most 100 upserts in a request, each account once', () => {
    const plan = planWrites(Array.from({ length: 250 }, (_, i) => upsert(i)));
    expect(plan.upserts.map((r) => r.length)).toEqual([100, 100, 50]);
    expect(plan.updates).toEqual([]);
    const ids = plan.upserts.flat().map((g) => g.input.id);
    expect(new Set(ids).size).toBe(250);
  });

  it('folds commands for one record into one input, later values winning, keeping every command', () => {
    const a = upsert(1, { name: 'Old', city: 'Berlin' });
    const b = upsert(1, { name: 'New' });
    const u1 = update('901', { phone: '1' }, 'x');
    const u2 = lifecycle('901', 'customer');
    const u3 = update('901', { phone: '2' }, 'y');
    const plan = planWrites([a, u1, b, u2, u3]);
    expect(plan.upserts).toEqual([
      [
        {
          input: { id: accountIdOf(1), properties: { name: 'New', city: 'Berlin' } },
          commands: [a, b],
        },
      ],
    ]);
    expect(plan.updates).toEqual([
      [
        {
          input: { id: '901', properties: { phone: '2', lifecyclestage: 'customer' } },
          commands: [u1, u2, u3],
        },
      ],
    ]);
  });
});
