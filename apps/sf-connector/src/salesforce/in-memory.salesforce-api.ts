import type { SalesforceObject, SalesforceValue } from '@crm-sync/domain';
import type {
  DeletedRecord,
  DescribedField,
  OrgApiUsage,
  QueryPage,
  SalesforceApi,
  SaveResult,
  WriteRecord,
} from './salesforce-api.port.js';

/** An error as jsforce throws it for a failed request (`HttpApiError`: errorCode + message). */
export class FakeApiError extends Error {
  constructor(
    readonly errorCode: string,
    message = errorCode,
  ) {
    super(message);
    this.name = errorCode;
  }
}

interface RecordFault {
  readonly match: (record: WriteRecord) => boolean;
  readonly errorCode: string;
  readonly message: string;
  remaining: number;
}

const PREFIX: Record<SalesforceObject, string> = { Account: '001', Contact: '003', Lead: '00Q' };

/**
 * The in-memory twin of `SalesforceApi` for unit tests: records per object, upsert by an
 * external-id field, updates, per-record faults (a save error for matching records) and request
 * faults (the whole call throws, e.g. REQUEST_LIMIT_EXCEEDED). Reads support what the connector
 * asks by id (`WHERE Id IN (...)`); other SOQL is refused, loudly.
 */
export class InMemorySalesforceApi implements SalesforceApi {
  readonly records = new Map<SalesforceObject, Map<string, Record<string, SalesforceValue>>>();
  /** Every call made, by operation (tests assert on the number of API calls). */
  readonly calls: string[] = [];
  private readonly recordFaults: RecordFault[] = [];
  private requestFaults: { errorCode: string; remaining: number }[] = [];
  private counter = 0;
  private used = 0;

  constructor(private readonly dailyMax = 100_000) {}

  /** The next `count` writes of records matching `match` fail with `errorCode`. */
  failRecords(
    match: (record: WriteRecord) => boolean,
    errorCode: string,
    count = 1,
    message = errorCode,
  ): void {
    this.recordFaults.push({ match, errorCode, message, remaining: count });
  }

  /** The next `count` calls fail as a whole with `errorCode`. */
  failRequests(errorCode: string, count = 1): void {
    this.requestFaults.push({ errorCode, remaining: count });
  }

  table(object: SalesforceObject): Map<string, Record<string, SalesforceValue>> {
    let t = this.records.get(object);
    if (!t) this.records.set(object, (t = new Map<string, Record<string, SalesforceValue>>()));
    return t;
  }

  /** Adds a record directly (fixtures); returns its new Id. */
  insert(object: SalesforceObject, values: Record<string, SalesforceValue>): string {
    const id = `${PREFIX[object]}${String(++this.counter).padStart(12, '0')}AAA`;
    this.table(object).set(id, { ...values, Id: id });
    return id;
  }

  private begin(operation: string): void {
    this.calls.push(operation);
    const fault = this.requestFaults.find((f) => f.remaining > 0);
    if (fault) {
      fault.remaining--;
      this.requestFaults = this.requestFaults.filter((f) => f.remaining > 0);
      throw new FakeApiError(fault.errorCode);
    }
    this.used++;
  }

  /** Runs one API call: request faults first, then the call itself; errors as rejections. */
  private call<T>(operation: string, fn: () => T): Promise<T> {
    try {
      this.begin(operation);
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private recordFault(record: WriteRecord): SaveResult | undefined {
    const f = this.recordFaults.find((x) => x.remaining > 0 && x.match(record));
    if (!f) return undefined;
    f.remaining--;
    return {
      success: false,
      errors: [{ statusCode: f.errorCode, message: f.message, fields: [] }],
    };
  }

  describe(): Promise<readonly DescribedField[]> {
    return this.call('describe', () => [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string' },
      { name: 'BillingAddress', type: 'address' },
    ]);
  }

  query(soql: string): Promise<QueryPage> {
    return this.call('query', () => {
      const m = /FROM (Account|Contact|Lead) WHERE Id IN \(([^)]*)\)/.exec(soql);
      if (!m) throw new Error(`InMemorySalesforceApi cannot run: ${soql}`);
      const table = this.table(m[1] as SalesforceObject);
      const ids = (m[2] ?? '').split(',').map((s) => s.trim().replace(/^'|'$/g, ''));
      const records = ids.flatMap((id) => {
        const r = table.get(id);
        return r ? [r] : [];
      });
      return { totalSize: records.length, done: true, records };
    });
  }

  queryMore(): Promise<QueryPage> {
    return Promise.reject(new Error('InMemorySalesforceApi returns single pages'));
  }

  getDeleted(): Promise<readonly DeletedRecord[]> {
    return this.call('getDeleted', () => []);
  }

  upsert(
    object: SalesforceObject,
    externalIdField: string,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]> {
    const table = this.table(object);
    return this.call('upsert', () =>
      records.map((record): SaveResult => {
        const fault = this.recordFault(record);
        if (fault) return fault;
        const key = record[externalIdField];
        const existing = [...table.values()].find((r) => r[externalIdField] === key);
        if (existing) {
          Object.assign(existing, record);
          return { id: String(existing['Id']), success: true, errors: [], created: false };
        }
        const id = this.insert(object, { ...record });
        return { id, success: true, errors: [], created: true };
      }),
    );
  }

  update(
    object: SalesforceObject,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]> {
    const table = this.table(object);
    return this.call('update', () =>
      records.map((record): SaveResult => {
        const id = String(record['Id']);
        const fault = this.recordFault(record);
        if (fault) return { ...fault, id };
        const existing = table.get(id);
        if (!existing) {
          return {
            id,
            success: false,
            errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
          };
        }
        Object.assign(existing, record);
        return { id, success: true, errors: [] };
      }),
    );
  }

  limits(): Promise<OrgApiUsage> {
    return Promise.resolve({ used: this.used, max: this.dailyMax });
  }

  lastUsage(): OrgApiUsage | undefined {
    return { used: this.used, max: this.dailyMax };
  }
}
