import {
  MAX_BATCH,
  type BatchWriteResponse,
  type WriteInput,
  type WriteInputs,
} from '../hubspot/hubspot-api.port.js';

/**
 * A request that held other callers' inputs too failed with `cause`: a refusal for one bad value
 * may be about theirs. A request of one caller's inputs fails with its own error.
 */
export class PooledRequestFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(
      `a pooled HubSpot write failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'PooledRequestFailed';
  }
}

/** A caller's inputs still waiting for a request, and what it waits for. */
class Submission {
  private readonly results: BatchWriteResponse['results'][number][] = [];
  private readonly errors: BatchWriteResponse['errors'][number][] = [];
  private unanswered: number;
  private settled = false;
  readonly ids: ReadonlySet<string>;
  readonly answer: Promise<BatchWriteResponse>;
  private resolve!: (response: BatchWriteResponse) => void;
  private reject!: (error: unknown) => void;

  constructor(inputs: readonly WriteInput[]) {
    this.ids = new Set(inputs.map((i) => i.id));
    this.unanswered = inputs.length;
    this.answer = new Promise<BatchWriteResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** `count` of its inputs went in a request that HubSpot answered with `response`. */
  answered(count: number, response: BatchWriteResponse): void {
    if (this.settled) return;
    for (const r of response.results) if (this.ids.has(r.inputId)) this.results.push(r);
    for (const e of response.errors) {
      // An error that names no input is the whole request's: it concerns every caller in it.
      if (e.ids.length === 0 || e.ids.some((id) => this.ids.has(id))) this.errors.push(e);
    }
    this.unanswered -= count;
    if (this.unanswered === 0) {
      this.settled = true;
      this.resolve({ results: this.results, errors: this.errors });
    }
  }

  failed(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

interface Pending {
  readonly input: WriteInput;
  readonly submission: Submission;
}

/**
 * Pools the batch writes of the command batches a connector instance carries out at once (one
 * connection, one kind of write) into requests of up to 100 inputs, each formed when it goes
 * out: after its wait for the budget and a free slot. A Kafka batch of 130 commands used to
 * cost two requests, of 100 and 30; now the 30 go with whatever else is pending by then. When
 * the budget binds, requests leave full; when it does not, a request leaves at once with what
 * is there, so nothing waits for company. Only the first attempt of a caller's inputs is pooled:
 * a request HubSpot refuses for one bad value is split by its caller, alone, so that other
 * callers' records never make its halves fail (`CommandProcessor.write`).
 *
 * Each caller gets HubSpot's answer for its own inputs: their results, the errors that name
 * them, and the errors that name no input (a whole request's). A request that fails fails every
 * caller with inputs in it, with `PooledRequestFailed` when it held several callers' inputs.
 * Pooling holds no state a crash could lose: it only joins requests of batches in flight in this
 * process.
 */
export class WriteCoalescer {
  private readonly queue: Pending[] = [];
  /** Requests sent for, that have not taken their inputs yet. */
  private waiting = 0;

  constructor(
    private readonly send: (inputs: WriteInputs) => Promise<BatchWriteResponse>,
    private readonly max = MAX_BATCH,
  ) {}

  /** Writes `inputs` (unique ids, at most `max`) in whichever requests go out next. */
  write(inputs: readonly WriteInput[]): Promise<BatchWriteResponse> {
    const submission = new Submission(inputs);
    if (inputs.length === 0) {
      submission.answered(0, { results: [], errors: [] });
      return submission.answer;
    }
    for (const input of inputs) this.queue.push({ input, submission });
    this.sendForPending();
    return submission.answer;
  }

  /**
   * Sends for as many requests as the pending inputs fill: every request that has not taken its
   * inputs yet can take `max`, and each takes at least one when it goes out (the queue holds
   * more than `max` × the others still waiting), so no request goes out empty.
   */
  private sendForPending(): void {
    while (this.waiting * this.max < this.queue.length) {
      this.waiting++;
      let taken: Pending[] | undefined;
      const take = (): Pending[] => {
        if (taken === undefined) {
          this.waiting--;
          taken = this.takeRequest();
          // Inputs left behind as duplicates of taken ones may need another request.
          this.sendForPending();
        }
        return taken;
      };
      this.send(() => take().map((p) => p.input)).then(
        (response) => {
          for (const [submission, count] of countBySubmission(take()))
            submission.answered(count, response);
        },
        (error: unknown) => {
          // Failed before going out too (shutdown, the daily budget spent): the inputs it would
          // have taken fail with it.
          const callers = countBySubmission(take());
          const failure = callers.size > 1 ? new PooledRequestFailed(error) : error;
          for (const [submission] of callers) submission.failed(failure);
        },
      );
    }
  }

  /** The oldest pending inputs, up to `max`, one per id (HubSpot refuses duplicate ids). */
  private takeRequest(): Pending[] {
    const taken: Pending[] = [];
    const ids = new Set<string>();
    const left: Pending[] = [];
    for (const p of this.queue) {
      if (taken.length < this.max && !ids.has(p.input.id)) {
        taken.push(p);
        ids.add(p.input.id);
      } else {
        left.push(p);
      }
    }
    this.queue.splice(0, this.queue.length, ...left);
    return taken;
  }
}

function countBySubmission(taken: readonly Pending[]): Map<Submission, number> {
  const counts = new Map<Submission, number>();
  for (const p of taken) counts.set(p.submission, (counts.get(p.submission) ?? 0) + 1);
  return counts;
}
