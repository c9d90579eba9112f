import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { runRoute } from '../../shared/http/chain.ts';
import type { HttpResult } from '../../shared/http/errors.ts';
import type { HttpApiEvent } from '../../shared/http/request.ts';
import { captureRoute, MAX_BODY_BYTES } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { bodyOf, NOW, scanTable, startStack, workflowContact } from '../helpers/live.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A valid normalised lead; every generated body breaks it (or something else) on purpose. */
const VALID = {
  email: 'mal.formed@acme.example',
  firstName: 'Mal',
  lastName: 'Formed',
  phone: '+49 30 1234567',
  company: 'Acme',
  country: 'DE',
  employees: 50,
  channel: 'form',
  intent: 'demo',
  formId: 'demo-form',
  submittedAt: iso(NOW - 60_000),
  partial: false,
} as const;
const KNOWN = new Set([
  ...Object.keys(VALID),
  'domain',
  'industry',
  'jobTitle',
  'formTitle',
  'pageUrl',
  'hubspotContactId',
  'existingOwnerId',
  'sourceEventId',
  // Dropped by the parser before validation, so they never make a body invalid.
  '__proto__',
  'constructor',
  'prototype',
]);
const long = (n: number) => 'x'.repeat(n);

/** Values each field refuses. */
const BAD: Record<string, readonly unknown[]> = {
  email: [
    '',
    'not-an-email',
    'a@',
    '@acme.example',
    'a b@acme.example',
    42,
    null,
    true,
    [],
    {},
    `${long(250)}@a.co`,
  ],
  firstName: [42, {}, [], null, long(129)],
  lastName: [false, long(129)],
  phone: ['call me', 12345, '+', long(40), ''],
  company: [1, long(257)],
  domain: [[], long(254)],
  country: [{}, long(65)],
  employees: [-1, 1.5, '100', 10_000_001, null, Number.MAX_SAFE_INTEGER],
  industry: [3, long(129)],
  jobTitle: [[], long(257)],
  channel: ['fax', 3, '', 'FORM', null],
  intent: [7, long(65), null, {}],
  formId: [{}, long(129)],
  formTitle: [5, long(257)],
  pageUrl: [true, long(2049)],
  submittedAt: [
    'yesterday',
    '2030-13-01T00:00:00Z',
    '2030-01-07 09:00',
    '2030-01-07T09:00:00',
    NOW,
    '',
    null,
    iso(NOW + 300_001),
    '2031-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ],
  hubspotContactId: [{}, [], 1.5, long(33), true],
  existingOwnerId: [true, [], long(33), 0.5],
  partial: ['yes', 1, null, 'true'],
  sourceEventId: [{}, long(257), 9],
};

/** A valid lead with 1–3 fields broken, dropped (email), or an unknown field added. */
const brokenLead = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom(...Object.keys(BAD)), { minLength: 1, maxLength: 3 }),
    fc.nat(),
    fc.oneof(
      fc.constant<'break'>('break'),
      fc.constant<'drop-email'>('drop-email'),
      fc.constant<'unknown-key'>('unknown-key'),
    ),
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !KNOWN.has(k)),
  )
  .map(([fields, pick, how, extra]) => {
    const lead: Record<string, unknown> = { ...VALID };
    if (how === 'drop-email') delete lead.email;
    else if (how === 'unknown-key') lead[extra] = pick;
    else for (const f of fields) lead[f] = BAD[f]![pick % BAD[f]!.length];
    return JSON.stringify(lead);
  });

/** A HubSpot workflow payload (either shape) whose email, the one essential field, is bad or missing. */
const brokenHubSpot = fc
  .tuple(fc.constantFrom('profile', 'object'), fc.constantFrom(...BAD.email!, undefined), fc.boolean())
  .map(([shape, email, withStringProps]) => {
    if (shape === 'profile') {
      const body: Record<string, unknown> = workflowContact();
      const properties = { ...(body.properties as Record<string, unknown>) };
      if (email === undefined) delete properties.email;
      else properties.email = { value: email, versions: [] };
      body['identity-profiles'] = [];
      body.properties = withStringProps ? 'email=jane@example.com' : properties;
      return JSON.stringify(body);
    }
    const properties: Record<string, unknown> = { firstname: 'Obi', lastname: 'Ject', hs_object_id: '77' };
    if (email !== undefined) properties.email = email;
    return JSON.stringify({
      id: '77',
      properties: withStringProps ? [properties] : properties,
      archived: false,
    });
  });

/** Bodies that are not JSON, or JSON that is not an object. */
const notJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom(
    '',
    '   ',
    '\uFEFF',
    '{',
    '{"email":',
    'null',
    'true',
    '[]',
    '"lead"',
    '0',
    'NaN',
    "{'email':'a@b.co'}",
  ),
  fc
    .oneof(fc.integer(), fc.boolean(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 5 }))
    .map((v) => JSON.stringify(v)),
);

/** Objects with random keys and values: no shape leadclock knows, or a known shape without a valid email. */
const randomObject = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
  .map((o) => JSON.stringify(o));

/** Pathological JSON: too deep, prototype keys only. */
const hostile = fc.oneof(
  fc.integer({ min: 33, max: 400 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 33, max: 120 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constant('{"__proto__":{"email":"a@acme.example","intent":"demo"}}'),
  fc.constant('{"constructor":{"prototype":{"email":"a@acme.example"}}}'),
);

/** A request: the body text, how it is sent (content type, base64, oversized). */
const request = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: brokenLead },
      { weight: 2, arbitrary: brokenHubSpot },
      { weight: 2, arbitrary: notJson },
      { weight: 2, arbitrary: randomObject },
      { weight: 1, arbitrary: hostile },
    ),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
        ),
      },
    ),
    fc.oneof(
      { weight: 9, arbitrary: fc.constant('plain') },
      { weight: 1, arbitrary: fc.constantFrom('base64', 'oversized') },
    ),
  )
  .map(([text, contentType, how]) => ({ text, contentType, how }));

function toEvent(
  r: { text: string; contentType: string; how: string },
  headers: Record<string, string>,
): HttpApiEvent {
  const text = r.how === 'oversized' ? JSON.stringify({ ...VALID, pageUrl: long(MAX_BODY_BYTES) }) : r.text;
  const event = postEvent('/leads', text, { 'content-type': r.contentType, ...headers });
  return r.how === 'base64'
    ? { ...event, body: Buffer.from(text).toString('base64'), isBase64Encoded: true }
    : event;
}

/** The error contract: a 4xx JSON body `{error: {code, message, field?}}` and nothing else. */
function assertClientError(res: HttpResult, allowed: readonly number[]): void {
  expect(allowed).toContain(res.statusCode);
  expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
  const body = bodyOf(res);
  expect(Object.keys(body)).toEqual(['error']);
  const { code, message, field, ...rest } = body.error;
  expect(rest).toEqual({});
  expect(typeof code).toBe('string');
  expect(typeof message).toBe('string');
  expect(message.length).toBeGreaterThan(0);
  expect(field === undefined || typeof field === 'string').toBe(true);
}

describe('POST /leads with malformed bodies: 4xx JSON errors only, nothing stored', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({ consumeSync: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses 1,000 malformed bodies from an authenticated caller with 400, 413 or 415', async () => {
    // Prepare: every body must be answered with a 4xx in the error contract.
    const seen = new Set<number>();
    const property = fc.asyncProperty(request, async (r) => {
      const res = await runRoute(
        captureRoute(stack.rt),
        toEvent(r, { authorization: `Bearer ${stack.ingestKey}` }),
      );
      assertClientError(res, [400, 413, 415]);
      seen.add(res.statusCode);
    });

    // Act
    await fc.assert(property, { numRuns: 1000, seed: 20300107 });

    // Assess
    expect([...seen].sort()).toEqual([400, 413, 415]);
    expect(await scanTable(stack)).toEqual([]);
    expect(stack.scheduler.schedules()).toEqual([]);
    expect(stack.sqs.counts('leadclock-crm-sync')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses 1,000 malformed bodies from an unauthenticated caller with 401 (413 when oversized)', async () => {
    // Prepare
    const credentials = fc.constantFrom<Record<string, string>>(
      {},
      { authorization: 'Bearer lk_not_a_valid_ingest_key_at_all' },
      { 'x-hubspot-signature-v3': 'bm90IGEgc2lnbmF0dXJl', 'x-hubspot-request-timestamp': String(NOW) },
    );
    const property = fc.asyncProperty(request, credentials, async (r, headers) => {
      const res = await runRoute(captureRoute(stack.rt), toEvent(r, headers));
      assertClientError(res, r.how === 'oversized' ? [413] : [401]);
    });

    // Act
    await fc.assert(property, { numRuns: 1000, seed: 7012030 });

    // Assess
    expect(await scanTable(stack)).toEqual([]);
    expect(stack.scheduler.schedules()).toEqual([]);
  });

  it('names the field of a normalised lead that is refused', async () => {
    // Prepare
    const auth = { authorization: `Bearer ${stack.ingestKey}` };
    const cases = [
      [{ ...VALID, submittedAt: iso(NOW + 600_000) }, 'submittedAt', 'submittedAt: is in the future'],
      [{ ...VALID, email: 'nope' }, 'email', 'email: expected an email address'],
      [
        { ...VALID, channel: 'fax' },
        'channel',
        'channel: expected one of form, chat, demo_request, webinar, call, partner, other',
      ],
    ] as const;

    // Act
    const answers = await Promise.all(
      cases.map(([body]) => runRoute(captureRoute(stack.rt), postEvent('/leads', body, auth))),
    );

    // Assess
    expect(answers.map((r) => [r.statusCode, bodyOf(r).error])).toEqual(
      cases.map(([, field, message]) => [400, { code: 'invalid', message, field }]),
    );
    expect(await scanTable(stack)).toEqual([]);
  });
});
