import { MongoClient, type Db } from 'mongodb';
import { testInfra, uniqueName } from './infra.js';

export interface TestDatabase {
  readonly client: MongoClient;
  readonly db: Db;
  readonly name: string;
  /** Drops the database and closes the client. */
  dispose(): Promise<void>;
}

/** A fresh database with a random name on the real MongoDB-protocol server. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const client = new MongoClient(testInfra().mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const name = uniqueName(prefix).replace(/-/g, '_');
  const db = client.db(name);
  return {
    client,
    db,
    name,
    async dispose() {
      await db.dropDatabase();
      await client.close();
    },
  };
}
