import type { CaptureMethod, SalesforceObject } from '@crm-sync/domain';
import type { OutboundMessage } from '@crm-sync/kafka';
import {
  accountStateMessage,
  accountStateOf,
  changeEventOf,
  changeMessage,
  polledChange,
} from '../capture/change-events.js';
import { polledRecordOf, type PolledRecord } from '../capture/records.js';
import type { SfConnectorTopics } from '../topics.js';

/**
 * Queried records as snapshot events (plus account states): what an import or a manual resync
 * publishes. Records that cannot be placed in time are returned apart, with the reason.
 */
export function snapshotMessages(input: {
  readonly connectionId: string;
  readonly object: SalesforceObject;
  readonly raw: readonly Readonly<Record<string, unknown>>[];
  readonly jobId: string;
  readonly capturedBy: Extract<CaptureMethod, 'import' | 'manual'>;
  readonly topics: SfConnectorTopics;
}): {
  readonly records: PolledRecord[];
  readonly messages: OutboundMessage[];
  readonly invalid: string[];
} {
  const records: PolledRecord[] = [];
  const invalid: string[] = [];
  const messages: OutboundMessage[] = [];
  for (const r of input.raw) {
    const record = polledRecordOf(input.object, r);
    if ('invalid' in record) {
      invalid.push(record.invalid);
      continue;
    }
    records.push(record);
    const change = polledChange(record, 'snapshot', {
      capturedBy: input.capturedBy,
      importJobId: input.jobId,
    });
    messages.push(
      changeMessage(input.topics.salesforceChanges, changeEventOf(input.connectionId, change)),
    );
    if (input.object === 'Account') {
      messages.push(
        accountStateMessage(
          input.topics.salesforceAccountState,
          accountStateOf(input.connectionId, record),
        ),
      );
    }
  }
  return { records, messages, invalid };
}
