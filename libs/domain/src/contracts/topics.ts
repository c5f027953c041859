/**
 * Topic names follow one grammar: `crm-sync.<area>.<name>.v<version>`.
 *
 * - `area` says who owns the topic (`salesforce`, `hubspot`, `sync`, `ops`),
 * - `name` what flows in it (`changes`, `commands`, `results`, `dead-letter`, ...),
 * - `version` bumps when the message schema changes incompatibly; readers move on their own time.
 *
 * A test or a second deployment on a shared broker can prefix every name (see `topicName`).
 */
export const TOPIC_AREAS = ['salesforce', 'hubspot', 'sync', 'ops'] as const;
export type TopicArea = (typeof TOPIC_AREAS)[number];

export interface TopicRef {
  readonly area: TopicArea;
  readonly name: string;
  readonly version: number;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const TOPIC_PATTERN = /^(?:([a-z0-9-]+)\.)?crm-sync\.([a-z]+)\.([a-z][a-z0-9-]*)\.v([1-9][0-9]*)$/;

/** Builds a topic name from its parts; `prefix` isolates tests and tenants on one broker. */
export function topicName(ref: TopicRef, prefix?: string): string {
  if (!NAME_PATTERN.test(ref.name)) {
    throw new RangeError(`Topic name part "${ref.name}" must match ${String(NAME_PATTERN)}`);
  }
  if (!Number.isInteger(ref.version) || ref.version < 1) {
    throw new RangeError(`Topic version must be a positive integer, got ${ref.version}`);
  }
  if (prefix !== undefined && !NAME_PATTERN.test(prefix)) {
    throw new RangeError(`Topic prefix "${prefix}" must match ${String(NAME_PATTERN)}`);
  }
  const base = `crm-sync.${ref.area}.${ref.name}.v${ref.version}`;
  return prefix === undefined ? base : `${prefix}.${base}`;
}

/** Parses a topic name back into its parts, or returns undefined when it is not ours. */
export function parseTopicName(
  topic: string,
): (TopicRef & { readonly prefix: string | undefined }) | undefined {
  const m = TOPIC_PATTERN.exec(topic);
  if (!m) return undefined;
  const [, prefix, area, name, version] = m;
  if (!TOPIC_AREAS.includes(area as TopicArea) || name === undefined || version === undefined) {
    return undefined;
  }
  return { prefix, area: area as TopicArea, name, version: Number(version) };
}

/** Kafka properties of one topic; `ensureTopics` in libs/kafka creates them from this. */
export interface TopicSpecification {
  readonly ref: TopicRef;
  readonly partitions: number;
  /** `compact` keeps the latest message per key (state); `delete` ages messages out. */
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Undefined = broker default; `-1` = keep forever (replay needs history). */
  readonly retentionMs?: number;
  /** What the message key is (see `keys.ts`); documented here so producers cannot disagree. */
  readonly keyedBy: 'record' | 'command-subject' | 'connection' | 'original-key';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every topic crm-sync uses. Change and command topics keep history for replay; the account state
 * topic is compacted so a replay can start from the latest snapshot of every account without
 * calling Salesforce again. Partition counts are the creation defaults; a topic's partitions only
 * grow by hand (growing them moves keys, so do it while the consumers are drained).
 */
export const TOPICS = {
  /** Salesforce Account/Contact/Lead change events (CDC, polling, import snapshots). */
  salesforceChanges: {
    ref: { area: 'salesforce', name: 'changes', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'record',
  },
  /** HubSpot company/contact change events and contact↔company association changes. */
  hubspotChanges: {
    ref: { area: 'hubspot', name: 'changes', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'record',
  },
  /**
   * Raw HubSpot webhook events as accepted (signature verified), before the connector reads the
   * full records: durable first, so the endpoint can answer HubSpot quickly.
   */
  hubspotWebhookInbox: {
    ref: { area: 'hubspot', name: 'webhook-inbox', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'record',
  },
  /** Writes the Salesforce connector performs. */
  salesforceCommands: {
    ref: { area: 'salesforce', name: 'commands', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'command-subject',
  },
  /** Writes the HubSpot connector performs. */
  hubspotCommands: {
    ref: { area: 'hubspot', name: 'commands', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'command-subject',
  },
  /** Outcome of every command of both connectors (one topic: sync-rules reads them together). */
  commandResults: {
    ref: { area: 'sync', name: 'command-results', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'command-subject',
  },
  /** Settings and mapping changes, resync/import/replay/mass-sync requests. */
  syncControl: {
    ref: { area: 'sync', name: 'control', version: 1 },
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: -1,
    keyedBy: 'connection',
  },
  /** Every sync decision with its reasons: the record history behind "why did this (not) sync?". */
  syncDecisions: {
    ref: { area: 'sync', name: 'decisions', version: 1 },
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY_MS,
    keyedBy: 'record',
  },
  /** Latest known state of every Salesforce account, compacted, for replay without the API. */
  salesforceAccountState: {
    ref: { area: 'salesforce', name: 'account-state', version: 1 },
    partitions: 12,
    cleanupPolicy: 'compact',
    keyedBy: 'record',
  },
  /** Messages that failed parsing or processing for good, with the reason. */
  deadLetter: {
    ref: { area: 'ops', name: 'dead-letter', version: 1 },
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'original-key',
  },
} as const satisfies Record<string, TopicSpecification>;

export type TopicId = keyof typeof TOPICS;
