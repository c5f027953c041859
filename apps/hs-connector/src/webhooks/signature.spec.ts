import { describe, expect, it } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import { MAX_WEBHOOK_AGE_MS, signatureV3, verifyWebhook } from './signature.js';

const secret = 'app-client-secret';
const now = Date.parse('2026-11-28T12:00:00Z');
const base = {
  method: 'POST',
  uri: 'https://sync.example.com/webhooks/hubspot?x=1',
  body: '[{"eventId":1}]',
};

describe('HubSpot v3 webhook signatures', () => {
  it('computes what the official client computes (HubSpot: "Validating requests", v3)', () => {
    const timestamp = String(now);
    expect(signatureV3({ ...base, timestamp }, secret)).toBe(
      Signature.getSignature('POST', 'v3', {
        signature: '',
        clientSecret: secret,
        url: base.uri,
        requestBody: base.body,
        timestamp: now,
      }),
    );
  });

  it('accepts a fresh, correctly signed request', () => {
    const timestamp = String(now - 1_000);
    const signature = signatureV3({ ...base, timestamp }, secret);
    expect(verifyWebhook({ ...base, timestamp, signature }, secret, now)).toEqual({ ok: true });
  });

  it.each([
    [
      'a forged signature',
      { timestamp: String(now), signature: 'AAAA' },
      'signature does not match',
    ],
    [
      'another secret',
      {
        timestamp: String(now),
        signature: signatureV3({ ...base, timestamp: String(now) }, 'other-secret'),
      },
      'signature does not match',
    ],
    [
      'a changed body',
      {
        timestamp: String(now),
        signature: signatureV3({ ...base, body: '[]', timestamp: String(now) }, secret),
      },
      'signature does not match',
    ],
    [
      'a stale timestamp',
      {
        timestamp: String(now - MAX_WEBHOOK_AGE_MS - 1),
        signature: signatureV3(
          { ...base, timestamp: String(now - MAX_WEBHOOK_AGE_MS - 1) },
          secret,
        ),
      },
      'more than 5 minutes',
    ],
    [
      'a timestamp from the future',
      {
        timestamp: String(now + MAX_WEBHOOK_AGE_MS + 1),
        signature: signatureV3(
          { ...base, timestamp: String(now + MAX_WEBHOOK_AGE_MS + 1) },
          secret,
        ),
      },
      'more than 5 minutes',
    ],
    ['no signature', { timestamp: String(now), signature: undefined }, 'missing'],
    ['no timestamp', { timestamp: undefined, signature: 'x' }, 'missing'],
    ['a non-numeric timestamp', { timestamp: 'yesterday', signature: 'x' }, 'not a number'],
  ])('refuses %s', (_what, parts, reason) => {
    const verdict = verifyWebhook({ ...base, ...parts }, secret, now);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toContain(reason);
  });
});
