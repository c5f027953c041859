import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Credentials at rest: AES-256-GCM, a fresh 96-bit IV per value, the connection and CRM bound in
 * as additional authenticated data (a sealed value copied onto another connection does not open),
 * and the id of the key that sealed it, so a wrong or rotated key fails with a clear message.
 */
export const SealedSecret = z.object({
  alg: z.literal('A256GCM'),
  /** First 16 hex of SHA-256(key): names the key without revealing it. */
  kid: z.string(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

export class CredentialCipher {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('the credential key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      alg: 'A256GCM',
      kid: this.keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /** Throws when the key differs, the context differs or the value was tampered with. */
  open(sealed: SealedSecret, context: string): string {
    if (sealed.kid !== this.keyId) {
      throw new Error(
        `credentials were sealed with key ${sealed.kid}; CRM_SYNC_ENCRYPTION_KEY is key ${this.keyId}`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }
}
