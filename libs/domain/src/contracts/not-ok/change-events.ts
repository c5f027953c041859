import { VALID_CHANGE_EVENTS } from '../ok/change-events.js';

/** Change events that must be refused, with a fragment of the expected reason. */
function base(i: number): Record<string, unknown> {
  const entry = VALID_CHANGE_EVENTS[i];
  if (entry === undefined) throw new RangeError(`no fixture ${i}`);
  return structuredClone(entry[1]) as Record<string, unknown>;
}
function withPayload(i: number, patch: Record<string, unknown>): unknown {
  const e = base(i);
  return { ...e, payload: { ...(e['payload'] as Record<string, unknown>), ...patch } };
}

export const INVALID_CHANGE_EVENTS: readonly (readonly [string, unknown, string])[] = [
  ['not an object', 'hello', 'object'],
  ['unknown type', { ...base(0), type: 'salesforce.opportunity-changed.v1' }, 'type'],
  ['payload kind does not match type', { ...base(0), type: 'hubspot.company-changed.v1' }, 'kind'],
  ['missing connectionId', { ...base(0), connectionId: undefined }, 'connectionId'],
  ['bad occurredAt', { ...base(0), occurredAt: 'yesterday' }, 'occurredAt'],
  ['bad Salesforce id', withPayload(0, { recordId: 'acme' }), 'recordId'],
  ['unknown change type', withPayload(0, { changeType: 'exploded' }), 'changeType'],
  ['merged without master', withPayload(0, { changeType: 'merged' }), 'masterRecordId'],
  [
    'master on an update',
    withPayload(0, { masterRecordId: '001000000000002AAA' }),
    'masterRecordId',
  ],
  ['update without createdDate', withPayload(0, { createdDate: undefined }), 'createdDate'],
  ['snapshot without job', withPayload(0, { changeType: 'snapshot' }), 'importJobId'],
  ['object field value', withPayload(0, { fields: { BillingAddress: { city: 'x' } } }), 'fields'],
  [
    'HubSpot number property',
    withPayload(6, { properties: { numberofemployees: 12 } }),
    'properties',
  ],
  ['HubSpot merged without target', withPayload(7, { mergedIntoId: undefined }), 'mergedIntoId'],
  ['HubSpot bad id', withPayload(6, { recordId: 'abc' }), 'recordId'],
  ['association bad change', withPayload(9, { changeType: 'updated' }), 'changeType'],
];
