import { randomUUID } from 'node:crypto';

/** Time source; the domain reads no clock, so the server's time is passed in from here. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Ids for messages and jobs. Job ids start with the time so `_id` order is creation order. */
export interface IdGenerator {
  messageId(): string;
  jobId(now: Date): string;
}

export const randomIds: IdGenerator = {
  messageId: () => randomUUID(),
  jobId: (now) => `job-${now.getTime().toString(36).padStart(9, '0')}-${randomUUID().slice(0, 8)}`,
};
