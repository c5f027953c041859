import type { JobProgress } from '@crm-sync/domain';
import type { Consumer, Kafka } from '@crm-sync/kafka';
import type { Logger } from '@crm-sync/runtime';
import type { Db } from 'mongodb';
import { JobEvent } from './job-events.js';

type ProgressDoc = JobProgress & {
  _id: string;
  /** Offset of the last job event applied (events of one job share a partition). */
  appliedOffset: string;
};

/** Folds one job event into the progress (pure). */
export function applyJobEvent(current: JobProgress | undefined, e: JobEvent): JobProgress {
  const p: JobProgress = current ?? {
    jobId: e.jobId,
    connectionId: e.connectionId,
    kind: e.job,
    state: 'running',
    done: 0,
    total: null,
    failed: 0,
    startedAt: e.at,
    updatedAt: e.at,
    finishedAt: null,
    resumeAfter: null,
    errorCode: null,
    message: null,
    remaining: null,
  };
  let next: JobProgress;
  switch (e.event) {
    case 'started':
      next = {
        ...p,
        total: e.total,
        remaining: e.remaining,
        resumeAfter: e.resumeAfter,
        errorCode: e.errorCode,
        message: e.message,
      };
      break;
    case 'item':
      next = { ...p, done: p.done + 1 };
      break;
    case 'cancelled':
      return p.finishedAt === null
        ? { ...p, state: 'cancelled', updatedAt: e.at, finishedAt: e.at }
        : p;
  }
  next = { ...next, updatedAt: e.at };
  if (next.state === 'running' && next.total !== null && next.done >= next.total) {
    next = {
      ...next,
      state: next.errorCode === null ? 'completed' : 'partial',
      finishedAt: e.at,
    };
  }
  return next;
}

/**
 * Writes the progress of sync-rules' jobs (resyncs, mass syncs) to `job_progress`, where the
 * settings API reads it. Job events are keyed by job id, so one consumer owns a job: the single
 * writer of its document. Each document remembers the last event offset it applied, so a
 * redelivered event is not counted twice.
 */
export class JobProgressWriter {
  private consumer: Consumer | undefined;

  constructor(
    private readonly options: {
      readonly kafka: Kafka;
      readonly db: Db;
      readonly topic: string;
      readonly groupId: string;
      readonly logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    const docs = this.options.db.collection<ProgressDoc>('job_progress');
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const touched = new Map<string, ProgressDoc | undefined>();
        for (const m of batch.messages) {
          const parsed = JobEvent.safeParse(safeJson(m.value?.toString('utf8') ?? null));
          if (!parsed.success) {
            this.options.logger.warn('job event not understood; ignored', { offset: m.offset });
            continue;
          }
          const e = parsed.data;
          if (!touched.has(e.jobId))
            touched.set(e.jobId, (await docs.findOne({ _id: e.jobId })) ?? undefined);
          const current = touched.get(e.jobId);
          if (current && BigInt(current.appliedOffset) >= BigInt(m.offset)) continue;
          const { _id: _ignored, appliedOffset: _o, ...progress } = current ?? ({} as ProgressDoc);
          const next = applyJobEvent(current ? progress : undefined, e);
          touched.set(e.jobId, { ...next, _id: e.jobId, appliedOffset: m.offset });
        }
        for (const [jobId, doc] of touched) {
          if (doc) await docs.replaceOne({ _id: jobId }, doc, { upsert: true });
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}

function safeJson(raw: string | null): unknown {
  try {
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}
