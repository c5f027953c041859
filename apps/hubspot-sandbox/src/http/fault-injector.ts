/** A fault the control API arms: the next `remaining` matching calls answer `status`. */
export interface StatusFault {
  readonly status: number;
  remaining: number;
  /** Only requests whose URL contains this text (default: every API request). */
  readonly pathContains?: string;
}

/** Batch inputs whose property equals a value fail with VALIDATION_ERROR in a 207. */
export interface RecordFault {
  readonly objectType: string;
  readonly propertyName: string;
  readonly value: string;
  readonly message: string;
}

/** Faults and latency armed through the control API. */
export class FaultInjector {
  latencyMs = 0;
  private statusFaults: StatusFault[] = [];
  private recordFaults: RecordFault[] = [];

  reset(): void {
    this.latencyMs = 0;
    this.statusFaults = [];
    this.recordFaults = [];
  }

  addStatus(fault: StatusFault): void {
    this.statusFaults.push(fault);
  }

  addRecord(fault: RecordFault): void {
    this.recordFaults.push(fault);
  }

  /** Consumes one armed status fault matching the URL, if any. */
  takeStatus(url: string): number | undefined {
    const f = this.statusFaults.find(
      (x) => x.remaining > 0 && (x.pathContains === undefined || url.includes(x.pathContains)),
    );
    if (f === undefined) return undefined;
    f.remaining--;
    this.statusFaults = this.statusFaults.filter((x) => x.remaining > 0);
    return f.status;
  }

  recordFault(
    objectType: string,
    properties: Readonly<Record<string, unknown>> | undefined,
  ): RecordFault | undefined {
    if (this.recordFaults.length === 0 || properties === undefined) return undefined;
    return this.recordFaults.find(
      (f) => f.objectType === objectType && properties[f.propertyName] === f.value,
    );
  }
}
