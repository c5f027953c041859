import { describe, expect, it } from '@jest/globals';
import hubspot from '@hubspot/api-client';
import { safeEqual, signatureV1, signatureV3 } from './signature.js';

// "Validate requests from HubSpot" (developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
// v3 = base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)); v1 = hex(SHA-256(clientSecret + body)).
describe('webhook signatures', () => {
  const secret = 'a-client-secret';
  const body = JSON.stringify([{ eventId: 1, subscriptionType: 'company.creation' }]);
  const url = 'http://127.0.0.1:9999/hooks/hubspot?x=1';

  it('produces a v3 signature the official client accepts', () => {
    const timestamp = Date.now();
    const signature = signatureV3(secret, 'POST', url, body, timestamp);
    expect(
      hubspot.Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: secret,
        requestBody: body,
        url,
        method: 'POST',
        timestamp,
      }),
    ).toBe(true);
    expect(
      hubspot.Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: 'other',
        requestBody: body,
        url,
        method: 'POST',
        timestamp,
      }),
    ).toBe(false);
  });

  it('produces a v1 signature the official client accepts', () => {
    const signature = signatureV1(secret, body);
    expect(
      hubspot.Signature.isValid({
        signatureVersion: 'v1',
        signature,
        clientSecret: secret,
        requestBody: body,
      }),
    ).toBe(true);
  });

  it('compares in constant time and rejects different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
