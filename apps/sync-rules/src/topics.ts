import { TOPICS, topicName, type TopicRef } from '@crm-sync/domain';
import type { TopicSpec } from '@crm-sync/kafka';
import { JOB_EVENTS_TOPIC } from './jobs/job-events.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * sync-rules' internal topic: every input re-keyed by its sync subject (see `subjectKey`), so one
 * partition — one instance — owns everything about one account/company pair.
 */
export const WORK_TOPIC = {
  ref: { area: 'sync', name: 'work', version: 1 } satisfies TopicRef,
  partitions: 12,
  retentionMs: 7 * DAY_MS,
};

/**
 * sync-rules' state changelog: every row of its in-memory state, latest version per key kept
 * forever by compaction, so a starting instance restores the state from it (see `StateReplica`).
 */
export const STATE_TOPIC = {
  ref: { area: 'sync', name: 'state', version: 1 } satisfies TopicRef,
  partitions: 12,
};

export interface SyncRulesTopics {
  readonly salesforceChanges: string;
  readonly hubspotChanges: string;
  readonly commandResults: string;
  readonly salesforceCommands: string;
  readonly hubspotCommands: string;
  readonly syncDecisions: string;
  readonly syncControl: string;
  readonly deadLetter: string;
  readonly work: string;
  readonly state: string;
  readonly jobEvents: string;
}

export function syncRulesTopics(prefix: string | undefined): SyncRulesTopics {
  const name = (ref: TopicRef) => topicName(ref, prefix);
  return {
    salesforceChanges: name(TOPICS.salesforceChanges.ref),
    hubspotChanges: name(TOPICS.hubspotChanges.ref),
    commandResults: name(TOPICS.commandResults.ref),
    salesforceCommands: name(TOPICS.salesforceCommands.ref),
    hubspotCommands: name(TOPICS.hubspotCommands.ref),
    syncDecisions: name(TOPICS.syncDecisions.ref),
    syncControl: name(TOPICS.syncControl.ref),
    deadLetter: name(TOPICS.deadLetter.ref),
    work: name(WORK_TOPIC.ref),
    state: name(STATE_TOPIC.ref),
    jobEvents: name(JOB_EVENTS_TOPIC.ref),
  };
}

/** Every topic sync-rules reads or writes, for `ensureTopics` at boot. */
export function syncRulesTopicSpecs(prefix: string | undefined): TopicSpec[] {
  const spec = (
    t: { ref: TopicRef; partitions: number; retentionMs?: number },
    cleanupPolicy: 'delete' | 'compact' = 'delete',
  ): TopicSpec => ({
    topic: topicName(t.ref, prefix),
    partitions: t.partitions,
    cleanupPolicy,
    // -1 keeps messages forever (the control topic: settings must be rebuildable from it).
    ...(t.retentionMs === undefined ? {} : { retentionMs: t.retentionMs }),
  });
  return [
    spec(TOPICS.salesforceChanges),
    spec(TOPICS.hubspotChanges),
    spec(TOPICS.commandResults),
    spec(TOPICS.salesforceCommands),
    spec(TOPICS.hubspotCommands),
    spec(TOPICS.syncDecisions),
    spec(TOPICS.syncControl),
    spec(TOPICS.deadLetter),
    spec(WORK_TOPIC),
    spec(STATE_TOPIC, 'compact'),
    spec(JOB_EVENTS_TOPIC),
  ];
}
