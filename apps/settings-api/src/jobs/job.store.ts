import type { JobKind } from '@crm-sync/domain';
import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { JobRecord } from './job.js';

export interface JobListQuery {
  readonly kind?: JobKind | undefined;
  /** Job ids sort by creation time: `before` is the last id of the previous (newer) page. */
  readonly before?: string | undefined;
  readonly limit: number;
}

export interface JobStore {
  /** Inserts or replaces (a repaired revision records its jobs again). */
  put(job: JobRecord): Promise<void>;
  delete(jobId: string): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
  list(connectionId: string, query: JobListQuery): Promise<JobRecord[]>;
  markPublished(jobId: string, at: string): Promise<void>;
  markCancelRequested(jobId: string, at: string): Promise<void>;
  /** Records that `jobId` was resumed as `resumedAs`; returns the earlier resume when there is one. */
  claimResume(jobId: string, resumedAs: string): Promise<string | undefined>;
  releaseResume(jobId: string): Promise<void>;
  /** The executors' `job_progress` documents (read only: the executor is their single writer). */
  progress(jobIds: readonly string[]): Promise<ReadonlyMap<string, unknown>>;
}

const DUPLICATE_KEY = 11000;

type JobDoc = JobRecord & { _id: string };

/** `api_jobs` and `api_job_resumes` (ours); `job_progress` (the executors', read only). */
export class MongoJobStore implements JobStore {
  private readonly jobs: Collection<JobDoc>;
  private readonly resumes: Collection<{ _id: string; resumedAs: string }>;
  private readonly progressDocs: Collection<{ _id: string }>;

  constructor(db: Db) {
    this.jobs = db.collection('api_jobs');
    this.resumes = db.collection('api_job_resumes');
    this.progressDocs = db.collection('job_progress');
  }

  async put(job: JobRecord): Promise<void> {
    await this.jobs.replaceOne({ _id: job.jobId }, job, { upsert: true });
  }
  async delete(jobId: string): Promise<void> {
    await this.jobs.deleteOne({ _id: jobId });
  }
  async get(jobId: string): Promise<JobRecord | undefined> {
    const doc = await this.jobs.findOne({ _id: jobId });
    return doc === null ? undefined : parse(doc);
  }
  async list(connectionId: string, query: JobListQuery): Promise<JobRecord[]> {
    const filter: Filter<JobDoc> = { connectionId };
    if (query.kind !== undefined) filter.kind = query.kind;
    if (query.before !== undefined) filter._id = { $lt: query.before };
    const docs = await this.jobs.find(filter).sort({ _id: -1 }).limit(query.limit).toArray();
    return docs.map(parse);
  }
  async markPublished(jobId: string, at: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId }, { $set: { publishedAt: at } });
  }
  async markCancelRequested(jobId: string, at: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId }, { $set: { cancelRequestedAt: at } });
  }
  async claimResume(jobId: string, resumedAs: string): Promise<string | undefined> {
    try {
      await this.resumes.insertOne({ _id: jobId, resumedAs });
      return undefined;
    } catch (e) {
      if (!(e instanceof MongoServerError && e.code === DUPLICATE_KEY)) throw e;
      return (await this.resumes.findOne({ _id: jobId }))?.resumedAs ?? resumedAs;
    }
  }
  async releaseResume(jobId: string): Promise<void> {
    await this.resumes.deleteOne({ _id: jobId });
  }
  async progress(jobIds: readonly string[]): Promise<ReadonlyMap<string, unknown>> {
    // One `_id` lookup each: FerretDB pushes only `_id` equality down, an `$in` scans.
    const docs = await Promise.all(jobIds.map((id) => this.progressDocs.findOne({ _id: id })));
    return new Map(docs.flatMap((d) => (d === null ? [] : [[d._id, d] as const])));
  }
}

function parse(doc: JobDoc): JobRecord {
  const { _id: _ignored, ...job } = doc;
  return JobRecord.parse(job);
}

/** The in-memory twin, for unit tests of the services. */
export class InMemoryJobStore implements JobStore {
  readonly jobs = new Map<string, JobRecord>();
  readonly resumes = new Map<string, string>();
  readonly progressDocs = new Map<string, unknown>();

  put(job: JobRecord): Promise<void> {
    this.jobs.set(job.jobId, job);
    return Promise.resolve();
  }
  delete(jobId: string): Promise<void> {
    this.jobs.delete(jobId);
    return Promise.resolve();
  }
  get(jobId: string): Promise<JobRecord | undefined> {
    return Promise.resolve(this.jobs.get(jobId));
  }
  list(connectionId: string, query: JobListQuery): Promise<JobRecord[]> {
    const all = [...this.jobs.values()]
      .filter((j) => j.connectionId === connectionId)
      .filter((j) => query.kind === undefined || j.kind === query.kind)
      .filter((j) => query.before === undefined || j.jobId < query.before)
      .sort((a, b) => (a.jobId < b.jobId ? 1 : -1));
    return Promise.resolve(all.slice(0, query.limit));
  }
  markPublished(jobId: string, at: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job) this.jobs.set(jobId, { ...job, publishedAt: at });
    return Promise.resolve();
  }
  markCancelRequested(jobId: string, at: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job) this.jobs.set(jobId, { ...job, cancelRequestedAt: at });
    return Promise.resolve();
  }
  claimResume(jobId: string, resumedAs: string): Promise<string | undefined> {
    const earlier = this.resumes.get(jobId);
    if (earlier === undefined) this.resumes.set(jobId, resumedAs);
    return Promise.resolve(earlier);
  }
  releaseResume(jobId: string): Promise<void> {
    this.resumes.delete(jobId);
    return Promise.resolve();
  }
  progress(jobIds: readonly string[]): Promise<ReadonlyMap<string, unknown>> {
    return Promise.resolve(
      new Map(
        jobIds.flatMap((id) =>
          this.progressDocs.has(id) ? [[id, this.progressDocs.get(id)] as const] : [],
        ),
      ),
    );
  }
}
