import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hubSpotV3Uri,
  safeEqual,
  signHubSpotV3,
  verifyHubSpotLegacy,
  verifyHubSpotV1,
  verifyHubSpotV2,
  verifyHubSpotV3,
} from '../../shared/http/signature.ts';

interface Vectors {
  v3: {
    clientSecret: string;
    method: string;
    url: string;
    requestBody: string;
    timestamp: number;
    signatureV3: string;
  }[];
  v1_official: { clientSecret: string; requestBody: string; signature: string };
  v2_official: {
    clientSecret: string;
    method: string;
    url: string;
    requestBody: string;
    signature: string;
  }[];
}

// A copy of shared/hubspot/samples/signature-vectors.json, so the test runs wherever the repo is cloned.
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/hubspot/signature-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const NOW = 1_767_261_615_000;
const URL_ = 'https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/hubspot/webhooks';
const BODY = '[{"eventId":1}]';

function signed(overrides: Partial<Parameters<typeof verifyHubSpotV3>[0]> = {}) {
  const timestamp = overrides.timestamp ?? NOW;
  return {
    clientSecrets: [SECRET],
    method: 'POST',
    url: URL_,
    rawBody: BODY,
    timestamp,
    signature: signHubSpotV3(SECRET, 'POST', URL_, BODY, timestamp ?? ''),
    now: NOW,
    ...overrides,
  };
}

describe('verifyHubSpotV3: published vectors', () => {
  it.each(vectors.v3)('accepts the vector for $url', (v) => {
    // Prepare
    const input = {
      clientSecrets: [v.clientSecret],
      method: v.method,
      url: v.url,
      rawBody: v.requestBody,
      signature: v.signatureV3,
      timestamp: String(v.timestamp),
      now: v.timestamp + 1_000,
    };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('accepts the vector body given as bytes', () => {
    // Prepare
    const v = vectors.v3[1]!;

    // Act
    const result = verifyHubSpotV3({
      clientSecrets: [v.clientSecret],
      method: v.method,
      url: v.url,
      rawBody: Buffer.from(v.requestBody, 'utf8'),
      signature: v.signatureV3,
      timestamp: v.timestamp,
      now: new Date(v.timestamp),
    });

    // Assess
    expect(result).toEqual({ ok: true });
  });
});

describe('verifyHubSpotV3: refusals', () => {
  it('accepts a request signed just now', () => {
    // Prepare
    const input = signed();

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('accepts a timestamp exactly 5 minutes old, refuses one a millisecond older as stale', () => {
    // Prepare
    const edge = signed({ timestamp: NOW - 300_000 });
    const stale = signed({ timestamp: NOW - 300_001 });

    // Act
    const results = [verifyHubSpotV3(edge), verifyHubSpotV3(stale)];

    // Assess
    expect(results).toEqual([{ ok: true }, { ok: false, reason: 'stale' }]);
  });

  it('refuses a timestamp more than 5 minutes in the future', () => {
    // Prepare
    const skewed = signed({ timestamp: NOW + 300_000 });
    const future = signed({ timestamp: NOW + 300_001 });

    // Act
    const results = [verifyHubSpotV3(skewed), verifyHubSpotV3(future)];

    // Assess
    expect(results).toEqual([{ ok: true }, { ok: false, reason: 'future' }]);
  });

  it('honours a custom maxAgeMs', () => {
    // Prepare
    const input = signed({ timestamp: NOW - 61_000, maxAgeMs: 60_000 });

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'stale' });
  });

  it.each([
    ['no signature', { signature: undefined }],
    ['an empty signature', { signature: '  ' }],
    ['no timestamp', { timestamp: undefined }],
    ['a non-numeric timestamp', { timestamp: '2026-01-01T00:00:00Z' }],
  ])('refuses %s as missing', (_label, overrides) => {
    // Prepare
    const input = { ...signed(), ...overrides };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a tampered body', () => {
    // Prepare
    const input = { ...signed(), rawBody: '[{"eventId":2}]' };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a replayed signature with a fresh timestamp', () => {
    // Prepare
    const input = { ...signed(), timestamp: NOW + 1 };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a signature made with another secret', () => {
    // Prepare
    const input = { ...signed(), clientSecrets: ['zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'] };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts the second secret during a rotation', () => {
    // Prepare
    const input = { ...signed(), clientSecrets: ['new-secret-not-yet-used', SECRET] };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('never accepts anything with an empty secret configured', () => {
    // Prepare
    const forged = signHubSpotV3('', 'POST', URL_, BODY, NOW);

    // Act
    const result = verifyHubSpotV3({ ...signed(), clientSecrets: [''], signature: forged });

    // Assess
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['shorter', 'abc'],
    ['longer', `${'A'.repeat(100)}=`],
    ['multi-byte', 'é'.repeat(44)],
  ])('refuses a %s signature without throwing', (_label, signature) => {
    // Prepare
    const input = { ...signed(), signature };

    // Act
    const result = verifyHubSpotV3(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a signature whose "+" became a space in transit', () => {
    // Prepare
    const v = vectors.v3[0]!;
    const mangled = v.signatureV3.replaceAll('+', ' ');

    // Act
    const result = verifyHubSpotV3({
      clientSecrets: [v.clientSecret],
      method: v.method,
      url: v.url,
      rawBody: v.requestBody,
      signature: mangled,
      timestamp: v.timestamp,
      now: v.timestamp,
    });

    // Assess
    expect(mangled).not.toBe(v.signatureV3);
    expect(result).toEqual({ ok: true });
  });
});

describe('hubSpotV3Uri', () => {
  it('decodes exactly the escapes HubSpot decodes before signing, in either case', () => {
    // Prepare
    const url =
      'https://h.example.com/leads?key=a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm&lower=%3a%2f&keep=%20%2B%25%26%3D';

    // Act
    const uri = hubSpotV3Uri(url);

    // Assess
    expect(uri).toBe(
      "https://h.example.com/leads?key=a:b/c?d@e!f$g'h(i)j*k,l;m&lower=:/&keep=%20%2B%25%26%3D",
    );
  });

  it('verifies a request HubSpot signed over the decoded URI when given the encoded one', () => {
    // Prepare
    const encoded = 'https://h.example.com/leads?email=jane%40example.com&t=a%3Ab';
    const signature = signHubSpotV3(
      SECRET,
      'POST',
      'https://h.example.com/leads?email=jane@example.com&t=a:b',
      BODY,
      NOW,
    );

    // Act
    const result = verifyHubSpotV3({ ...signed(), url: encoded, signature });

    // Assess
    expect(result).toEqual({ ok: true });
  });
});

describe('legacy signatures', () => {
  it('accepts the official v1 vector', () => {
    // Prepare
    const v = vectors.v1_official;

    // Act
    const result = verifyHubSpotV1({
      clientSecrets: [v.clientSecret],
      rawBody: v.requestBody,
      signature: v.signature,
    });

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it.each(vectors.v2_official)('accepts the official v2 vector for $method', (v) => {
    // Prepare
    const input = {
      clientSecrets: [v.clientSecret],
      method: v.method,
      url: v.url,
      rawBody: v.requestBody,
      signature: v.signature,
    };

    // Act
    const result = verifyHubSpotV2(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('dispatches on the version header and accepts an upper-case hex signature', () => {
    // Prepare
    const v1 = vectors.v1_official;
    const v2 = vectors.v2_official[1]!;

    // Act
    const results = [
      verifyHubSpotLegacy({
        version: 'v1',
        clientSecrets: ['old', v1.clientSecret],
        rawBody: v1.requestBody,
        signature: v1.signature.toUpperCase(),
      }),
      verifyHubSpotLegacy({
        version: 'v2',
        clientSecrets: [v2.clientSecret],
        method: v2.method,
        url: v2.url,
        rawBody: v2.requestBody,
        signature: v2.signature,
      }),
    ];

    // Assess
    expect(results).toEqual([{ ok: true }, { ok: true }]);
  });

  it('refuses a v2 signature presented as v1, a tampered body and a missing signature', () => {
    // Prepare
    const v2 = vectors.v2_official[1]!;
    const base = { clientSecrets: [v2.clientSecret], rawBody: v2.requestBody };

    // Act
    const results = [
      verifyHubSpotLegacy({ version: 'v1', ...base, signature: v2.signature }),
      verifyHubSpotV2({ ...base, method: v2.method, url: v2.url, rawBody: '{}', signature: v2.signature }),
      verifyHubSpotV1({ ...base, signature: undefined }),
    ];

    // Assess
    expect(results).toEqual([
      { ok: false, reason: 'mismatch' },
      { ok: false, reason: 'mismatch' },
      { ok: false, reason: 'missing' },
    ]);
  });
});

describe('safeEqual', () => {
  it('compares equal, unequal and different-length strings', () => {
    // Prepare
    const pairs: [string, string][] = [
      ['abc', 'abc'],
      ['abc', 'abd'],
      ['abc', 'abcd'],
      ['', ''],
    ];

    // Act
    const results = pairs.map(([a, b]) => safeEqual(a, b));

    // Assess
    expect(results).toEqual([true, false, false, true]);
  });
});
