import type { FieldMapping } from '@crm-sync/domain';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { z } from 'zod';
import { JobRecord } from '../jobs/job.js';
import { Connection } from './connection.js';

/**
 * One change of a connection's configuration, and the outbox of what it tells the system.
 *
 * FerretDB's updates are not atomic (docs/decisions.md), so concurrent changes are ordered by a
 * unique `_id` instead: a writer that read revision n claims `<id>:<n+1>` by inserting this
 * document; a second writer's insert fails and it answers 409. The claim holds the connection as
 * it will be, the control messages to publish and the jobs to record, so a writer that dies after
 * claiming is completed by the next reader (see `Connections`), and messages go out in revision order.
 */
export interface Revision {
  readonly connectionId: string;
  readonly revision: number;
  readonly createdAt: string;
  readonly changedBy: string;
  readonly connection: Connection;
  /** Serialized control envelopes, published in this order, keyed by the connection. */
  readonly messages: readonly string[];
  readonly jobs: readonly JobRecord[];
}

export interface ConnectionStore {
  get(id: string): Promise<Connection | undefined>;
  /** Ordered by id; `after` is the last id of the previous page. */
  list(after: string | undefined, limit: number): Promise<Connection[]>;
  put(connection: Connection): Promise<void>;
  revision(connectionId: string, revision: number): Promise<Revision | undefined>;
  /** Inserts the claim; false when that revision is taken already. */
  claim(revision: Revision): Promise<boolean>;
  /** Withdraws a claim whose messages could not be published (nothing happened). */
  release(connectionId: string, revision: number): Promise<void>;
}

const DUPLICATE_KEY = 11000;

/**
 * Value maps are keyed by CRM values (`Food & Beverage`, `v1.2`), and MongoDB/FerretDB refuse
 * keys with `.` or a leading `$`, so stored mappings keep them as `{ k, v }` entries (not
 * [k, v] pairs: FerretDB does not support nested arrays).
 */
const Entry = z.object({ k: z.string(), v: z.string() });
const toEntries = (table: Readonly<Record<string, string>>) =>
  Object.entries(table).map(([k, v]) => ({ k, v }));
const fromEntries = (entries: readonly z.infer<typeof Entry>[]) =>
  Object.fromEntries(entries.map((e) => [e.k, e.v]));

const StoredMapping = z.object({
  hubspotProperty: z.string(),
  hubspotType: z.string(),
  salesforceField: z.string(),
  salesforceType: z.string(),
  rule: z.string(),
  transform: z.string().optional(),
  valueMap: z
    .object({
      hubspotToSalesforce: z.array(Entry),
      salesforceToHubspot: z.array(Entry),
    })
    .optional(),
});
type StoredMapping = z.infer<typeof StoredMapping>;

function encodeMapping(m: FieldMapping): StoredMapping {
  const { valueMap, ...rest } = m;
  return valueMap === undefined
    ? rest
    : {
        ...rest,
        valueMap: {
          hubspotToSalesforce: toEntries(valueMap.hubspotToSalesforce),
          salesforceToHubspot: toEntries(valueMap.salesforceToHubspot),
        },
      };
}

function decodeMapping(m: StoredMapping): unknown {
  const { valueMap, ...rest } = m;
  return valueMap === undefined
    ? rest
    : {
        ...rest,
        valueMap: {
          hubspotToSalesforce: fromEntries(valueMap.hubspotToSalesforce),
          salesforceToHubspot: fromEntries(valueMap.salesforceToHubspot),
        },
      };
}

type ConnectionDoc = Omit<Connection, 'mappings'> & { _id: string; mappings: StoredMapping[] };

function toDoc(c: Connection): ConnectionDoc {
  return { _id: c.id, ...c, mappings: c.mappings.map(encodeMapping) };
}

/** Parses what is stored, so a document written by an older version fails here, not downstream. */
function fromDoc(doc: ConnectionDoc): Connection {
  const { _id: _ignored, mappings, ...rest } = doc;
  return Connection.parse({
    ...rest,
    mappings: z.array(StoredMapping).parse(mappings).map(decodeMapping),
  });
}

interface RevisionDoc {
  _id: string;
  connectionId: string;
  revision: number;
  createdAt: string;
  changedBy: string;
  connection: ConnectionDoc;
  messages: string[];
  jobs: JobRecord[];
}

/** `api_connections` (current state, `_id` = connection id) and `api_connection_revisions`. */
export class MongoConnectionStore implements ConnectionStore {
  private readonly connections: Collection<ConnectionDoc>;
  private readonly revisions: Collection<RevisionDoc>;

  constructor(db: Db) {
    this.connections = db.collection('api_connections');
    this.revisions = db.collection('api_connection_revisions');
  }

  async get(id: string): Promise<Connection | undefined> {
    const doc = await this.connections.findOne({ _id: id });
    return doc === null ? undefined : fromDoc(doc);
  }

  async list(after: string | undefined, limit: number): Promise<Connection[]> {
    const docs = await this.connections
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async put(connection: Connection): Promise<void> {
    await this.connections.replaceOne({ _id: connection.id }, toDoc(connection), { upsert: true });
  }

  async revision(connectionId: string, revision: number): Promise<Revision | undefined> {
    const doc = await this.revisions.findOne({ _id: revisionId(connectionId, revision) });
    if (doc === null) return undefined;
    return {
      connectionId: doc.connectionId,
      revision: doc.revision,
      createdAt: doc.createdAt,
      changedBy: doc.changedBy,
      connection: fromDoc(doc.connection),
      messages: z.array(z.string()).parse(doc.messages),
      jobs: z.array(JobRecord).parse(doc.jobs),
    };
  }

  async claim(r: Revision): Promise<boolean> {
    try {
      await this.revisions.insertOne({
        _id: revisionId(r.connectionId, r.revision),
        connectionId: r.connectionId,
        revision: r.revision,
        createdAt: r.createdAt,
        changedBy: r.changedBy,
        connection: toDoc(r.connection),
        messages: [...r.messages],
        jobs: [...r.jobs],
      });
      return true;
    } catch (e) {
      if (e instanceof MongoServerError && e.code === DUPLICATE_KEY) return false;
      throw e;
    }
  }

  async release(connectionId: string, revision: number): Promise<void> {
    await this.revisions.deleteOne({ _id: revisionId(connectionId, revision) });
  }
}

function revisionId(connectionId: string, revision: number): string {
  // Connection ids never contain ':' (CONNECTION_ID_PATTERN), so this cannot collide.
  return `${connectionId}:${String(revision)}`;
}

/** The in-memory twin, for unit tests of the services. */
export class InMemoryConnectionStore implements ConnectionStore {
  readonly connections = new Map<string, Connection>();
  readonly revisions = new Map<string, Revision>();

  get(id: string): Promise<Connection | undefined> {
    return Promise.resolve(this.connections.get(id));
  }
  list(after: string | undefined, limit: number): Promise<Connection[]> {
    const ids = [...this.connections.keys()]
      .sort()
      .filter((id) => after === undefined || id > after);
    return Promise.resolve(ids.slice(0, limit).flatMap((id) => this.connections.get(id) ?? []));
  }
  put(connection: Connection): Promise<void> {
    this.connections.set(connection.id, connection);
    return Promise.resolve();
  }
  revision(connectionId: string, revision: number): Promise<Revision | undefined> {
    return Promise.resolve(this.revisions.get(revisionId(connectionId, revision)));
  }
  claim(r: Revision): Promise<boolean> {
    const key = revisionId(r.connectionId, r.revision);
    if (this.revisions.has(key)) return Promise.resolve(false);
    this.revisions.set(key, r);
    return Promise.resolve(true);
  }
  release(connectionId: string, revision: number): Promise<void> {
    this.revisions.delete(revisionId(connectionId, revision));
    return Promise.resolve();
  }
}
