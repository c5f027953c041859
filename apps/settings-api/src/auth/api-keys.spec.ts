import { describe, expect, it } from '@jest/globals';
import { bearerToken, hashSecret, issueKey, parseKey, sameSecret, scopeAllows } from './api-key.js';
import { InMemoryApiKeyStore } from './api-key.store.js';
import { ApiKeys } from './api-keys.service.js';

const clock = { now: () => new Date('2026-03-01T10:00:00.000Z') };

describe('API key format and hashing', () => {
  it('issues csk_<id>_<secret> keys whose stored hash verifies only the same secret', () => {
    const key = issueKey();
    const parsed = parseKey(key.token);
    expect(parsed?.id).toBe(key.id);
    expect(key.token).toMatch(/^csk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.secretHash).toBe(hashSecret(parsed?.secret ?? ''));
    expect(key.secretHash).not.toContain(parsed?.secret ?? '-');
    expect(sameSecret(parsed?.secret ?? '', key.secretHash)).toBe(true);
    expect(sameSecret(`${parsed?.secret ?? ''}x`, key.secretHash)).toBe(false);
    expect(issueKey().token).not.toBe(key.token);
  });

  it('parses only well-formed keys and bearer headers', () => {
    expect(parseKey('csk_123_abc')).toBeUndefined();
    expect(parseKey(`csk_${'a'.repeat(16)}_${'b'.repeat(43)}x`)).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer ünï')).toBeUndefined();
  });

  it('orders scopes read < write < admin', () => {
    expect(scopeAllows('admin', 'write')).toBe(true);
    expect(scopeAllows('write', 'write')).toBe(true);
    expect(scopeAllows('write', 'admin')).toBe(false);
    expect(scopeAllows('read', 'write')).toBe(false);
  });
});

describe('ApiKeys', () => {
  const bootstrap = 'b'.repeat(40);

  it('authenticates stored keys, the bootstrap key, and refuses everything else with 401', async () => {
    const store = new InMemoryApiKeyStore();
    const keys = new ApiKeys(store, clock, bootstrap);
    const admin = await keys.authenticate(`Bearer ${bootstrap}`);
    expect(admin).toEqual({ actor: 'bootstrap-key', scope: 'admin' });
    const created = await keys.create('dashboard', 'read', admin);
    expect((await store.get(created.id))?.secretHash).not.toContain(created.key.slice(22));
    await expect(keys.authenticate(`Bearer ${created.key}`)).resolves.toEqual({
      actor: `api-key:${created.id}`,
      scope: 'read',
    });
    const tampered = `${created.key.slice(0, -1)}${created.key.endsWith('A') ? 'B' : 'A'}`;
    for (const header of [undefined, 'Bearer nope', `Bearer ${tampered}`]) {
      await expect(keys.authenticate(header)).rejects.toMatchObject({ status: 401 });
    }
    await keys.revoke(created.id);
    await expect(keys.authenticate(`Bearer ${created.key}`)).rejects.toMatchObject({
      message: 'Invalid or revoked API key.',
    });
  });

  it('refuses too small a scope with 403 naming both scopes', () => {
    const keys = new ApiKeys(new InMemoryApiKeyStore(), clock, undefined);
    expect(() => {
      keys.authorize({ actor: 'x', scope: 'read' }, 'write');
    }).toThrow('This needs an API key with the "write" scope; this key has "read".');
    expect(() => {
      keys.authorize({ actor: 'x', scope: 'admin' }, 'write');
    }).not.toThrow();
  });

  it('ignores a bootstrap key when none is configured', async () => {
    const keys = new ApiKeys(new InMemoryApiKeyStore(), clock, undefined);
    await expect(keys.authenticate(`Bearer ${bootstrap}`)).rejects.toMatchObject({ status: 401 });
  });
});
