/** API keys over real HTTP and a real database: 401, 403, keys shown once and stored hashed. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../../test/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const errorBody = (status: number, message: string) => ({
  statusCode: status,
  error: status === 401 ? 'Unauthorized' : 'Forbidden',
  message,
});

describe('API key auth', () => {
  it('answers 401 without a key, with a malformed one and with an unknown one', async () => {
    for (const headers of [
      {},
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'Bearer' },
    ]) {
      const res = await h.call('GET', '/connections', { key: null, headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(
        errorBody(401, 'Missing API key: send the header "Authorization: Bearer <key>".'),
      );
    }
    const unknown = await h.call('GET', '/connections', {
      key: `csk_${'0'.repeat(16)}_${'A'.repeat(43)}`,
    });
    expect(unknown.body).toEqual(errorBody(401, 'Invalid or revoked API key.'));
  });

  it('shows a new key once, stores only its hash, enforces its scope with 403, and revokes it', async () => {
    const created = await h.call('POST', '/api-keys', {
      body: { name: 'dashboard', scope: 'read' },
    });
    expect(created.status).toBe(201);
    const { id, key } = created.body as { id: string; key: string };
    expect(key).toMatch(/^csk_/);

    const stored = await h.db.collection('api_keys').findOne({ _id: id as never });
    expect(stored).toMatchObject({ name: 'dashboard', scope: 'read', revokedAt: null });
    // The secret is what follows `csk_<id>_` (base64url: it may itself hold `_`).
    const secret = key.slice(`csk_${id}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const listed = await h.call('GET', '/api-keys');
    expect(listed.text).not.toContain(key);
    expect(listed.body).toMatchObject({ items: [{ id, name: 'dashboard', scope: 'read' }] });

    expect((await h.call('GET', '/connections', { key })).status).toBe(200);
    const forbidden = await h.call('POST', '/connections', { key, body: { name: 'x' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject(
      errorBody(403, 'This needs an API key with the "admin" scope; this key has "read".'),
    );
    expect((await h.call('GET', '/api-keys', { key })).status).toBe(403);

    const writer = (await h.call('POST', '/api-keys', { body: { name: 'ops', scope: 'write' } }))
      .body as { key: string };
    expect(
      (await h.call('POST', '/api-keys', { key: writer.key, body: { name: 'y', scope: 'read' } }))
        .status,
    ).toBe(403);

    expect((await h.call('DELETE', `/api-keys/${id}`)).body).toMatchObject({
      id,
      revokedAt: expect.any(String),
    });
    expect((await h.call('GET', '/connections', { key })).status).toBe(401);
    expect((await h.call('DELETE', `/api-keys/${'f'.repeat(16)}`)).status).toBe(404);
  });

  it('leaves the health probes and the API docs public', async () => {
    expect((await h.call('GET', '/health/live', { key: null })).status).toBe(200);
    expect((await h.call('GET', '/docs/json', { key: null })).status).toBe(200);
  });
});
