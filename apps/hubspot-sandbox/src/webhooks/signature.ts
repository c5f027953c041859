import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256, keyed with the app's client secret, over
 * method + full URI + body + timestamp (developers.hubspot.com, "Validate requests from HubSpot").
 */
export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: number,
): string {
  return createHmac('sha256', clientSecret)
    .update(`${method}${uri}${body}${timestamp}`)
    .digest('base64');
}

/** The legacy v1 signature: hex SHA-256 of client secret + body. */
export function signatureV1(clientSecret: string, body: string): string {
  return createHash('sha256')
    .update(clientSecret + body)
    .digest('hex');
}

/** Constant-time comparison of two signatures (or tokens). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
