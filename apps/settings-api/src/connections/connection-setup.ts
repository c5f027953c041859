import { randomBytes } from 'node:crypto';
import { ConnectionSettings, DEFAULT_FIELD_MAPPINGS, enableCompanySync } from '@crm-sync/domain';
import type { ControlMessages } from '../control/control-messages.js';
import { ApiError } from '../http/errors.js';
import type { Clock } from '../shared/clock.js';
import { definedOnly } from '../shared/json.js';
import { credentialsContext, type Connection, type StoredCredentials } from './connection.js';
import type {
  ConnectionList,
  ConnectionView,
  CreateConnectionBody,
  PageQuery,
} from './connection.schemas.js';
import type { Connections } from './connections.service.js';
import type { CredentialCipher } from './credential-cipher.js';

/**
 * Creating and showing connections. A new connection starts with company sync off (R1), default
 * settings and the default field mappings (R9); revision 1 announces both, so the rest of the
 * system learns of it from the control topic alone. Credentials are sealed on arrival and only
 * the names of the stored fields are ever shown.
 */
export class ConnectionSetup {
  constructor(
    private readonly connections: Connections,
    private readonly cipher: CredentialCipher,
    private readonly messages: ControlMessages,
    private readonly clock: Clock,
  ) {}

  async create(body: CreateConnectionBody, createdBy: string): Promise<ConnectionView> {
    const id = body.id ?? `conn-${randomBytes(5).toString('hex')}`;
    const connection = this.initial(id, body.name, createdBy, {
      portalId: body.hubspot.portalId ?? null,
      instanceUrl: body.salesforce.instanceUrl ?? null,
      hubspot: this.seal(id, 'hubspot', body.hubspot.credentials),
      salesforce: this.seal(id, 'salesforce', body.salesforce.credentials),
    });
    return connectionView(await this.connections.create(this.announce(connection), createdBy));
  }

  async get(id: string): Promise<ConnectionView> {
    return connectionView(await this.connections.get(id));
  }

  async list(query: PageQuery): Promise<ConnectionList> {
    const limit = query.limit ?? 50;
    const page = await this.connections.list(query.cursor, limit);
    return {
      items: page.map(connectionView),
      nextCursor: page.length === limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /**
   * Demo/dev bootstrap: makes sure `id` exists, creating it with company sync on (and so
   * announcing its settings and default mappings) only when it does not. An existing connection
   * is left as it is, so a person's later choices survive restarts.
   */
  async ensureDemo(id: string): Promise<'created' | 'exists'> {
    try {
      await this.connections.get(id);
      return 'exists';
    } catch (e) {
      if (!(e instanceof ApiError && e.getStatus() === 404)) throw e;
    }
    const by = 'demo-bootstrap';
    const off = this.initial(id, `Demo connection ${id}`, by, {
      portalId: null,
      instanceUrl: null,
      hubspot: null,
      salesforce: null,
    });
    const on = {
      ...off,
      settings: enableCompanySync(off.settings, this.clock.now().toISOString()),
    };
    try {
      await this.connections.create(this.announce(on), by);
      return 'created';
    } catch (e) {
      // Another instance created it at the same moment.
      if (e instanceof ApiError && e.getStatus() === 409) return 'exists';
      throw e;
    }
  }

  private initial(
    id: string,
    name: string,
    by: string,
    crm: {
      portalId: string | null;
      instanceUrl: string | null;
      hubspot: StoredCredentials | null;
      salesforce: StoredCredentials | null;
    },
  ): Connection {
    const now = this.clock.now().toISOString();
    return {
      id,
      name,
      createdAt: now,
      createdBy: by,
      hubspot: { portalId: crm.portalId, credentials: crm.hubspot },
      salesforce: { instanceUrl: crm.instanceUrl, credentials: crm.salesforce },
      revision: 1,
      settings: ConnectionSettings.parse({ connectionId: id }),
      mappings: [...DEFAULT_FIELD_MAPPINGS],
      updatedAt: now,
      updatedBy: by,
    };
  }

  private announce(connection: Connection) {
    return {
      connection,
      messages: [
        this.messages.settingsChanged(connection.settings, connection.createdBy),
        this.messages.mappingsChanged(connection.id, connection.mappings, connection.createdBy),
      ],
    };
  }

  private seal(
    connectionId: string,
    crm: 'hubspot' | 'salesforce',
    credentials: Readonly<Record<string, string | undefined>> | undefined,
  ): StoredCredentials | null {
    if (credentials === undefined) return null;
    const values = definedOnly(credentials);
    return {
      sealed: this.cipher.seal(JSON.stringify(values), credentialsContext(connectionId, crm)),
      fields: Object.keys(values).sort(),
      setAt: this.clock.now().toISOString(),
    };
  }
}

export function connectionView(c: Connection): ConnectionView {
  const status = (s: StoredCredentials | null) =>
    s === null
      ? { set: false, fields: [], setAt: null }
      : { set: true, fields: s.fields, setAt: s.setAt };
  return {
    id: c.id,
    name: c.name,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    revision: c.revision,
    updatedAt: c.updatedAt,
    syncCompanies: c.settings.syncCompanies,
    syncEnabledAt: c.settings.syncEnabledAt,
    mappingCount: c.mappings.length,
    hubspot: { portalId: c.hubspot.portalId, credentials: status(c.hubspot.credentials) },
    salesforce: {
      instanceUrl: c.salesforce.instanceUrl,
      credentials: status(c.salesforce.credentials),
    },
  };
}
