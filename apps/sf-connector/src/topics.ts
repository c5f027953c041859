import { TOPICS, topicName, type TopicSpecification } from '@crm-sync/domain';
import type { TopicSpec } from '@crm-sync/kafka';

/** The topics sf-connector reads and writes, with the deployment's prefix applied. */
export interface SfConnectorTopics {
  readonly salesforceChanges: string;
  readonly salesforceAccountState: string;
  readonly salesforceCommands: string;
  readonly commandResults: string;
  readonly syncControl: string;
  readonly deadLetter: string;
}

const USED = [
  'salesforceChanges',
  'salesforceAccountState',
  'salesforceCommands',
  'commandResults',
  'syncControl',
  'deadLetter',
] as const satisfies readonly (keyof SfConnectorTopics & keyof typeof TOPICS)[];

export function sfConnectorTopics(prefix: string | undefined): SfConnectorTopics {
  const names = Object.fromEntries(USED.map((id) => [id, topicName(TOPICS[id].ref, prefix)]));
  return names as unknown as SfConnectorTopics;
}

/** Specs for `ensureTopics` at boot (a topic that exists is left as it is). */
export function sfConnectorTopicSpecs(prefix: string | undefined): TopicSpec[] {
  return USED.map((id) => specOf(TOPICS[id], prefix));
}

function specOf(t: TopicSpecification, prefix: string | undefined): TopicSpec {
  return {
    topic: topicName(t.ref, prefix),
    partitions: t.partitions,
    cleanupPolicy: t.cleanupPolicy,
    // -1 (keep forever) is a valid retention.ms: the control topic's history is the settings' truth.
    ...(t.retentionMs === undefined ? {} : { retentionMs: t.retentionMs }),
  };
}
