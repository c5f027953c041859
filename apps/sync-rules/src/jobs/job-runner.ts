import { ControlMessage, type ConnectionSettings } from '@crm-sync/domain';
import type { InboundMessage, OutboundMessage } from '@crm-sync/kafka';
import { cancelJob, type StateBatch } from '../store/state/state-batch.js';
import type { SyncState } from '../store/state/sync-state.js';
import type { Link } from '../store/sync-store.port.js';
import type { SyncRulesTopics } from '../topics.js';
import { subjectKey, type WorkItem } from '../work/work-item.js';
import type { JobEvent } from './job-events.js';
import { planMassSync, planResync, type JobPlan } from './job-planner.js';

/** A job event without what the runner adds itself (per member of the union). */
type WithoutContext<T> = T extends unknown ? Omit<T, 'connectionId' | 'at'> : never;

/**
 * Turns job requests from the control topic into work items, one per record, in the same
 * transaction as a `started` job event that says how many there are. One consumer group across
 * the instances, so each request is planned once. The plan reads the state every instance holds
 * (links and companies of the connection).
 */
export function planJobs(options: {
  readonly messages: readonly InboundMessage[];
  readonly state: SyncState;
  readonly batch: StateBatch;
  readonly topics: SyncRulesTopics;
  readonly now: string;
  readonly warn: (msg: string, fields: Record<string, unknown>) => void;
}): OutboundMessage[] {
  const { state, topics, now } = options;
  const out: OutboundMessage[] = [];
  for (const m of options.messages) {
    const parsed = ControlMessage.safeParse(safeJson(m.value));
    if (!parsed.success) continue; // the control consumer logs what it cannot read
    const msg = parsed.data;
    const c = msg.connectionId;
    const event = (e: WithoutContext<JobEvent>): OutboundMessage => ({
      topic: topics.jobEvents,
      key: e.jobId,
      value: JSON.stringify({ ...e, connectionId: c, at: now }),
    });
    if (msg.type === 'sync.job-cancel-requested.v1') {
      cancelJob(options.batch, c, msg.payload.jobId);
      out.push(event({ jobId: msg.payload.jobId, job: 'resync', event: 'cancelled' }));
      continue;
    }
    let plan: JobPlan | undefined;
    let job: 'resync' | 'mass_sync';
    if (msg.type === 'sync.resync-requested.v1') {
      job = 'resync';
      plan = planResync(msg.payload.scope, linksByCompany(state, c), () =>
        state.companies.rowsOf(c),
      );
    } else if (msg.type === 'sync.mass-sync-requested.v1') {
      job = 'mass_sync';
      const settings: ConnectionSettings | undefined = state.connections.get(c)?.settings;
      if (!settings) {
        options.warn('mass sync for an unknown connection; ignored', { connectionId: c });
        continue;
      }
      plan = planMassSync(
        [...state.links.rowsOf(c)],
        msg.payload.resumeAfter,
        settings.massSyncLimit,
      );
    } else {
      continue;
    }
    if (!plan) continue;
    const jobId = msg.payload.jobId;
    out.push(
      event({
        jobId,
        job,
        event: 'started',
        total: plan.subjects.length,
        remaining: plan.remaining,
        resumeAfter: plan.resumeAfter,
        errorCode: plan.errorCode,
        message: plan.message,
      }),
    );
    plan.subjects.forEach((subject, i) => {
      const item: WorkItem = {
        id: `${jobId}~${i}`,
        connectionId: c,
        subject,
        cause: { kind: 'job', jobId, job, causationId: msg.id },
        hops: 0,
      };
      out.push({ topic: topics.work, key: subjectKey(c, subject), value: JSON.stringify(item) });
    });
  }
  return out;
}

/** The job event the decide stage sends for a processed job item. */
export function itemDone(
  topics: SyncRulesTopics,
  item: WorkItem,
  outcome: 'done' | 'skipped',
  now: string,
): OutboundMessage | undefined {
  if (item.cause.kind !== 'job') return undefined;
  const e: JobEvent = {
    jobId: item.cause.jobId,
    connectionId: item.connectionId,
    job: item.cause.job,
    at: now,
    event: 'item',
    outcome,
  };
  return { topic: topics.jobEvents, key: e.jobId, value: JSON.stringify(e) };
}

function linksByCompany(state: SyncState, c: string): Map<string, Link> {
  return new Map([...state.links.rowsOf(c)].map((l) => [l.companyId, l]));
}

function safeJson(raw: string | null): unknown {
  try {
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}
