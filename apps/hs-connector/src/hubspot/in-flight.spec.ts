import { describe, expect, it } from '@jest/globals';
import { InFlightSlots } from './in-flight.js';

describe('InFlightSlots', () => {
  it('lets at most `limit` through and hands freed slots to live requests first', async () => {
    const slots = new InFlightSlots(2);
    await slots.acquire('backfill');
    await slots.acquire('backfill');
    const order: string[] = [];
    const b = slots.acquire('backfill').then(() => order.push('backfill'));
    const l = slots.acquire('live').then(() => order.push('live'));
    expect(slots.inFlight).toBe(2);
    slots.release();
    await l;
    expect(order).toEqual(['live']);
    slots.release();
    await b;
    expect(order).toEqual(['live', 'backfill']);
    slots.release();
    slots.release();
    expect(slots.inFlight).toBe(0);
  });
});
