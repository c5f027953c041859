import type { SalesforceObject } from '@crm-sync/domain';
import type { Logger } from '@crm-sync/runtime';
import { Connection, OAuth2 } from 'jsforce';
import type { SalesforceAuth } from '../config.js';
import { parseSalesforceTime } from '../capture/records.js';
import { nodeHttpTransport } from './node-http-transport.js';
import type {
  DeletedRecord,
  DescribedField,
  OrgApiUsage,
  QueryPage,
  SalesforceApi,
  SaveResult,
  WriteRecord,
} from './salesforce-api.port.js';

export interface JsforceSettings {
  readonly connectionId: string;
  readonly loginUrl: string;
  /** Overrides the token response's `instance_url` (e.g. a proxy in front of the org). */
  readonly instanceUrl: string | undefined;
  readonly apiVersion: string;
  readonly auth: SalesforceAuth;
  /** `Sforce-Call-Options: client=<clientName>` on every call: our writes' origin mark. */
  readonly clientName: string;
  /**
   * Records per page of a query and its `queryMore` pages (`Sforce-Query-Options: batchSize`,
   * 200–2,000; Salesforce treats it as a request and may answer with fewer).
   */
  readonly queryBatchSize: number;
}

interface TokenResponse {
  readonly access_token: string;
  readonly instance_url: string;
}

/**
 * The real `SalesforceApi`: the unmodified jsforce client against an org (or the sandbox).
 *
 * Sessions are ours rather than jsforce's refresh delegate, so that an expired session is
 * refreshed and the call retried exactly once (jsforce's delegate would retry without bound):
 * a call answered 401 `INVALID_SESSION_ID` signs in again through the configured OAuth flow
 * and is sent again; a second 401 is thrown to the caller.
 */
export class JsforceSalesforceApi implements SalesforceApi {
  private session: Promise<Connection> | undefined;
  private usage: OrgApiUsage | undefined;
  /** Every session's calls go over one keep-alive agent (jsforce's own transport if proxied). */
  private readonly transport = nodeHttpTransport();

  constructor(
    private readonly settings: JsforceSettings,
    private readonly logger: Logger,
  ) {}

  /** The signed-in connection (signs in on first use). */
  connection(): Promise<Connection> {
    this.session ??= this.signIn().catch((e: unknown) => {
      this.session = undefined;
      throw e;
    });
    return this.session;
  }

  /** Drops `stale` and signs in again; concurrent callers share one sign-in. */
  async refresh(stale: Connection): Promise<Connection> {
    const current = await this.session?.catch(() => undefined);
    if (current === stale) this.session = undefined;
    return this.connection();
  }

  private async signIn(): Promise<Connection> {
    const { auth, loginUrl } = this.settings;
    const oauth2 = new OAuth2({
      loginUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
    });
    const token = (await ((): Promise<unknown> => {
      switch (auth.flow) {
        case 'password':
          return oauth2.authenticate(auth.username, auth.password);
        case 'client_credentials':
          return oauth2.requestToken({ grant_type: 'client_credentials' });
        case 'refresh_token':
          return oauth2.refreshToken(auth.refreshToken);
      }
    })()) as TokenResponse;
    const conn = new Connection({
      instanceUrl: this.settings.instanceUrl ?? token.instance_url,
      accessToken: token.access_token,
      version: this.settings.apiVersion,
      callOptions: { client: this.settings.clientName },
    });
    if (this.transport) conn._transport = this.transport;
    this.logger.info('signed in to salesforce', {
      connectionId: this.settings.connectionId,
      flow: auth.flow,
      instanceUrl: conn.instanceUrl,
    });
    return conn;
  }

  private async call<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.connection();
    try {
      return await this.observed(conn, fn);
    } catch (e) {
      if (!isInvalidSession(e)) throw e;
      this.logger.info('salesforce session expired; signing in again', {
        connectionId: this.settings.connectionId,
      });
      return this.observed(await this.refresh(conn), fn);
    }
  }

  private async observed<T>(conn: Connection, fn: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await fn(conn);
    } finally {
      const info = conn.limitInfo.apiUsage;
      if (info) this.usage = { used: info.used, max: info.limit };
    }
  }

  lastUsage(): OrgApiUsage | undefined {
    return this.usage;
  }

  describe(object: SalesforceObject): Promise<readonly DescribedField[]> {
    return this.call(async (conn) => {
      const d = await conn.describe(object);
      return d.fields.map((f) => ({ name: f.name, type: f.type }));
    });
  }

  query(soql: string, options: { readonly scanAll: boolean }): Promise<QueryPage> {
    const resource = options.scanAll ? 'queryAll' : 'query';
    return this.queryPage(`/${resource}?q=${encodeURIComponent(soql)}`);
  }

  queryMore(nextRecordsUrl: string): Promise<QueryPage> {
    return this.queryPage(nextRecordsUrl);
  }

  private queryPage(url: string): Promise<QueryPage> {
    const headers = { 'Sforce-Query-Options': `batchSize=${this.settings.queryBatchSize}` };
    return this.call((conn) => conn.request<QueryPage>({ method: 'GET', url, headers }));
  }

  getDeleted(
    object: SalesforceObject,
    start: number,
    end: number,
  ): Promise<readonly DeletedRecord[]> {
    return this.call(async (conn) => {
      const res = await conn.sobject(object).deleted(new Date(start), new Date(end));
      return res.deletedRecords.map((d) => ({
        id: d.id,
        deletedAt: parseSalesforceTime(d.deletedDate),
      }));
    });
  }

  /**
   * sObject Collections upsert by external id (`PATCH /composite/sobjects/{object}/{field}`),
   * written here rather than by `sobject().upsert()`: jsforce rebuilt every record with an object
   * rest spread to add the same `attributes`, about a twentieth of the connector's CPU per
   * record. The body has what jsforce sends; the request goes through its connection (session,
   * instance URL, `Sforce-Call-Options`) as before.
   */
  upsert(
    object: SalesforceObject,
    externalIdField: string,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]> {
    return this.collection(`/composite/sobjects/${object}/${externalIdField}`, object, records);
  }

  /** sObject Collections update (`PATCH /composite/sobjects`), as `upsert`. */
  update(
    object: SalesforceObject,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]> {
    return this.collection('/composite/sobjects', object, records);
  }

  private collection(
    url: string,
    object: SalesforceObject,
    records: readonly WriteRecord[],
  ): Promise<readonly SaveResult[]> {
    if (records.length === 0) return Promise.resolve([]);
    // Each record's JSON with `"attributes"` put first: no copy of the record to add it.
    const attributes = `{"attributes":${JSON.stringify({ type: object })}`;
    const items = records.map((r) => {
      const json = JSON.stringify(r);
      return json === '{}' ? `${attributes}}` : `${attributes},${json.slice(1)}`;
    });
    const body = `{"allOrNone":false,"records":[${items.join(',')}]}`;
    return this.call((conn) =>
      conn.request<SaveResult[]>({
        method: 'PATCH',
        url,
        body,
        headers: { 'content-type': 'application/json' },
      }),
    );
  }

  limits(): Promise<OrgApiUsage> {
    return this.call(async (conn) => {
      const l = await conn.limits();
      const daily = l['DailyApiRequests'];
      if (daily === undefined) throw new Error('the org reports no DailyApiRequests limit');
      return { used: daily.Max - daily.Remaining, max: daily.Max };
    });
  }
}

function isInvalidSession(e: unknown): boolean {
  return (e as { errorCode?: unknown }).errorCode === 'INVALID_SESSION_ID';
}
