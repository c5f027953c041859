import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CredentialCipher } from './credential-cipher.js';

describe('CredentialCipher (AES-256-GCM)', () => {
  const cipher = new CredentialCipher(randomBytes(32));
  const secret = JSON.stringify({ accessToken: 'pat-na1-super-secret-token' });

  it('round-trips, with a fresh IV each time and no plaintext in the sealed value', () => {
    const a = cipher.seal(secret, 'conn-1:hubspot');
    const b = cipher.seal(secret, 'conn-1:hubspot');
    expect(cipher.open(a, 'conn-1:hubspot')).toBe(secret);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(JSON.stringify(a)).not.toContain('super-secret');
    expect(a).toMatchObject({ alg: 'A256GCM', kid: cipher.keyId });
  });

  it('does not open under another context (connection or CRM), or after tampering', () => {
    const sealed = cipher.seal(secret, 'conn-1:hubspot');
    expect(() => cipher.open(sealed, 'conn-2:hubspot')).toThrow();
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      cipher.open({ ...sealed, data: flipped.toString('base64') }, 'conn-1:hubspot'),
    ).toThrow();
  });

  it('names both keys when opened with another key', () => {
    const other = new CredentialCipher(randomBytes(32));
    const sealed = cipher.seal(secret, 'c');
    expect(() => other.open(sealed, 'c')).toThrow(
      `credentials were sealed with key ${cipher.keyId}; CRM_SYNC_ENCRYPTION_KEY is key ${other.keyId}`,
    );
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new CredentialCipher(randomBytes(16))).toThrow('32 bytes');
  });
});
