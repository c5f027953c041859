import { MongoClient, type Db } from 'mongodb';

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

/** Connects and pings, so a wrong URL fails at boot rather than on the first record. */
export async function connectMongo(
  url: string,
  dbName: string,
  appName: string,
): Promise<MongoConnection> {
  const client = new MongoClient(url, { appName, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(dbName);
  await db.command({ ping: 1 });
  return { client, db, close: () => client.close() };
}
