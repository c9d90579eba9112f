/**
 * Hostile input (issue 8, part 4), over real HTTP through the local gateway: seeded fast-check fuzzing of
 * POST /leads, POST /hubspot/webhooks and POST /leads/{id}/events with malformed JSON, wrong types, huge
 * strings, deep nesting, unicode, prototype-pollution keys at any depth, 10 MB bodies and replayed or
 * future-dated signatures. Every case gets a 4xx in the error contract and nothing is stored or polluted.
 * Then: notification text cannot inject headers, and no log line carries a raw email or phone number.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RouteEntry, startGateway } from '../../infra/local/server.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { logger } from '../../shared/app/logging.ts';
import type { LeadRecord } from '../../shared/app/ports.ts';
import { localTime } from '../../shared/domain/messages.ts';
import type { Route } from '../../shared/http/chain.ts';
import {
  captureRoute,
  getLeadRoute,
  hubspotWebhookRoute,
  leadEventsRoute,
  MAX_BODY_BYTES,
} from '../../shared/http/routes.ts';
import { signHubSpotV1, signHubSpotV2, signHubSpotV3 } from '../../shared/http/signature.ts';
import { NOW, propertyChange, scanTable, startStack, workflowContact } from '../helpers/live.ts';
import { memoryLog } from '../helpers/wait.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const MB = 1024 * 1024;
const SKEW = 300_000;

/** A request as sent: the exact bytes (or text), its content type, headers and query string. */
interface Req {
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  query?: string;
}

/** An answer as received. */
interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

/** The error contract: `{error: {code, message, field?}}` as JSON, nothing else. */
function assertErrorContract(a: Answer): void {
  expect(a.contentType).toBe('application/json; charset=utf-8');
  const body = JSON.parse(a.text) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  const { code, message, field, ...rest } = body.error;
  expect(rest).toEqual({});
  expect(typeof code).toBe('string');
  expect(typeof message).toBe('string');
  expect(field === undefined || typeof field === 'string').toBe(true);
}

const bytesOf = (r: Req) => (typeof r.body === 'string' ? Buffer.byteLength(r.body) : r.body.length);

// ---------------------------------------------------------------------------------------------------------
// Building blocks of hostile bodies.

/** Text people should never be able to smuggle anywhere: line breaks, separators, controls, bidi, lone surrogates. */
const NASTY = [
  '\r\nBcc: eve@evil.example',
  '\nSubject: you won',
  'a\u2028b\u2029c',
  '\u0085next line',
  '\u0000\u0001\u0007\u001b[31m\u007f\u009b',
  '\u202Eevil\u202C',
  'zero\u200Bwidth\u200D\uFEFF',
  '\uD800',
  'x\uDFFFy',
  'a\uD83D',
  'مرحبا بالعالم',
  'שלום\u200F',
  '𝕳𝖊𝖑𝖑𝖔 🎉👩‍👩‍👧',
  'Ω≈ç√∫˜µ≤≥÷',
  '%0d%0aBcc:%20x',
  '\u0024{7*7}{{7*7}}<script>alert(1)</script>',
  "'; DROP TABLE leads; --",
];
const nastyText = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Keys that pollute prototypes when code merges objects naively, and values that would do the polluting. */
const POLLUTION_KEY = fc.constantFrom('__proto__', 'constructor', 'prototype');
const POLLUTION_VALUE = fc.constantFrom(
  '{"polluted":"yes"}',
  '{"prototype":{"polluted":"yes"}}',
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '"yes"',
  'null',
);

/** Inserts `"key":value` into the nth object of JSON text (modulo the objects there), at whatever depth it is. */
function injectKey(text: string, nth: number, key: string, value: string): string {
  const opens: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') opens.push(i);
  }
  if (opens.length === 0) return text;
  const at = (opens[nth % opens.length] as number) + 1;
  return `${text.slice(0, at)}${JSON.stringify(key)}:${value}${text[at] === '}' ? '' : ','}${text.slice(at)}`;
}

/** Zero to three pollution keys, each in some object of the body. */
const pollution = fc.array(fc.tuple(fc.nat(), POLLUTION_KEY, POLLUTION_VALUE), { maxLength: 3 });
const polluted = (text: string, keys: [number, string, string][]) =>
  keys.reduce((t, [nth, key, value]) => injectKey(t, nth, key, value), text);

/** Nested arrays or objects around a value, deeper than the 32 levels the parser accepts. */
const tooDeep = fc
  .tuple(fc.integer({ min: 33, max: 20_000 }), fc.boolean())
  .map(([n, arrays]) =>
    arrays ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
  );

/** A long run of one character: over a field's limit but within 256 KB, or past 256 KB. */
const CHARS = ['x', 'é', '€', '𝕳', '\u200B', 'ש'];
function longRun(over: number) {
  return fc
    .tuple(fc.constantFrom(...CHARS), fc.oneof(fc.constant('field'), fc.constant('body')))
    .chain(([ch, size]) =>
      (size === 'field'
        ? fc.integer({ min: over + 1, max: over + 20_000 })
        : fc.integer({ min: Math.ceil(300_000 / Buffer.byteLength(ch)), max: 400_000 })
      ).map((n) => ch.repeat(n)),
    );
}

/** JSON that is not: truncated, single-quoted, trailing commas, comments, NaN, raw control characters, BOMs. */
function malformed(valid: string) {
  return fc.oneof(
    fc.integer({ min: 1, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
    fc.constantFrom(
      '',
      ' \t\r\n',
      '\uFEFF',
      '\uFEFF\uFEFF{}',
      "{'email':'a@acme.example'}",
      '{"email":"a@acme.example",}',
      '{"email":"a@acme.example"}/* c */',
      '{"employees":NaN}',
      '{"employees":01}',
      '{"firstName":"tab\there"}',
      '{"firstName":"\\x41"}',
      '{"firstName":"\\uD8"}',
      '{"a":1}{"b":2}',
      'undefined',
      '{"__proto__":',
    ),
    fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  );
}

/** JSON values of a type other than the ones a field takes. */
const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const notBoolean = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant([]));
const notCount = fc.oneof(
  fc.double().filter((d) => !Number.isInteger(d)),
  fc.integer({ max: -1 }),
  fc.integer({ min: 10_000_001 }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('٥٠', '５０', '50\u200B'),
  fc.boolean(),
  fc.constant(null),
);
const notId = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.double().filter((d) => !Number.isInteger(d)),
  fc.constantFrom('1'.repeat(33), 'x'.repeat(33)),
);

// ---------------------------------------------------------------------------------------------------------

describe('hostile input over HTTP: always a 4xx, never a 5xx, nothing stored, nothing polluted', () => {
  let stack: LocalStack;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  /** Requests that reached a route (past the gateway), and the largest body one was handed. */
  const reached = { calls: 0, largestBody: 0 };
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  /** The one lead in the table: the target of the events route and of valid-looking webhooks. */
  let target: { leadId: string; contactId: string };
  let before: { table: Record<string, unknown>[]; schedules: unknown[]; queue: unknown };

  const spy =
    (route: Route): Route =>
    async (event) => {
      reached.calls++;
      reached.largestBody = Math.max(reached.largestBody, (event.body ?? '').length);
      return route(event);
    };
  const host = () => new URL(gateway.url).host;
  /** The URL HubSpot signs: https, the Host header, the path and the query as sent. */
  const publicUrl = (path: string, query = '') => `https://${host()}${path}${query ? `?${query}` : ''}`;
  const bearer = () => ({ authorization: `Bearer ${stack.adminKey}` });

  async function send(path: string, r: Req): Promise<Answer> {
    const res = await fetch(`${gateway.url}${path}${r.query ? `?${r.query}` : ''}`, {
      method: 'POST',
      // Bytes, so fetch adds no content type of its own (it says text/plain for a string).
      body: typeof r.body === 'string' ? Buffer.from(r.body) : r.body,
      headers: { ...(r.contentType === undefined ? {} : { 'content-type': r.contentType }), ...r.headers },
    });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  }

  /** Signs `body` as HubSpot does (v3) for a POST to `path` (and `query`) at `timestamp`. */
  function v3(
    path: string,
    body: string,
    timestamp: number | string,
    secret = stack.clientSecret,
    query = '',
  ) {
    return {
      'x-hubspot-signature-v3': signHubSpotV3(
        secret,
        'POST',
        publicUrl(path, query),
        body,
        String(timestamp),
      ),
      'x-hubspot-request-timestamp': String(timestamp),
    };
  }

  /**
   * Credentials that must be refused with 401 whatever the body: replayed, future-dated, forged, legacy or
   * missing signatures, wrong keys, and on the webhook route even the right key (it takes signatures only).
   */
  function hostileAuth(path: string, route: 'leads' | 'webhooks' | 'events') {
    const signatures = [
      fc.integer({ min: 1, max: 10 ** 11 }).map((k) => (b: string) => v3(path, b, NOW - SKEW - k)),
      fc.integer({ min: 1, max: 10 ** 11 }).map((k) => (b: string) => v3(path, b, NOW + SKEW + k)),
      fc.constant((b: string) => v3(path, b, NOW, 'not-the-app-secret')),
      fc.constant((b: string) => v3(path, `${b} `, NOW)),
      fc.constant((b: string) => ({
        'x-hubspot-signature-v3': signHubSpotV3(
          stack.clientSecret,
          'POST',
          `http://${host()}${path}`,
          b,
          String(NOW),
        ),
        'x-hubspot-request-timestamp': String(NOW),
      })),
      fc.constant((b: string) => ({ 'x-hubspot-signature-v3': v3(path, b, NOW)['x-hubspot-signature-v3'] })),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })
        .filter((t) => !/^\s*\d+\s*$/.test(t))
        .map((t) => (b: string) => ({ ...v3(path, b, NOW), 'x-hubspot-request-timestamp': t })),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 200 }).map((s) => (_b: string) => ({
        'x-hubspot-signature-v3': s,
        'x-hubspot-request-timestamp': String(NOW),
      })),
      fc.constant((b: string) => ({
        'x-hubspot-signature': signHubSpotV1(stack.clientSecret, b),
        'x-hubspot-signature-version': 'v1',
      })),
      fc.constant((b: string) => ({
        'x-hubspot-signature': signHubSpotV2(stack.clientSecret, 'POST', publicUrl(path), b),
        'x-hubspot-signature-version': 'v2',
      })),
    ];
    const keys = [
      fc.constant((_b: string): Record<string, string> => ({})),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 })
        .map((k) => (_b: string) => ({ authorization: `Bearer ${k.replace(/\s/g, '_')}x` })),
      fc.constant((_b: string) => ({ authorization: `Basic ${stack.ingestKey}` })),
      fc.constant((_b: string) => ({ authorization: `Bearer ${stack.ingestKey.slice(0, -1)}` })),
    ];
    if (route === 'events')
      return fc.oneof(
        ...keys,
        fc.constant((b: string) => v3(path, b, NOW)),
      );
    if (route === 'webhooks')
      return fc.oneof(
        ...keys,
        ...signatures,
        fc.constant((_b: string) => bearer()),
      );
    return fc.oneof(...keys, ...signatures);
  }

  /** Everything the stack holds or has sent, to compare before and after. */
  async function everything() {
    return {
      table: await scanTable(stack),
      schedules: stack.scheduler.schedules(),
      queue: stack.sqs.counts('leadclock-crm-sync'),
    };
  }

  beforeAll(async () => {
    stack = await startStack({ consumeSync: false });
    const routes: RouteEntry[] = [
      { method: 'POST', path: '/leads', route: spy(captureRoute(stack.rt)) },
      { method: 'POST', path: '/hubspot/webhooks', route: spy(hubspotWebhookRoute(stack.rt)) },
      { method: 'POST', path: '/leads/{leadId}/events', route: spy(leadEventsRoute(stack.rt)) },
      { method: 'GET', path: '/leads/{leadId}', route: spy(getLeadRoute(stack.rt)) },
    ];
    gateway = await startGateway(routes);
    const res = await send('/leads', {
      body: JSON.stringify({
        email: 'tara.target@acme.example',
        firstName: 'Tara',
        intent: 'demo',
        country: 'DE',
        submittedAt: iso(NOW - 60_000),
        hubspotContactId: '4242',
      }),
      contentType: 'application/json',
      headers: bearer(),
    });
    expect(res.status).toBe(202);
    target = { leadId: (JSON.parse(res.text) as { leadId: string }).leadId, contactId: '4242' };
    before = await everything();
  });
  afterAll(async () => {
    await gateway?.close();
    await stack?.close();
  });

  /** Nothing stored, armed, queued or published since the target lead, and no prototype touched. */
  async function assertNothingChanged() {
    expect(await everything()).toEqual(before);
    expect(stack.sns.outbox()).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  }

  it('POST /leads: 1,500 hostile requests get 400, 401, 413 or 415 in the error contract, and store nothing', async () => {
    // Prepare: a valid lead, then one defect per request (plus pollution keys and hostile unicode on top).
    const valid = {
      email: 'hostile.lead@acme.example',
      firstName: 'Hos',
      lastName: 'Tile',
      phone: '+49 30 1234567',
      company: 'Acme',
      country: 'DE',
      channel: 'form',
      intent: 'demo',
      formId: 'demo-form',
      submittedAt: iso(NOW - 60_000),
    };
    const validText = JSON.stringify(valid);
    const LIMITS: Record<string, number> = {
      firstName: 128,
      lastName: 128,
      company: 256,
      domain: 253,
      country: 64,
      industry: 128,
      jobTitle: 256,
      formId: 128,
      formTitle: 256,
      pageUrl: 2048,
      sourceEventId: 256,
      intent: 64,
    };
    const STRINGS = [...Object.keys(LIMITS), 'email', 'phone', 'channel', 'submittedAt'];
    const KNOWN = new Set([...STRINGS, 'employees', 'partial', 'hubspotContactId', 'existingOwnerId']);
    const FORBIDDEN_EXTRA = new Set([
      ...KNOWN,
      'properties',
      'vid',
      'canonical-vid',
      'portal-id',
      'form-submissions',
      'identity-profiles',
      'merged-vids',
      'is-contact',
      '__proto__',
      'constructor',
      'prototype',
    ]);
    const withField = (field: string, value: unknown) => JSON.stringify({ ...valid, [field]: value });
    const defect = fc.oneof(
      malformed(validText).map((t) => ({ kind: 'malformed JSON', text: t })),
      fc
        .tuple(fc.constantFrom(...STRINGS), notString)
        .map(([f, v]) => ({ kind: 'wrong type', text: withField(f, v) })),
      fc
        .tuple(fc.constantFrom('employees'), notCount)
        .map(([f, v]) => ({ kind: 'wrong type', text: withField(f, v) })),
      notBoolean.map((v) => ({ kind: 'wrong type', text: withField('partial', v) })),
      fc
        .tuple(fc.constantFrom('hubspotContactId', 'existingOwnerId'), notId)
        .map(([f, v]) => ({ kind: 'wrong type', text: withField(f, v) })),
      fc
        .constantFrom(...Object.keys(LIMITS))
        .chain((f) =>
          longRun(LIMITS[f] as number).map((v) => ({ kind: 'huge string', text: withField(f, v) })),
        ),
      longRun(254).map((v) => ({ kind: 'huge string', text: withField('email', `${v}@acme.example`) })),
      fc
        .tuple(fc.constantFrom(...STRINGS, 'employees', 'partial', 'nested'), tooDeep)
        .map(([f, deep]) => ({ kind: 'deep nesting', text: validText.replace(/}$/, `,"${f}x":${deep}}`) })),
      fc
        .tuple(
          fc.constantFrom(
            'hostile.lead\u200B@acme.example',
            '\u202Ehostile.lead@acme.example',
            'hostile.lead＠acme.example',
            'hostile.lead@acme.example\uD800',
            'hostile.lead@аcme.example',
            'hostile lead@acme.example',
            'hostile.lead@acme.example\r\nBcc: eve@evil.example',
          ),
          fc.constantFrom('email'),
        )
        .map(([v, f]) => ({ kind: 'unicode', text: withField(f, v) })),
      fc
        .constantFrom('form\u200B', 'ｆｏｒｍ', 'FORM', 'form\r\n', '\u202Eform')
        .map((v) => ({ kind: 'unicode', text: withField('channel', v) })),
      fc
        .constantFrom(
          '٢٠٣٠-٠١-٠٧T09:00:00Z',
          '2030-01-07T09:00:00Z\u200B',
          '\u202E2030-01-07T09:00:00Z',
          '2030‐01‐07T09:00:00Z',
        )
        .map((v) => ({ kind: 'unicode', text: withField('submittedAt', v) })),
      fc
        .integer({ min: NOW + SKEW + 1, max: Date.parse('9999-12-31T23:59:59Z') })
        .map((t) => ({ kind: 'future submittedAt', text: withField('submittedAt', iso(t)) })),
      fc.constant({ kind: 'no email', text: JSON.stringify({ ...valid, email: undefined }) }),
      fc
        .jsonValue({ maxDepth: 3 })
        .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
        .map((v) => ({ kind: 'not an object', text: JSON.stringify(v) })),
      fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              'hasOwnProperty',
              'toString',
              'valueOf',
              '__defineGetter__',
              'isPrototypeOf',
              'then',
            ),
            nastyText,
          ),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .filter(([k]) => !FORBIDDEN_EXTRA.has(k))
        .map(([k, v]) => ({ kind: 'unknown field', text: JSON.stringify({ ...valid, [k]: v }) })),
      fc
        .tuple(
          fc.constantFrom('firstName', 'company', 'email'),
          fc.uint8Array({ minLength: 1, maxLength: 8 }),
        )
        .map(([f, bytes]) => {
          // Raw bytes that are not UTF-8, inside a field that cannot take U+FFFD (email) or around it.
          const [head, tail] = validText.split(`"${f}":"`) as [string, string];
          const at = f === 'email' ? `"${f}":"\xFF` : `"${f}":`;
          return {
            kind: 'invalid UTF-8',
            text: Buffer.concat([
              Buffer.from(`${head}${at}`, 'latin1'),
              Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, ...bytes]),
              Buffer.from(f === 'email' ? tail : `"${tail}`),
            ]),
          };
        }),
    );
    const request = fc.record({
      defect,
      pollution,
      contentType: fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            'text/json',
            'application/jsonx',
          ),
        },
      ),
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant<'bearer' | 'v3' | 'query'>('bearer') },
        { weight: 1, arbitrary: fc.constantFrom<'bearer' | 'v3' | 'query'>('v3', 'query') },
        { weight: 2, arbitrary: hostileAuth('/leads', 'leads') },
      ),
      query: fc.constantFrom('', '__proto__[polluted]=1&constructor[prototype][polluted]=1', 'a=%E0%A4%A'),
    });
    const statuses = new Map<number, number>();

    // Act
    await fc.assert(
      fc.asyncProperty(request, async ({ defect: d, pollution: p, contentType, auth, query }) => {
        const body = typeof d.text === 'string' ? polluted(d.text, p) : d.text;
        const raw = typeof body === 'string' ? body : body.toString('utf8');
        const headers =
          auth === 'bearer'
            ? bearer()
            : auth === 'v3'
              ? v3('/leads', raw, NOW, stack.clientSecret, query)
              : auth === 'query'
                ? {}
                : auth(raw);
        const q = auth === 'query' ? `key=${stack.ingestKey}${query ? `&${query}` : ''}` : query;
        const r: Req = { body, contentType, headers, query: q };
        const trusted = typeof auth === 'string';
        const answer = await send('/leads', r);
        const expected =
          bytesOf(r) > MAX_BODY_BYTES
            ? 413
            : !trusted
              ? 401
              : contentType !== undefined && contentType !== 'application/json'
                ? 415
                : 400;
        expect([d.kind, answer.status]).toEqual([d.kind, expected]);
        assertErrorContract(answer);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }),
      { numRuns: 1500, seed: 8_040_001 },
    );

    // Assess
    expect([...statuses.keys()].sort()).toEqual([400, 401, 413, 415]);
    await assertNothingChanged();
  });

  it('POST /hubspot/webhooks: 1,000 hostile deliveries get 400, 401, 413 or 415, and the known contact is untouched', async () => {
    // Prepare: events about the target lead's contact, each broken in at least one field, in broken batches.
    const good = () =>
      propertyChange({
        eventId: 77,
        contactId: target.contactId,
        property: 'hs_lead_status',
        value: 'ATTEMPTED_TO_CONTACT',
        occurredAt: NOW,
      }) as Record<string, unknown>;
    const BROKEN: Record<string, readonly unknown[]> = {
      eventId: [undefined, null, -1, 1.5, 'abc', '1'.repeat(21), {}, [], true, '12a', '', 2 ** 53],
      objectId: [undefined, null, -1, 1.5, `${target.contactId}\u200B`, ' 4242', {}, [4242], true],
      subscriptionType: [
        undefined,
        null,
        '',
        'contact propertyChange',
        'contact.propertyChange\u200B',
        'x'.repeat(129),
        5,
        {},
      ],
      occurredAt: [undefined, null, 0, -1, 1.5, String(NOW), 253_402_300_800_000, {}, true],
      portalId: [undefined, null, 0, -5, 1.5, '62515', {}, 2 ** 53],
      attemptNumber: [-1, 1.5, '0', {}],
      propertyName: ['hs lead status', 'x'.repeat(129), 5, 'hs_lead_status\u200B', '__proto__\n'],
      propertyValue: [{}, [], { __proto__: null, polluted: 'yes' }, 'x'.repeat(65_537)],
      changeSource: ['CRM UI', '', 'CRM_UI\r\n', 7],
      sourceId: ['x'.repeat(257), 5, []],
      objectTypeId: ['0_1', 'abc', 1, '0-1\u200B'],
    };
    const brokenEvent = fc.oneof(
      fc
        .tuple(
          fc.uniqueArray(fc.constantFrom(...Object.keys(BROKEN)), { minLength: 1, maxLength: 3 }),
          fc.nat(),
          fc.option(nastyText, { nil: undefined }),
        )
        .map(([fields, pick, text]) => {
          const e = good();
          if (text !== undefined) e.propertyValue = text;
          for (const f of fields) e[f] = BROKEN[f]![pick % BROKEN[f]!.length];
          return e;
        }),
      fc.constantFrom(null, 1, 'event', [], true, {}),
    );
    const body = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.array(brokenEvent, { minLength: 1, maxLength: 4 }).map((a) => JSON.stringify(a)),
      },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1001, max: 1500 }).map((n) => JSON.stringify(Array(n).fill({}))),
      },
      {
        weight: 1,
        arbitrary: fc
          .jsonValue({ maxDepth: 3 })
          .filter((v) => !Array.isArray(v))
          .map((v) => JSON.stringify(v)),
      },
      { weight: 1, arbitrary: malformed(JSON.stringify([good()])) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 300_000, max: 600_000 })
          .map((n) => JSON.stringify([{ ...good(), eventId: null, propertyValue: 'x'.repeat(n) }])),
      },
      { weight: 1, arbitrary: tooDeep.map((d) => `[${d}]`) },
    );
    const request = fc.record({
      body,
      pollution,
      contentType: fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded'),
        },
      ),
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant<'v3'>('v3') },
        { weight: 2, arbitrary: hostileAuth('/hubspot/webhooks', 'webhooks') },
      ),
    });
    const statuses = new Map<number, number>();

    // Act
    await fc.assert(
      fc.asyncProperty(request, async ({ body: b, pollution: p, contentType, auth }) => {
        const text = polluted(b, p);
        const headers = auth === 'v3' ? v3('/hubspot/webhooks', text, NOW) : auth(text);
        const r: Req = { body: text, contentType, headers };
        const answer = await send('/hubspot/webhooks', r);
        const expected =
          bytesOf(r) > MAX_BODY_BYTES
            ? 413
            : auth !== 'v3'
              ? 401
              : contentType !== 'application/json'
                ? 415
                : 400;
        expect(answer.status).toBe(expected);
        assertErrorContract(answer);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }),
      { numRuns: 1000, seed: 8_040_002 },
    );

    // Assess
    expect([...statuses.keys()].sort()).toEqual([400, 401, 413, 415]);
    await assertNothingChanged();
  });

  it('POST /leads/{id}/events: 1,000 hostile requests get 400, 401, 404, 413 or 415, and the lead is unchanged', async () => {
    // Prepare: bodies broken in their type, time, owner or reason (unknown fields are allowed there), and ids that are not.
    const path = () => `/leads/${target.leadId}/events`;
    const TYPES = ['first_touch', 'accepted', 'rejected', 'recycled'];
    const pastAt = iso(NOW - 30_000);
    const defect = fc.oneof(
      fc
        .oneof(
          fc.constantFrom(
            undefined,
            'FIRST_TOUCH',
            'first_touch\u200B',
            'touched',
            '',
            'accepted ',
            '__proto__',
            'constructor',
            'toString',
          ),
          notString,
          nastyText.filter((t) => !TYPES.includes(t)),
        )
        .map((type) => ({ type, at: pastAt })),
      fc
        .tuple(
          fc.constantFrom(...TYPES),
          fc.oneof(
            notString.filter((v) => v !== undefined),
            fc.constantFrom(
              'yesterday',
              '2030-01-07',
              '2030-01-07T',
              '2030-01-07T09:00:00Z\u200B',
              '2030-01-07T09:00:00Z\r\nBcc: eve@evil.example',
              '٢٠٣٠-٠١-٠٧T09:00:00Z',
              '2030-01-07T25:00:00Z',
            ),
            fc.integer({ min: NOW + SKEW + 1, max: Date.parse('9999-12-31T23:59:59Z') }).map(iso),
          ),
        )
        .map(([type, at]) => ({ type, at })),
      fc
        .tuple(
          fc.constantFrom(...TYPES),
          fc.constantFrom('ownerId', 'reason'),
          fc.oneof(
            notString.filter((v) => v !== null && v !== undefined),
            fc.constant(null),
            longRun(256),
          ),
        )
        .map(([type, f, v]) => ({ type, at: pastAt, [f]: v })),
    );
    const badBody = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(defect, fc.dictionary(nastyText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
          .map(([d, extra]) => JSON.stringify({ ...extra, ...d })),
      },
      { weight: 1, arbitrary: malformed(JSON.stringify({ type: 'accepted', at: pastAt })) },
      {
        weight: 1,
        arbitrary: fc
          .jsonValue({ maxDepth: 2 })
          .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map((v) => JSON.stringify(v)),
      },
      { weight: 1, arbitrary: tooDeep.map((d) => `{"type":"accepted","at":${d}}`) },
    );
    const badId = fc.constantFrom(
      'Lshort',
      `L${'a'.repeat(41)}`,
      '%E0%A4%A',
      '%00',
      `${target.leadId}%00`,
      `${target.leadId}%20`,
      encodeURIComponent(`${target.leadId}\u200B`),
      encodeURIComponent('L\u202Eevil-lead-id-0000'),
      encodeURIComponent('L__proto__0000000000'),
      `L${'Z'.repeat(22)}`,
      'constructor',
      '__proto__',
    );
    const request = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          id: fc.constant<string | undefined>(undefined),
          body: badBody,
          pollution,
          contentType: fc.oneof(
            { weight: 12, arbitrary: fc.constant('application/json') },
            { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml') },
          ),
          auth: fc.oneof(
            { weight: 8, arbitrary: fc.constant<'bearer'>('bearer') },
            { weight: 2, arbitrary: hostileAuth(path(), 'events') },
          ),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          id: badId.map((x): string | undefined => x),
          body: fc.constant(JSON.stringify({ type: 'accepted', at: pastAt })),
          pollution,
          contentType: fc.constant('application/json'),
          auth: fc.constant<'bearer'>('bearer'),
        }),
      },
    );
    const statuses = new Map<number, number>();

    // Act
    await fc.assert(
      fc.asyncProperty(request, async ({ id, body: b, pollution: p, contentType, auth }) => {
        const text = polluted(b, p);
        const url = id === undefined ? path() : `/leads/${id}/events`;
        const r: Req = { body: text, contentType, headers: auth === 'bearer' ? bearer() : auth(text) };
        const answer = await send(url, r);
        const expected =
          bytesOf(r) > MAX_BODY_BYTES
            ? 413
            : auth !== 'bearer'
              ? 401
              : id !== undefined
                ? 404
                : contentType !== 'application/json'
                  ? 415
                  : 400;
        expect([url, answer.status]).toEqual([url, expected]);
        assertErrorContract(answer);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }),
      { numRuns: 1000, seed: 8_040_003 },
    );

    // Assess
    expect([...statuses.keys()].sort()).toEqual([400, 401, 404, 413, 415]);
    await assertNothingChanged();
  });

  it('valid bodies with replayed, future-dated, forged or missing credentials get 401 on all three routes (600 cases)', async () => {
    // Prepare: bodies that would be accepted if they were authentic.
    const lead = JSON.stringify({
      email: 'replayed.lead@acme.example',
      intent: 'demo',
      submittedAt: iso(NOW - 60_000),
    });
    const touch = JSON.stringify([
      propertyChange({
        eventId: 78,
        contactId: target.contactId,
        property: 'hs_lead_status',
        value: 'CONNECTED',
        occurredAt: NOW,
      }),
    ]);
    const firstTouch = JSON.stringify({ type: 'first_touch', at: iso(NOW - 10_000) });
    const cases = fc.oneof(
      hostileAuth('/leads', 'leads').map((auth) => ({ path: '/leads', body: lead, auth })),
      hostileAuth('/hubspot/webhooks', 'webhooks').map((auth) => ({
        path: '/hubspot/webhooks',
        body: touch,
        auth,
      })),
      hostileAuth(`/leads/${target.leadId}/events`, 'events').map((auth) => ({
        path: `/leads/${target.leadId}/events`,
        body: firstTouch,
        auth,
      })),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(cases, async ({ path, body, auth }) => {
        const answer = await send(path, { body, contentType: 'application/json', headers: auth(body) });
        expect([path, answer.status]).toEqual([path, 401]);
        assertErrorContract(answer);
        expect(JSON.parse(answer.text).error.code).toBe('unauthorized');
      }),
      { numRuns: 600, seed: 8_040_004 },
    );

    // Assess
    await assertNothingChanged();
  });

  it('answers 10 MB bodies with 413 on all three routes: past 10 MB before a byte reaches a route, at 10 MB before parsing', async () => {
    // Prepare: JSON.parse is watched for anything the size of a refused body.
    const parse = vi.spyOn(JSON, 'parse');
    const tenMb = `{"email":"a@acme.example","pad":"${'x'.repeat(10 * MB - 40)}"}`.padEnd(10 * MB, ' ');
    const paths = ['/leads', '/hubspot/webhooks', `/leads/${target.leadId}/events`];
    const headersFor = (path: string, body: string) =>
      path === '/hubspot/webhooks' ? v3(path, body, NOW) : bearer();
    const streamed = (bytes: Buffer) =>
      new ReadableStream({
        start(c) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
          c.close();
        },
      });
    const callsBefore = reached.calls;

    // Act
    const answers: [string, string, number, string][] = [];
    for (const path of paths) {
      // One byte over the gateway's 10 MB, with a Content-Length: refused before it is read.
      const over = Buffer.from(`${tenMb} `);
      const declared = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        body: over,
        headers: { 'content-type': 'application/json', ...headersFor(path, over.toString()) },
      });
      answers.push([
        path,
        'declared',
        declared.status,
        ((await declared.json()) as { error: { code: string } }).error.code,
      ]);
      // The same without a Content-Length (chunked): refused once 10 MB have come in.
      const chunked = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        body: streamed(Buffer.concat([over, Buffer.alloc(MB, 0x20)])),
        headers: { 'content-type': 'application/json', ...headersFor(path, '') },
        duplex: 'half',
      } as RequestInit);
      answers.push([
        path,
        'chunked',
        chunked.status,
        ((await chunked.json()) as { error: { code: string } }).error.code,
      ]);
    }
    const reachedPastTen = reached.calls - callsBefore;
    for (const path of paths) {
      // Exactly 10 MB passes the gateway, as API Gateway's limit; the route refuses it by size alone.
      const res = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        body: Buffer.from(tenMb),
        headers: { 'content-type': 'application/json', ...headersFor(path, tenMb) },
      });
      answers.push([
        path,
        'exactly 10 MB',
        res.status,
        ((await res.json()) as { error: { message: string } }).error.message,
      ]);
    }
    const bigParses = parse.mock.calls.filter(
      ([text]) => typeof text === 'string' && text.length > MAX_BODY_BYTES,
    );
    parse.mockRestore();

    // Assess
    expect(answers).toEqual(
      paths
        .flatMap((path) => [
          [path, 'declared', 413, 'body_too_large'],
          [path, 'chunked', 413, 'body_too_large'],
        ])
        .concat(paths.map((path) => [path, 'exactly 10 MB', 413, 'the body is over 256 KB'])),
    );
    expect(reachedPastTen).toBe(0);
    expect(reached.largestBody).toBe(10 * MB);
    expect(bigParses).toEqual([]);
    await assertNothingChanged();
  });
});

/** GSM 03.38 basic alphabet (no escapes): what one 160-character SMS segment can carry. */
const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** Starts a stack with the HubSpot sandbox and crm-sync, and the gateway in front of the routes. */
async function liveStack(options: Parameters<typeof startStack>[0] = {}) {
  const stack = await startStack(options);
  const gateway = await startGateway([
    { method: 'POST', path: '/leads', route: captureRoute(stack.rt) },
    { method: 'POST', path: '/hubspot/webhooks', route: hubspotWebhookRoute(stack.rt) },
    { method: 'POST', path: '/leads/{leadId}/events', route: leadEventsRoute(stack.rt) },
    { method: 'GET', path: '/leads/{leadId}', route: getLeadRoute(stack.rt) },
  ]);
  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: Buffer.from(body) }),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const signed = (path: string, body: string, timestamp = NOW) => ({
    'x-hubspot-signature-v3': signHubSpotV3(
      stack.clientSecret,
      'POST',
      `https://${new URL(gateway.url).host}${path}`,
      body,
      String(timestamp),
    ),
    'x-hubspot-request-timestamp': String(timestamp),
  });
  return {
    stack,
    call,
    signed,
    bearer: { authorization: `Bearer ${stack.adminKey}` },
    async close() {
      await gateway.close();
      await stack.close();
    },
  };
}

/** Breaches every lead's first attempt one second after its deadline (the Scheduler's delivery, by hand). */
async function breachAll(stack: LocalStack, leadIds: readonly string[]) {
  for (const leadId of leadIds) {
    const lead = (await stack.rt.store.getLead(leadId)) as LeadRecord;
    const firedAt = Date.parse(lead.dueAt) + 1000;
    await handleBreach({ ...stack.rt, clock: { now: () => firedAt } }, { leadId, attempt: 1 });
  }
}

describe('notification text cannot be used for header injection', () => {
  let live: Awaited<ReturnType<typeof liveStack>>;

  beforeAll(async () => {
    live = await liveStack({ consumeSync: true });
  });
  afterAll(async () => {
    await live?.close();
  });

  it('publishes one-line printable-ASCII subjects of at most 100 characters and one-segment GSM SMS for 24 hostile leads', async () => {
    // Prepare: names, company, job and form title full of line breaks, separators, controls, header lines, bidi and length.
    const cut = (n: number) => (t: string) => t.slice(0, n);
    const field = (n: number) =>
      fc
        .oneof(
          fc.constantFrom(
            ...NASTY,
            'Eve\r\nBcc: all@corp.example',
            'Subject: urgent\r\n\r\nbody',
            'To: x\u2028Cc: y',
          ),
          nastyText,
          fc.constantFrom('W', 'Ω', '\u000b', '𝕳').map((c) => c.repeat(n)),
        )
        .map(cut(n));
    const hostile = fc.sample(
      fc.record({
        firstName: field(128),
        lastName: field(128),
        company: field(256),
        jobTitle: field(256),
        formTitle: field(256),
      }),
      { numRuns: 23, seed: 8_040_005 },
    );
    const picked = {
      firstName: 'Eve\r\nBcc: all@corp.example',
      lastName: 'Subject: urgent',
      company: 'Acme\u2028Inc\u0000',
      formTitle: 'Demo\r\n\r\n<html>',
    };
    const leads = [picked, ...hostile].map((fields, i) => ({
      ...fields,
      email: `hostile.${i}@notify.example`,
      phone: `+49 30 5550${String(i).padStart(3, '0')}`,
      country: 'DE',
      intent: 'demo',
      submittedAt: iso(NOW - 60_000),
    }));

    // Act: capture, sync (the rep's notification), breach (the managers' page), sync the reassignment.
    const ids: string[] = [];
    for (const lead of leads) {
      const res = await live.call('POST', '/leads', JSON.stringify(lead), live.bearer);
      expect(res.status).toBe(202);
      ids.push(res.json.leadId as string);
    }
    await live.stack.sqs.drain(30_000);
    await breachAll(live.stack, ids);
    await live.stack.sqs.drain(30_000);

    // Assess
    const outbox = live.stack.sns.outbox();
    for (const m of outbox) {
      expect(m.subject).toMatch(/^[\x20-\x7E]{1,100}$/);
      const sms = (JSON.parse(m.message) as { sms: string }).sms;
      expect(sms.length).toBeLessThanOrEqual(160);
      expect([...sms].filter((c) => !GSM.has(c) || c === '\n' || c === '\r')).toEqual([]);
    }
    const byType = (type: string) => outbox.filter((m) => m.attributes.type?.StringValue === type);
    const after = (await Promise.all(ids.map((id) => live.stack.rt.store.getLead(id)))) as LeadRecord[];
    // Nothing refused by SNS, so nothing lost: one notice per assignment (reassignments too), one page per breach.
    expect(byType('breach')).toHaveLength(leads.length);
    expect(live.stack.sqs.counts('leadclock-crm-sync-dlq')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // However long or hostile the name, the rep still reads the deadline in the subject and the number in the SMS.
    const due = localTime(after[0]!.slaDueAt ?? '', 'Europe/Berlin');
    for (const [i, lead] of leads.entries()) {
      const notices = byType('assignment').filter((m) => m.message.includes(lead.phone));
      expect(notices).toHaveLength(after[i]!.attempt);
      for (const m of notices)
        expect(JSON.parse(m.message).sms).toMatch(new RegExp(` by .+\\. \\${lead.phone}$`));
      expect([notices[0]!.subject, due]).toEqual([expect.stringMatching(/, call by .+$/), due]);
    }
    expect(byType('assignment').find((m) => m.message.includes(leads[0]!.phone))?.subject).toBe(
      `New hand-raiser lead: Eve Bcc: all@corp.example Subject: urgent, Acme Inc, call by ${due}`,
    );
  });
});

describe('no raw email or phone number in any log line', () => {
  it('keeps every email and phone number of 40 varied leads, and of hostile requests carrying them, out of both log paths', async () => {
    // Prepare: rt.log in memory; the process-wide Powertools logger (runRoute's) captured where it writes.
    const rtLog = memoryLog();
    const live = await liveStack({ consumeSync: true, log: rtLog, syncVisibilityMs: 3000 });
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          written.push(args.map(String).join(' '));
        }),
      ),
    ];
    logger.setLogLevel('DEBUG');
    const people = fc
      .sample(
        fc.record({
          local: fc.stringMatching(/^[a-z][a-z0-9]{1,10}([._+-][a-z0-9]{1,8}){0,2}$/),
          domain: fc.constantFrom('acme.example', 'globex.example', 'mail.example.org', 'bigbank.example'),
          phone: fc.tuple(
            fc.constantFrom(
              '+49 30 {7}',
              '030 {7}',
              '030/{7}',
              '(030) {7}',
              '0{9}',
              '+1 (202) {3}-{4}',
              '202-{3}-{4}',
              '+44 20 {4} {4}',
              '+{11}',
            ),
            fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 11 }),
          ),
          first: fc.constantFrom('Ana', 'Bo', 'Chloé', 'Dmitri', 'Eve'),
        }),
        { numRuns: 40, seed: 8_040_006 },
      )
      .map((p, i) => {
        const digits = p.phone[1].map(String);
        let k = 0;
        const phone = p.phone[0].replace(/\{(\d+)\}/g, (_, n) =>
          Array.from({ length: Number(n) }, () => digits[k++ % digits.length]).join(''),
        );
        return { email: `${p.local}.${i}@${p.domain}`, phone, first: p.first, i };
      });
    let refusals = 0;
    const refused = async (promise: Promise<{ status: number }>) => {
      const { status } = await promise;
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      refusals++;
    };

    try {
      // Act: capture each person four ways, then send hostile requests that carry their data.
      const ids: string[] = [];
      for (const p of people) {
        const normalised = {
          email: p.email,
          phone: p.phone,
          firstName: p.first,
          country: 'DE',
          intent: p.i % 3 ? 'demo' : 'content',
          pageUrl: `https://acme.example/demo?email=${encodeURIComponent(p.email)}&phone=${encodeURIComponent(p.phone)}`,
          submittedAt: iso(NOW - 60_000),
        };
        let res: { status: number; json: Record<string, unknown> };
        if (p.i % 4 === 1) {
          const body = workflowContact();
          body.properties.email = { value: p.email };
          body.properties.phone = { value: p.phone };
          body.vid = 500 + p.i;
          body['canonical-vid'] = 500 + p.i;
          body['form-submissions'][0]!.timestamp = NOW - 30_000;
          body['form-submissions'][0]!['conversion-id'] = `conv-pii-${p.i}`;
          body['identity-profiles'] = [];
          const text = JSON.stringify(body);
          res = await live.call('POST', '/leads', text, live.signed('/leads', text));
        } else if (p.i % 4 === 2) {
          const text = JSON.stringify({ phone: p.phone, partial: true, firstName: p.first, country: 'DE' });
          res = await live.call('POST', '/leads', text, live.bearer);
        } else if (p.i % 4 === 3) {
          res = await live.call('POST', `/leads?key=${live.stack.ingestKey}`, JSON.stringify(normalised));
        } else res = await live.call('POST', '/leads', JSON.stringify(normalised), live.bearer);
        expect(res.status).toBe(202);
        ids.push(res.json.leadId as string);

        await refused(
          live.call('POST', '/leads', `{"email":"${p.email}","phone":"${p.phone}",}`, live.bearer),
        );
        await refused(live.call('POST', '/leads', `${p.email} ${p.phone}`, live.bearer));
        await refused(
          live.call(
            'POST',
            '/leads',
            JSON.stringify({ email: p.email, [p.email]: 1, [p.phone]: 2 }),
            live.bearer,
          ),
        );
        await refused(
          live.call('POST', '/leads', JSON.stringify({ email: p.email, phone: p.email }), live.bearer),
        );
        await refused(live.call('POST', '/leads', JSON.stringify({ email: p.phone }), live.bearer));
        await refused(
          live.call(
            'POST',
            `/leads?email=${encodeURIComponent(p.email)}`,
            JSON.stringify({ email: p.email }),
          ),
        );
        await refused(live.call('GET', `/leads/${encodeURIComponent(p.email)}`, undefined, live.bearer));
        await refused(live.call('GET', `/leads/${encodeURIComponent(p.phone)}`, undefined, live.bearer));
        await refused(
          live.call(
            'POST',
            `/leads/${encodeURIComponent(p.email)}/events`,
            JSON.stringify({ type: 'first_touch', ownerId: p.phone }),
            live.bearer,
          ),
        );
        const broken = JSON.stringify([{ eventId: p.phone, objectId: p.email, propertyValue: p.email }]);
        await refused(
          live.call('POST', '/hubspot/webhooks', broken, live.signed('/hubspot/webhooks', broken)),
        );
      }
      await live.stack.sqs.drain(30_000);
      // Half are touched through the events API, the rest breach, are reassigned and paged.
      const touched = ids.filter((_, i) => i % 2 === 0);
      for (const id of touched) {
        const res = await live.call(
          'POST',
          `/leads/${id}/events`,
          JSON.stringify({ type: 'first_touch', at: iso(NOW - 10_000) }),
          live.bearer,
        );
        expect(res.status).toBe(200);
        await refused(
          live.call(
            'POST',
            `/leads/${id}/events`,
            JSON.stringify({ type: 'rejected', reason: `${people[0]!.email} ${'x'.repeat(300)}` }),
            live.bearer,
          ),
        );
      }
      await breachAll(
        live.stack,
        ids.filter((_, i) => i % 2 === 1),
      );
      await live.stack.sqs.drain(30_000);
    } finally {
      for (const s of spies) s.mockRestore();
      logger.setLogLevel('SILENT');
      await live.close();
    }

    // Assess: both paths logged (one refusal line per refused request, one capture line per lead), and no PII.
    const powertools = written
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const lines = [...powertools, ...rtLog.lines.map((l) => JSON.stringify(l))];
    expect(powertools.filter((l) => l.includes('"message":"request refused"'))).toHaveLength(refusals);
    expect(rtLog.lines.filter((l) => l.message === 'lead captured')).toHaveLength(people.length);
    const forms = people.flatMap((p) =>
      [p.email, p.phone].flatMap((v) => [
        v,
        v.toLowerCase(),
        encodeURIComponent(v),
        encodeURIComponent(v).toLowerCase(),
        new URLSearchParams({ v }).toString().slice(2),
        JSON.stringify(v).slice(1, -1),
      ]),
    );
    const leaks = lines.flatMap((line) =>
      forms.filter((f) => line.includes(f)).map((f) => `${f} in ${line}`),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
