import { describe, expect, it } from '@jest/globals';
import { DeadLettered, deadLetterRecord } from './control.js';

describe('deadLetterRecord', () => {
  const failed = { topic: 't', partition: 3, offset: '42', key: 'k', value: '{nope' };

  it('keeps the message whole under its key, with the reason, as a valid DeadLettered', () => {
    const r = deadLetterRecord({
      failed,
      reason: 'not JSON',
      consumerGroup: 'g',
      source: 'sync-rules',
      now: '2026-11-28T10:00:00.000Z',
    });
    expect(r.key).toBe('k');
    const envelope = DeadLettered.parse(JSON.parse(r.value));
    expect(envelope).toMatchObject({
      id: 'dlq:t:3:42',
      connectionId: 'unknown',
      payload: { originalTopic: 't', offset: '42', value: '{nope', reason: 'not JSON' },
    });
  });

  it('derives a key from the position when the message had none, and never an empty reason', () => {
    const r = deadLetterRecord({
      failed: { ...failed, key: null },
      reason: '',
      consumerGroup: 'g',
      source: 'hs-connector',
      connectionId: 'c1',
      now: '2026-11-28T10:00:00.000Z',
    });
    expect(r.key).toBe('t:3:42');
    expect(DeadLettered.parse(JSON.parse(r.value)).payload.reason).toBe('unknown reason');
  });
});
