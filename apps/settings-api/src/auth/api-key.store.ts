import type { Collection, Db } from 'mongodb';
import type { Scope } from './api-key.js';

/** An API key as stored: never the key itself, only the SHA-256 of its secret part. */
export interface StoredApiKey {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt: string | null;
}

export interface ApiKeyStore {
  insert(key: StoredApiKey): Promise<void>;
  get(id: string): Promise<StoredApiKey | undefined>;
  list(): Promise<StoredApiKey[]>;
  revoke(id: string, at: string): Promise<void>;
}

/** `api_keys`, one document per key, `_id` = key id (the part of the key before its secret). */
export class MongoApiKeyStore implements ApiKeyStore {
  private readonly keys: Collection<StoredApiKey & { _id: string }>;

  constructor(db: Db) {
    this.keys = db.collection('api_keys');
  }

  async insert(key: StoredApiKey): Promise<void> {
    await this.keys.insertOne({ _id: key.id, ...key });
  }
  async get(id: string): Promise<StoredApiKey | undefined> {
    const doc = await this.keys.findOne({ _id: id });
    if (doc === null) return undefined;
    const { _id: _ignored, ...key } = doc;
    return key;
  }
  async list(): Promise<StoredApiKey[]> {
    const docs = await this.keys.find({}).sort({ createdAt: 1 }).limit(1000).toArray();
    return docs.map(({ _id: _ignored, ...key }) => key);
  }
  async revoke(id: string, at: string): Promise<void> {
    await this.keys.updateOne({ _id: id }, { $set: { revokedAt: at } });
  }
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, StoredApiKey>();

  insert(key: StoredApiKey): Promise<void> {
    this.keys.set(key.id, key);
    return Promise.resolve();
  }
  get(id: string): Promise<StoredApiKey | undefined> {
    return Promise.resolve(this.keys.get(id));
  }
  list(): Promise<StoredApiKey[]> {
    return Promise.resolve([...this.keys.values()]);
  }
  revoke(id: string, at: string): Promise<void> {
    const key = this.keys.get(id);
    if (key) this.keys.set(id, { ...key, revokedAt: at });
    return Promise.resolve();
  }
}
