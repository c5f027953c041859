import { randomUUID } from 'node:crypto';
import { SCHEMAS, type SObjectType } from './schema.js';

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

/** A change captured by a write, before it is committed (and given a replayId). */
export interface PendingChange {
  readonly entity: SObjectType;
  readonly recordId: string;
  readonly changeType: ChangeType;
  /** Changed field names (UPDATE only), flat canonical names. */
  readonly changedFields: readonly string[];
  /** Field values to carry in the payload, flat canonical names. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The message delivered on `/data/<Entity>ChangeEvent` (and `/data/ChangeEvents`). */
export interface ChangeEventMessage {
  schema: string;
  payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
  event: { replayId: number; EventUuid: string };
}

export interface ChangeEventHeader {
  entityName: SObjectType;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  nulledFields: string[];
  diffFields: string[];
}

export interface StoredEvent {
  readonly replayId: number;
  readonly channel: string;
  readonly message: ChangeEventMessage;
}

/** Fixed schema ids per entity, in the shape of the real ones (22-character base64). */
const SCHEMA_IDS: Record<SObjectType, string> = {
  Account: 'IeRuaY6cbI_HsV8Rv1Mc5g',
  Contact: 'n7kR4e2bKJxw0Pz1dqGz0A',
  Lead: 'Qd1h6oYbE2dJZPq3Jb9wXw',
};

export const channelFor = (entity: SObjectType) => `/data/${entity}ChangeEvent`;
export const CHANGE_EVENT_CHANNELS = [
  '/data/AccountChangeEvent',
  '/data/ContactChangeEvent',
  '/data/LeadChangeEvent',
  '/data/ChangeEvents',
];

const parentCache = new Map<SObjectType, Set<string>>();
function compoundParents(entity: SObjectType): Set<string> {
  let s = parentCache.get(entity);
  if (!s) {
    s = new Set(SCHEMAS[entity].fields.flatMap((f) => (f.compound ? [f.compound.field] : [])));
    parentCache.set(entity, s);
  }
  return s;
}

/** Flat field names to the CDC payload shape: address and name components nest under their compound field. */
function nest(
  entity: SObjectType,
  flat: Readonly<Record<string, unknown>>,
): { payload: Record<string, unknown>; names: (f: string) => string } {
  const schema = SCHEMAS[entity];
  const payload: Record<string, unknown> = {};
  const parents = compoundParents(entity);
  for (const [name, value] of Object.entries(flat)) {
    const f = schema.byLower.get(name.toLowerCase());
    if (parents.has(name)) continue;
    if (f?.compound) {
      const holder = (payload[f.compound.field] ??= {}) as Record<string, unknown>;
      holder[f.compound.key] = value;
    } else if (!(name in payload)) {
      payload[name] = value;
    }
  }
  return {
    payload,
    names: (name) => {
      const f = schema.byLower.get(name.toLowerCase());
      return f?.compound ? `${f.compound.field}.${f.compound.key}` : name;
    },
  };
}

interface TxInfo {
  readonly transactionKey: string;
  readonly commitNumber: number;
  readonly origin: string;
  readonly user: string;
  readonly now: number;
}

/** A retained event: compact in memory; its message is built when someone reads it. */
class LazyEvent implements StoredEvent {
  constructor(
    readonly replayId: number,
    private readonly change: PendingChange,
    private readonly tx: TxInfo,
    private readonly sequenceNumber: number,
  ) {}

  get channel(): string {
    return channelFor(this.change.entity);
  }

  get message(): ChangeEventMessage {
    const c = this.change;
    const { payload, names } = nest(c.entity, c.values);
    const changed = c.changedFields.map(names);
    const nulled =
      c.changeType === 'UPDATE'
        ? c.changedFields.filter((f) => c.values[f] === null).map(names)
        : [];
    const hex = this.replayId.toString(16).padStart(12, '0');
    return {
      schema: SCHEMA_IDS[c.entity],
      payload: {
        ChangeEventHeader: {
          entityName: c.entity,
          recordIds: [c.recordId],
          changeType: c.changeType,
          changeOrigin: this.tx.origin,
          transactionKey: this.tx.transactionKey,
          sequenceNumber: this.sequenceNumber,
          commitTimestamp: this.tx.now,
          commitNumber: this.tx.commitNumber,
          commitUser: this.tx.user,
          changedFields: [...new Set(changed)],
          nulledFields: [...new Set(nulled)],
          diffFields: [],
        },
        ...payload,
      },
      event: { replayId: this.replayId, EventUuid: `${SESSION_UUID}-${hex}` },
    };
  }
}

/** EventUuid: a per-process prefix plus the replayId, unique without a random call per event. */
const SESSION_UUID = randomUUID().slice(0, 23);

export type ChangeListener = (event: StoredEvent) => void;

/** The retained change log: bounded, replayIds strictly increasing. */
export class ChangeLog {
  private events: StoredEvent[] = [];
  private head = 0;
  private nextReplayId = 1;
  private commitNumber = 1_000_000;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly retention: number) {}

  get latestReplayId(): number {
    return this.nextReplayId - 1;
  }

  get earliestReplayId(): number {
    return this.events[this.head]?.replayId ?? this.nextReplayId;
  }

  get size(): number {
    return this.events.length - this.head;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reset(): void {
    this.events = [];
    this.head = 0;
    this.nextReplayId = 1;
  }

  /** Commits one transaction's changes: assigns replayIds, retains and publishes them. */
  commit(changes: readonly PendingChange[], origin: string, user: string, now: number): void {
    if (changes.length === 0) return;
    const tx: TxInfo = {
      transactionKey: randomUUID().replaceAll('-', '').slice(0, 20),
      commitNumber: ++this.commitNumber,
      origin,
      user,
      now,
    };
    let sequenceNumber = 0;
    for (const c of changes) {
      const stored = new LazyEvent(this.nextReplayId++, c, tx, ++sequenceNumber);
      this.events.push(stored);
      for (const l of this.listeners) l(stored);
    }
    if (this.events.length - this.head > this.retention) {
      this.head = this.events.length - this.retention;
      if (this.head > 50_000 && this.head > this.events.length / 2) {
        this.events = this.events.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Retained events with replayId > after, optionally of one channel (`/data/ChangeEvents` = all). */
  since(after: number, channel?: string, limit = Number.POSITIVE_INFINITY): StoredEvent[] {
    const out: StoredEvent[] = [];
    // replayIds are consecutive, so the start index is computed rather than searched.
    let i = Math.max(this.head, this.head + (after + 1 - this.earliestReplayId));
    for (; i < this.events.length && out.length < limit; i++) {
      const e = this.events[i];
      if (e === undefined) throw new Error(`change log has no event at index ${i}`);
      if (!channel || channel === '/data/ChangeEvents' || e.channel === channel) out.push(e);
    }
    return out;
  }
}
