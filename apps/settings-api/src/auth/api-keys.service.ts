import type { Clock } from '../shared/clock.js';
import { forbidden, notFound, unauthorized } from '../http/errors.js';
import {
  bearerToken,
  issueKey,
  parseKey,
  sameSecret,
  scopeAllows,
  hashSecret,
  type Scope,
} from './api-key.js';
import type { ApiKeyStore, StoredApiKey } from './api-key.store.js';
import type { ApiKeyView, CreatedApiKeyView } from './api-keys.schemas.js';

/** Who made a request: recorded as `changedBy` / `requestedBy` on everything they change. */
export interface Principal {
  readonly actor: string;
  readonly scope: Scope;
}

/** Issues, checks and revokes API keys. The optional bootstrap key is checked, never stored. */
export class ApiKeys {
  private readonly bootstrapHash: string | undefined;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
    bootstrapKey: string | undefined,
  ) {
    this.bootstrapHash = bootstrapKey === undefined ? undefined : hashSecret(bootstrapKey);
  }

  /** 401 without a well-formed, known, unrevoked key. Says nothing about which part was wrong. */
  async authenticate(authorization: string | string[] | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    if (token === undefined) {
      throw unauthorized('Missing API key: send the header "Authorization: Bearer <key>".');
    }
    if (this.bootstrapHash !== undefined && sameSecret(token, this.bootstrapHash)) {
      return { actor: 'bootstrap-key', scope: 'admin' };
    }
    const parsed = parseKey(token);
    const stored = parsed && (await this.store.get(parsed.id));
    if (
      !parsed ||
      !stored ||
      stored.revokedAt !== null ||
      !sameSecret(parsed.secret, stored.secretHash)
    ) {
      throw unauthorized('Invalid or revoked API key.');
    }
    return { actor: `api-key:${stored.id}`, scope: stored.scope };
  }

  authorize(principal: Principal, required: Scope): void {
    if (!scopeAllows(principal.scope, required)) {
      throw forbidden(
        `This needs an API key with the "${required}" scope; this key has "${principal.scope}".`,
        {
          code: 'INSUFFICIENT_SCOPE',
          required,
          granted: principal.scope,
        },
      );
    }
  }

  async create(name: string, scope: Scope, by: Principal): Promise<CreatedApiKeyView> {
    const issued = issueKey();
    const stored: StoredApiKey = {
      id: issued.id,
      name,
      scope,
      secretHash: issued.secretHash,
      createdAt: this.clock.now().toISOString(),
      createdBy: by.actor,
      revokedAt: null,
    };
    await this.store.insert(stored);
    return { ...view(stored), key: issued.token };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.store.list()).map(view);
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. */
  async revoke(id: string): Promise<ApiKeyView> {
    const stored = await this.store.get(id);
    if (!stored) throw notFound(`No API key with id "${id}".`);
    if (stored.revokedAt !== null) return view(stored);
    const at = this.clock.now().toISOString();
    await this.store.revoke(id, at);
    return view({ ...stored, revokedAt: at });
  }
}

function view(k: StoredApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    scope: k.scope,
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    revokedAt: k.revokedAt,
  };
}
