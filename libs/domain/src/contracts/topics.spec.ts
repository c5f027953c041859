import { describe, expect, it } from '@jest/globals';
import { parseTopicName, topicName } from './topics.js';

describe('topic names', () => {
  it.each([
    [
      { area: 'salesforce', name: 'changes', version: 1 },
      undefined,
      'crm-sync.salesforce.changes.v1',
    ],
    [
      { area: 'hubspot', name: 'dead-letter', version: 2 },
      't-a1b2',
      't-a1b2.crm-sync.hubspot.dead-letter.v2',
    ],
  ] as const)('builds %j with prefix %s as %s', (ref, prefix, expected) => {
    expect(topicName(ref, prefix)).toBe(expected);
    expect(parseTopicName(expected)).toEqual({ ...ref, prefix });
  });

  it.each([
    [{ area: 'sync', name: 'Bad_Name', version: 1 }],
    [{ area: 'sync', name: 'commands', version: 0 }],
    [{ area: 'sync', name: 'commands', version: 1.5 }],
  ] as const)('refuses %j', (ref) => {
    expect(() => topicName(ref)).toThrow(RangeError);
  });

  it.each([
    'orders',
    'crm-sync.elsewhere.changes.v1',
    'crm-sync.sync.changes.v0',
    'crm-sync.sync.changes',
  ])('does not parse foreign topic %s', (topic) => {
    expect(parseTopicName(topic)).toBeUndefined();
  });
});
