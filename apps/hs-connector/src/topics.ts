import { TOPICS, topicName, type TopicSpecification } from '@crm-sync/domain';
import type { TopicSpec } from '@crm-sync/kafka';

/** The topics hs-connector reads or writes, by role. */
export interface HsConnectorTopics {
  readonly webhookInbox: string;
  readonly hubspotChanges: string;
  readonly hubspotCommands: string;
  readonly commandResults: string;
  readonly syncControl: string;
  readonly deadLetter: string;
}

const USED = {
  webhookInbox: TOPICS.hubspotWebhookInbox,
  hubspotChanges: TOPICS.hubspotChanges,
  hubspotCommands: TOPICS.hubspotCommands,
  commandResults: TOPICS.commandResults,
  syncControl: TOPICS.syncControl,
  deadLetter: TOPICS.deadLetter,
} as const satisfies Record<keyof HsConnectorTopics, TopicSpecification>;

export function hsConnectorTopics(prefix: string | undefined): HsConnectorTopics {
  const name = (t: TopicSpecification) => topicName(t.ref, prefix);
  return {
    webhookInbox: name(USED.webhookInbox),
    hubspotChanges: name(USED.hubspotChanges),
    hubspotCommands: name(USED.hubspotCommands),
    commandResults: name(USED.commandResults),
    syncControl: name(USED.syncControl),
    deadLetter: name(USED.deadLetter),
  };
}

/** Every topic hs-connector uses, for `ensureTopics` at boot. */
export function hsConnectorTopicSpecs(prefix: string | undefined): TopicSpec[] {
  return Object.values(USED).map((t: TopicSpecification) => ({
    topic: topicName(t.ref, prefix),
    partitions: t.partitions,
    cleanupPolicy: t.cleanupPolicy,
    ...(t.retentionMs === undefined || t.retentionMs < 0 ? {} : { retentionMs: t.retentionMs }),
  }));
}
