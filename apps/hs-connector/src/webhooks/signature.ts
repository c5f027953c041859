import { createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot refuses deliveries older than 5 minutes; so do we (replay protection). */
export const MAX_WEBHOOK_AGE_MS = 5 * 60 * 1000;

export interface SignedRequest {
  readonly method: string;
  /** The full URI HubSpot called (scheme, host, path, query), as configured for the app. */
  readonly uri: string;
  readonly body: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
}

/**
 * `X-HubSpot-Signature-v3`: base64 HMAC-SHA256, keyed with the app's client secret, of
 * method + URI + body + timestamp ("Validating requests from HubSpot", v3).
 */
export function signatureV3(
  request: Omit<SignedRequest, 'signature'>,
  clientSecret: string,
): string {
  return createHmac('sha256', clientSecret)
    .update(`${request.method}${request.uri}${request.body}${request.timestamp ?? ''}`)
    .digest('base64');
}

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Checks freshness, then the signature in constant time. */
export function verifyWebhook(
  request: SignedRequest,
  clientSecret: string,
  now: number,
): Verification {
  if (request.signature === undefined || request.timestamp === undefined) {
    return { ok: false, reason: 'missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp' };
  }
  const sentAt = Number(request.timestamp);
  if (!Number.isFinite(sentAt))
    return { ok: false, reason: 'X-HubSpot-Request-Timestamp is not a number' };
  if (Math.abs(now - sentAt) > MAX_WEBHOOK_AGE_MS) {
    return { ok: false, reason: 'request timestamp is more than 5 minutes away from now' };
  }
  const expected = Buffer.from(signatureV3(request, clientSecret));
  const given = Buffer.from(request.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
