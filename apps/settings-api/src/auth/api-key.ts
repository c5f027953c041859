import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a key may do; each scope includes the ones before it. */
export const Scope = z.enum(['read', 'write', 'admin']);
export type Scope = z.infer<typeof Scope>;

const RANK: Readonly<Record<Scope, number>> = { read: 1, write: 2, admin: 3 };

export function scopeAllows(granted: Scope, required: Scope): boolean {
  return RANK[granted] >= RANK[required];
}

/**
 * A key reads `csk_<id>_<secret>`: the id finds the stored record by `_id` (the only fast lookup
 * on FerretDB) and may be shown and logged; the secret is 32 random bytes, stored only as its
 * SHA-256. A fast hash is right here: slow KDFs protect guessable passwords, and 256 random bits
 * cannot be guessed, so a stolen hash does not yield the key.
 */
const TOKEN = /^csk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  readonly id: string;
  /** The whole key, shown to its creator once. */
  readonly token: string;
  readonly secretHash: string;
}

export function issueKey(random: (size: number) => Buffer = randomBytes): IssuedKey {
  const id = random(8).toString('hex');
  const secret = random(32).toString('base64url');
  return { id, token: `csk_${id}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseKey(
  token: string,
): { readonly id: string; readonly secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m?.[1] === undefined || m[2] === undefined ? undefined : { id: m[1], secret: m[2] };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings through their SHA-256 (equal lengths by construction). */
export function sameSecret(presented: string, expectedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of `Authorization: Bearer <token>`, or undefined for anything else. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer ([\x21-\x7e]{1,600})$/i.exec(header.trim());
  return m?.[1];
}
