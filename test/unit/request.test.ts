import { describe, expect, it } from 'vitest';
import {
  bearerToken,
  type HttpApiEvent,
  header,
  isJsonMediaType,
  parseJsonBody,
  publicUrl,
  queryParam,
  rawBody,
  signatureParts,
} from '../../shared/http/request.ts';

const EXECUTE_API = 'abc123defg.execute-api.us-east-1.amazonaws.com';

function event(overrides: Partial<HttpApiEvent> = {}): HttpApiEvent {
  return {
    version: '2.0',
    rawPath: '/leads',
    rawQueryString: '',
    headers: { host: EXECUTE_API, 'content-type': 'application/json' },
    requestContext: { domainName: EXECUTE_API, stage: '$default', http: { method: 'POST', path: '/leads' } },
    body: '{"email":"jane@example.com"}',
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('header', () => {
  it('finds a header whatever its case, and returns undefined when absent', () => {
    // Prepare
    const e = event({ headers: { 'X-HubSpot-Signature-v3': 'sig', host: 'h' } });

    // Act
    const found = [header(e, 'x-hubspot-signature-v3'), header(e, 'HOST'), header(e, 'x-missing')];

    // Assess
    expect(found).toEqual(['sig', 'h', undefined]);
  });

  it('does not return inherited object members', () => {
    // Prepare
    const e = event({ headers: {} });

    // Act
    const found = [
      header(e, 'constructor'),
      header(e, '__proto__'),
      header(event({ headers: undefined }), 'host'),
    ];

    // Assess
    expect(found).toEqual([undefined, undefined, undefined]);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def-123', 'abc.def-123'],
    ['bearer   tok  ', 'tok'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
  ])('reads %j as %j', (authorization, expected) => {
    // Prepare
    const e = event({ headers: { Authorization: authorization } });

    // Act
    const token = bearerToken(e);

    // Assess
    expect(token).toBe(expected);
  });

  it('returns undefined without an Authorization header', () => {
    // Prepare
    const e = event();

    // Act
    const token = bearerToken(e);

    // Assess
    expect(token).toBeUndefined();
  });
});

describe('queryParam', () => {
  it('reads the first value from the raw query string, decoded', () => {
    // Prepare
    const e = event({
      rawQueryString: 'key=s%3Dcret&key=second&empty=',
      queryStringParameters: { key: 'x' },
    });

    // Act
    const values = [queryParam(e, 'key'), queryParam(e, 'empty'), queryParam(e, 'missing')];

    // Assess
    expect(values).toEqual(['s=cret', '', undefined]);
  });

  it('falls back to queryStringParameters when there is no raw query string', () => {
    // Prepare
    const e = event({ rawQueryString: undefined, queryStringParameters: { key: 'one,two' } });

    // Act
    const values = [queryParam(e, 'key'), queryParam(e, 'toString')];

    // Assess
    expect(values).toEqual(['one', undefined]);
  });
});

describe('rawBody', () => {
  it('returns the body as sent, decoding base64 when API Gateway encoded it', () => {
    // Prepare
    const text = '{"name":"Jürgen"}';
    const plain = event({ body: text });
    const encoded = event({ body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true });

    // Act
    const bodies = [rawBody(plain), rawBody(encoded), rawBody(event({ body: null }))];

    // Assess
    expect(bodies).toEqual([text, text, '']);
  });
});

describe('publicUrl', () => {
  it('uses the Host header, no stage segment for $default, and the query string', () => {
    // Prepare
    const e = event({ rawPath: '/leads', rawQueryString: 'hapikey=abc&x=%40' });

    // Act
    const url = publicUrl(e);

    // Assess
    expect(url).toBe(`https://${EXECUTE_API}/leads?hapikey=abc&x=%40`);
  });

  it('keeps the named stage once, whether or not rawPath already carries it', () => {
    // Prepare
    const ctx = { domainName: EXECUTE_API, stage: 'prod' };
    const withStage = event({ rawPath: '/prod/hubspot/webhooks', requestContext: ctx });
    const withoutStage = event({ rawPath: '/hubspot/webhooks', requestContext: ctx });

    // Act
    const urls = [publicUrl(withStage), publicUrl(withoutStage)];

    // Assess
    expect(urls).toEqual([
      `https://${EXECUTE_API}/prod/hubspot/webhooks`,
      `https://${EXECUTE_API}/prod/hubspot/webhooks`,
    ]);
  });

  it('leaves the stage out on a custom domain and adds the base path', () => {
    // Prepare
    const e = event({
      rawPath: '/prod/leads',
      headers: { host: 'api.example.com' },
      requestContext: { domainName: 'api.example.com', stage: 'prod' },
    });

    // Act
    const urls = [publicUrl(e), publicUrl(e, { basePath: '/leadclock/' })];

    // Assess
    expect(urls).toEqual(['https://api.example.com/leads', 'https://api.example.com/leadclock/leads']);
  });

  it('does not repeat a base path already in rawPath', () => {
    // Prepare
    const e = event({ rawPath: '/leadclock/leads', headers: { host: 'api.example.com' } });

    // Act
    const url = publicUrl(e, { basePath: 'leadclock' });

    // Assess
    expect(url).toBe('https://api.example.com/leadclock/leads');
  });

  it('falls back to the request context domain when there is no Host header', () => {
    // Prepare
    const e = event({ headers: {}, requestContext: { domainName: EXECUTE_API, stage: 'dev' } });

    // Act
    const url = publicUrl(e);

    // Assess
    expect(url).toBe(`https://${EXECUTE_API}/dev/leads`);
  });

  it('lets publicBaseUrl win over the host, stage and base path', () => {
    // Prepare
    const e = event({
      rawPath: '/prod/hubspot/webhooks',
      rawQueryString: 'a=1',
      requestContext: { domainName: EXECUTE_API, stage: 'prod' },
    });

    // Act
    const url = publicUrl(e, { publicBaseUrl: 'https://hooks.example.com/lc/' });

    // Assess
    expect(url).toBe('https://hooks.example.com/lc/hubspot/webhooks?a=1');
  });
});

describe('signatureParts', () => {
  it('collects the method, public URL, raw body and signature headers', () => {
    // Prepare
    const e = event({
      rawQueryString: 'a=1',
      headers: {
        host: EXECUTE_API,
        'x-hubspot-signature-v3': 'v3sig',
        'x-hubspot-request-timestamp': '1767261615000',
        'X-HubSpot-Signature': 'legacy',
        'X-HubSpot-Signature-Version': 'v2',
      },
    });

    // Act
    const parts = signatureParts(e);

    // Assess
    expect(parts).toEqual({
      method: 'POST',
      url: `https://${EXECUTE_API}/leads?a=1`,
      rawBody: '{"email":"jane@example.com"}',
      signatureV3: 'v3sig',
      timestamp: '1767261615000',
      signature: 'legacy',
      signatureVersion: 'v2',
    });
  });
});

describe('parseJsonBody', () => {
  it('parses a JSON body, with or without a content type, plain or base64', () => {
    // Prepare
    const json = '{"a":[1,{"b":null}]}';
    const events = [
      event({ body: json }),
      event({ body: json, headers: {} }),
      event({ body: Buffer.from(json).toString('base64'), isBase64Encoded: true }),
      event({ body: `\uFEFF${json}`, headers: { 'Content-Type': 'application/json; charset=utf-8' } }),
    ];

    // Act
    const results = events.map((e) => parseJsonBody(e));

    // Assess
    const ok = { ok: true, value: { a: [1, { b: null }] } };
    expect(results).toEqual([ok, ok, ok, ok]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses Content-Type %s with 415',
    (contentType) => {
      // Prepare
      const e = event({ headers: { 'content-type': contentType } });

      // Act
      const result = parseJsonBody(e);

      // Assess
      expect(result).toEqual({
        ok: false,
        status: 415,
        code: 'unsupported_media_type',
        message: 'expected Content-Type: application/json',
      });
    },
  );

  it('accepts a body of exactly maxBytes and refuses one byte more with 413', () => {
    // Prepare
    const fits = `"${'a'.repeat(254)}"`;
    const over = `"${'a'.repeat(255)}"`;

    // Act
    const results = [
      parseJsonBody(event({ body: fits }), { maxBytes: 256 }),
      parseJsonBody(event({ body: over }), { maxBytes: 256 }),
    ];

    // Assess
    expect(results).toEqual([
      { ok: true, value: 'a'.repeat(254) },
      { ok: false, status: 413, code: 'body_too_large', message: 'the body is over 256 bytes' },
    ]);
  });

  it('counts bytes, not characters, and measures base64 bodies after decoding', () => {
    // Prepare
    const multiByte = `"${'é'.repeat(200)}"`; // 202 characters, 402 bytes
    const big = Buffer.from(`"${'a'.repeat(300_000)}"`).toString('base64');

    // Act
    const results = [
      parseJsonBody(event({ body: multiByte }), { maxBytes: 300 }),
      parseJsonBody(event({ body: big, isBase64Encoded: true })),
    ];

    // Assess
    expect(results).toEqual([
      { ok: false, status: 413, code: 'body_too_large', message: 'the body is over 300 bytes' },
      { ok: false, status: 413, code: 'body_too_large', message: 'the body is over 256 KB' },
    ]);
  });

  it.each([
    ['empty', '', 'the body is empty; expected JSON'],
    ['blank', '  \n', 'the body is empty; expected JSON'],
  ])('refuses an %s body with 400', (_label, body, message) => {
    // Prepare
    const e = event({ body });

    // Act
    const result = parseJsonBody(e);

    // Assess
    expect(result).toEqual({ ok: false, status: 400, code: 'invalid_json', message });
  });

  it.each(['{"a":', "{'a':1}", '{"a":1}}', 'undefined', '[1,]'])(
    'refuses malformed JSON %j with 400',
    (body) => {
      // Prepare
      const e = event({ body });

      // Act
      const result = parseJsonBody(e);

      // Assess
      expect(result).toMatchObject({ ok: false, status: 400, code: 'invalid_json' });
      expect(result.ok === false && result.message.startsWith('the body is not valid JSON')).toBe(true);
    },
  );

  it('refuses nesting deeper than maxDepth, counting brackets inside strings as text', () => {
    // Prepare
    const deep = `${'['.repeat(33)}${']'.repeat(33)}`;
    const limit = `${'['.repeat(32)}${']'.repeat(32)}`;
    const inString = `{"s":"${'['.repeat(100)}"}`;

    // Act
    const results = [deep, limit, inString].map((body) => parseJsonBody(event({ body })).ok);

    // Assess
    expect(results).toEqual([false, true, true]);
    expect(parseJsonBody(event({ body: deep }))).toEqual({
      ok: false,
      status: 400,
      code: 'invalid_json',
      message: 'the JSON is nested more than 32 levels deep',
    });
  });

  it('handles a very deep body without throwing', () => {
    // Prepare
    const e = event({ body: '['.repeat(200_000) });

    // Act
    const result = parseJsonBody(e);

    // Assess
    expect(result).toMatchObject({ ok: false, status: 400, code: 'invalid_json' });
  });

  it('drops __proto__, constructor and prototype keys at every level', () => {
    // Prepare
    const body =
      '{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":{"polluted":true}},"b":1},"prototype":2,"c":[{"__proto__":{"x":1}}]}';

    // Act
    const result = parseJsonBody(event({ body }));

    // Assess
    expect(result).toEqual({ ok: true, value: { a: { b: 1 }, c: [{}] } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const value = result.ok ? (result.value as Record<string, unknown>) : {};
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

describe('isJsonMediaType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=UTF-8', true],
    ['application/vnd.hubspot+json', true],
    ['text/json', false],
    ['application/jsonp', false],
    ['', false],
  ])('%j → %j', (contentType, expected) => {
    // Prepare
    const input = contentType;

    // Act
    const result = isJsonMediaType(input);

    // Assess
    expect(result).toBe(expected);
  });
});
