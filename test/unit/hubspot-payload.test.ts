import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CaptureResult,
  detectPayloadKind,
  inferIntent,
  leadFromHubSpot as mapHubSpot,
  parseCaptureBody as parseBody,
  parseEmployees,
} from '../../shared/domain/hubspot-payload.ts';

/** A result without the raw HubSpot properties the mapping keeps (asserted on their own, below). */
function withoutProperties(r: CaptureResult): CaptureResult {
  if (!('lead' in r)) return r;
  const { properties: _kept, ...lead } = r.lead;
  return { ...r, lead };
}
const leadFromHubSpot = (...a: Parameters<typeof mapHubSpot>) => withoutProperties(mapHubSpot(...a));
const parseCaptureBody = (...a: Parameters<typeof parseBody>) => withoutProperties(parseBody(...a));

// A copy of shared/hubspot/samples/workflow-webhook-contact.json (profile shape).
const PROFILE_TEXT = readFileSync(
  new URL('../fixtures/hubspot/workflow-webhook-contact.json', import.meta.url),
  'utf8',
);
const RECEIVED_AT = new Date('2026-01-01T10:00:03.000Z');

function profile(): Record<string, unknown> {
  return JSON.parse(PROFILE_TEXT) as Record<string, unknown>;
}

/** The same contact in the CRM v3 object shape, as newer portals send it. */
function v3Contact(properties: Record<string, unknown> = {}, top: Record<string, unknown> = { id: '123' }) {
  return {
    ...top,
    properties: {
      email: 'jane.doe@example.com',
      firstname: 'Jane',
      lastname: 'Doe',
      company: 'Example Corp',
      lifecyclestage: 'lead',
      hubspot_owner_id: '',
      hs_analytics_source: 'ORGANIC_SEARCH',
      recent_conversion_event_name: 'Contact us: Demo request',
      recent_conversion_date: '2026-01-01T10:00:00.000Z',
      lastmodifieddate: '2026-01-01T10:00:01.500Z',
      ...properties,
    },
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:01.500Z',
    archived: false,
  };
}

/** Sets `properties.{name}.value` of a profile payload. */
function withProfileProps(body: Record<string, unknown>, props: Record<string, string>) {
  const properties = body.properties as Record<string, unknown>;
  for (const [k, v] of Object.entries(props)) properties[k] = { value: v, versions: [] };
  return body;
}

const BASE_V3_LEAD = {
  email: 'jane.doe@example.com',
  firstName: 'Jane',
  lastName: 'Doe',
  company: 'Example Corp',
  channel: 'form',
  intent: 'demo',
  hubspotContactId: '123',
  partial: false,
  submittedAt: '2026-01-01T10:00:00.000Z',
  sourceEventId: 'hubspot:contact:123:1767261600000',
};

describe('detectPayloadKind', () => {
  it.each([
    ['the workflow sample', profile(), 'hubspot-profile'],
    ['a v3 contact', v3Contact(), 'hubspot-object'],
    [
      'properties without profile markers but with {value}',
      { properties: { email: { value: 'a@b.co' } } },
      'hubspot-profile',
    ],
    ['a vid without properties', { vid: 1 }, 'hubspot-profile'],
    ['v3 properties without an id', { properties: { email: 'a@b.co' } }, 'hubspot-object'],
    ['a normalised lead', { email: 'a@b.co', channel: 'chat' }, 'normalised'],
    [
      'a flat workflow body of HubSpot property names ("customize request body")',
      { email: 'a@b.co', firstname: 'Ada', hs_object_id: '51', some_custom_field: 'x' },
      'hubspot-flat',
    ],
    ['a normalised lead in camelCase', { email: 'a@b.co', firstName: 'Ada' }, 'normalised'],
    ['an empty object', {}, 'unknown'],
    ['an unrelated object', { foo: 1 }, 'unknown'],
    ['properties that are not an object', { properties: ['email'] }, 'unknown'],
    ['an array', [{ email: 'a@b.co' }], 'unknown'],
    ['null', null, 'unknown'],
    ['a string', 'email=a@b.co', 'unknown'],
  ])('%s → %s', (_label, body, expected) => {
    // Prepare
    const input: unknown = body;

    // Act
    const kind = detectPayloadKind(input);

    // Assess
    expect(kind).toBe(expected);
  });
});

describe('leadFromHubSpot: profile shape', () => {
  it('maps the workflow webhook sample', () => {
    // Prepare
    const body = profile();

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      lead: {
        email: 'jane.doe@example.com',
        firstName: 'Jane',
        lastName: 'Doe',
        company: 'Example Corp',
        channel: 'form',
        intent: 'demo',
        formId: '9f2c1e2a-1111-4c3b-9d7e-000000000001',
        formTitle: 'Contact us: Demo request',
        pageUrl: 'https://www.example.com/contact',
        hubspotContactId: '123',
        partial: false,
        sourceEventId: 'hubspot:form:2e137f47a86e48798322d47f6f529a93',
        submittedAt: '2026-01-01T10:00:00.000Z',
      },
    });
  });

  it('maps the other contact properties', () => {
    // Prepare
    const body = withProfileProps(profile(), {
      mobilephone: '+49 30 1234567',
      website: 'https://www.Example.com/about',
      country: 'Germany',
      numemployees: '1000+',
      industry: 'COMPUTER_SOFTWARE',
      jobtitle: 'Head of Operations',
      hubspot_owner_id: '64492917',
    });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      lead: expect.objectContaining({
        phone: '+49 30 1234567',
        domain: 'example.com',
        country: 'Germany',
        employees: 1000,
        industry: 'COMPUTER_SOFTWARE',
        jobTitle: 'Head of Operations',
        existingOwnerId: '64492917',
      }),
    });
  });

  it('prefers phone over mobilephone and leadclock_employees over numemployees', () => {
    // Prepare
    const body = withProfileProps(profile(), {
      phone: '+1 555 0100',
      mobilephone: '+1 555 0199',
      numemployees: '25-50',
      leadclock_employees: '37',
    });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ phone: '+1 555 0100', employees: 37 }) });
  });

  it('takes the latest form submission, whatever the array order', () => {
    // Prepare
    const body = profile();
    body['form-submissions'] = [
      { 'conversion-id': 'old', timestamp: 1767000000000, 'form-id': 'f-old', title: 'Download the guide' },
      {
        'conversion-id': 'new',
        timestamp: 1767261600000,
        'form-id': 'f-new',
        title: 'Pricing',
        'page-url': 'https://x.example/p',
      },
      'not a submission',
      { 'conversion-id': 'undated', 'form-id': 'f-undated' },
    ];
    withProfileProps(body, { recent_conversion_event_name: '' });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      lead: expect.objectContaining({
        formId: 'f-new',
        formTitle: 'Pricing',
        pageUrl: 'https://x.example/p',
        intent: 'pricing',
        submittedAt: '2026-01-01T10:00:00.000Z',
        sourceEventId: 'hubspot:form:new',
      }),
    });
  });

  it('falls back to recent_conversion_date, then lastmodifieddate, for the submission time', () => {
    // Prepare
    const noForms = () => {
      const b = profile();
      b['form-submissions'] = [];
      return b;
    };
    const conversion = withProfileProps(noForms(), {
      recent_conversion_date: '1767261500000',
      lastmodifieddate: '1767261599000',
    });
    const modified = withProfileProps(noForms(), { lastmodifieddate: '1767261599000' });

    // Act
    const results = [conversion, modified].map((b) => leadFromHubSpot(b, { receivedAt: RECEIVED_AT }));

    // Assess
    expect(results).toEqual([
      {
        lead: expect.objectContaining({
          submittedAt: '2026-01-01T09:58:20.000Z',
          sourceEventId: 'hubspot:contact:123:1767261500000',
        }),
      },
      {
        lead: expect.objectContaining({
          submittedAt: '2026-01-01T09:59:59.000Z',
          sourceEventId: 'hubspot:contact:123:1767261599000',
        }),
      },
    ]);
  });

  it('uses the receipt time when the payload has none, and then makes no sourceEventId', () => {
    // Prepare
    const body = profile();
    body['form-submissions'] = [];

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ submittedAt: '2026-01-01T10:00:03.000Z' }) });
    expect('lead' in result && result.lead.sourceEventId).toBe(undefined);
  });

  it('falls back to the primary email identity', () => {
    // Prepare
    const body = profile();
    delete (body.properties as Record<string, unknown>).email;

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ email: 'jane.doe@example.com' }) });
  });

  it('prefers canonical-vid over vid for the contact id', () => {
    // Prepare
    const body = profile();
    body.vid = 456;
    body['canonical-vid'] = 789;

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ hubspotContactId: '789' }) });
  });

  it('names a bad email by its place in the payload', () => {
    // Prepare
    const invalid = withProfileProps(profile(), { email: 'not-an-email' });
    const missing = profile();
    delete (missing.properties as Record<string, unknown>).email;
    missing['identity-profiles'] = [];

    // Act
    const results = [invalid, missing].map((b) => leadFromHubSpot(b, { receivedAt: RECEIVED_AT }));

    // Assess
    expect(results).toEqual([
      { errors: [{ field: 'properties.email.value', message: 'expected an email address' }] },
      {
        errors: [
          {
            field: 'properties.email.value',
            message: 'is required (unless partial is true and a phone is given)',
          },
        ],
      },
    ]);
  });

  it('leaves out an invalid optional field with a warning instead of refusing the lead', () => {
    // Prepare
    const body = withProfileProps(profile(), { phone: '+1 555 0100 ext. 12', numemployees: 'a few' });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      lead: expect.not.objectContaining({ phone: expect.anything() }),
      warnings: [
        { field: 'properties.phone.value', message: 'expected a phone number' },
        { field: 'properties.numemployees.value', message: 'expected a whole number' },
      ],
    });
    expect('lead' in result && result.lead.employees).toBe(undefined);
  });
});

describe('leadFromHubSpot: CRM v3 object shape', () => {
  it('maps the v3 equivalent of the sample', () => {
    // Prepare
    const body = v3Contact();

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: BASE_V3_LEAD });
  });

  it.each([
    [{ id: '123' }, {}, '123'],
    [{ objectId: 123 }, {}, '123'],
    [{ hs_object_id: '123' }, {}, '123'],
    [{}, { hs_object_id: '123' }, '123'],
  ])('reads the contact id from %j / properties %j', (top, props, expected) => {
    // Prepare
    const body = v3Contact(props, top);

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ hubspotContactId: expected }) });
  });

  it('reads channel, intent and partial from leadclock properties', () => {
    // Prepare
    const body = v3Contact({
      email: '',
      phone: '+44 20 7946 0000',
      leadclock_channel: 'Chat',
      leadclock_intent: 'PRICING',
      leadclock_partial: 'true',
      numemployees: 42,
    });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      lead: {
        ...BASE_V3_LEAD,
        email: undefined,
        phone: '+44 20 7946 0000',
        channel: 'chat',
        intent: 'pricing',
        partial: true,
        employees: 42,
      },
    });
  });

  it('infers the intent when leadclock_intent is not a known intent', () => {
    // Prepare
    const body = v3Contact({
      leadclock_intent: 'hot',
      recent_conversion_event_name: 'Start your free trial',
    });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ lead: expect.objectContaining({ intent: 'trial' }) });
  });

  it('treats an empty owner as absent and keeps a set one', () => {
    // Prepare
    const bodies = [v3Contact({ hubspot_owner_id: '' }), v3Contact({ hubspot_owner_id: 64492917 })];

    // Act
    const results = bodies.map((b) => leadFromHubSpot(b, { receivedAt: RECEIVED_AT }));

    // Assess
    expect(results).toEqual([
      { lead: BASE_V3_LEAD },
      { lead: { ...BASE_V3_LEAD, existingOwnerId: '64492917' } },
    ]);
  });

  it('reads properties named by the policy field map, field by field', () => {
    // Prepare
    const body = v3Contact({ work_email: 'jane@corp.example', sector: 'Fintech', industry: 'IGNORED' });

    // Act
    const result = leadFromHubSpot(body, {
      receivedAt: RECEIVED_AT,
      policyFieldMap: { email: ['work_email', 'email'], industry: 'sector', country: [] },
    });

    // Assess
    expect(result).toEqual({ lead: { ...BASE_V3_LEAD, email: 'jane@corp.example', industry: 'Fintech' } });
  });

  it('names v3 errors by property path', () => {
    // Prepare
    const body = v3Contact({ email: { nested: true } });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({ errors: [{ field: 'properties.email', message: 'expected an email address' }] });
  });

  it('reports a partial lead whose only phone is invalid with both problems', () => {
    // Prepare
    const body = v3Contact({ email: '', phone: 'call me', leadclock_partial: 'true' });

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      errors: [
        { field: 'properties.phone', message: 'expected a phone number' },
        { field: 'properties.email', message: 'is required (unless partial is true and a phone is given)' },
      ],
    });
  });

  it('refuses a body that is not a HubSpot contact', () => {
    // Prepare
    const body = { email: 'a@b.co' };

    // Act
    const result = leadFromHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    expect(result).toEqual({
      errors: [
        {
          field: '(body)',
          message: 'expected a HubSpot contact (workflow webhook) or a normalised lead object',
        },
      ],
    });
  });
});

describe('parseEmployees', () => {
  it.each([
    ['1000+', 1000],
    ['25-50', 25],
    ['1 - 5', 1],
    ['10,000+', 10000],
    ['10 001+', 10001],
    ['5000', 5000],
    ['500–1000', 500],
    ['a few', 'a few'],
    ['-5', '-5'],
  ])('%j → %j', (raw, expected) => {
    // Prepare
    const input = raw;

    // Act
    const n = parseEmployees(input);

    // Assess
    expect(n).toBe(expected);
  });
});

describe('inferIntent', () => {
  it.each([
    ['Contact us: Demo request', 'demo'],
    ['Request a quote', 'pricing'],
    ['Pricing page', 'pricing'],
    ['Start your Free Trial', 'trial'],
    ['Sign up', 'trial'],
    ['Talk to sales', 'contact'],
    ['Contact form', 'contact'],
    ['Spring webinar registration', 'webinar'],
    ['Event RSVP', 'webinar'],
    ['Download the eBook', 'content'],
    ['2026 State of Sales report', 'content'],
    ['Whitepaper: SLAs', 'content'],
    ['Monthly newsletter', 'newsletter'],
    ['Subscribe to updates', 'newsletter'],
    ['Careers', 'other'],
  ])('%j → %s', (title, expected) => {
    // Prepare
    const input = title;

    // Act
    const intent = inferIntent(input);

    // Assess
    expect(intent).toBe(expected);
  });

  it('tries each text in order and skips missing ones', () => {
    // Prepare
    const texts = [undefined, 'Careers', 'Book a demo'];

    // Act
    const intent = inferIntent(...texts);

    // Assess
    expect(intent).toBe('demo');
  });
});

describe('parseCaptureBody', () => {
  it('dispatches a normalised lead to the normalised parser', () => {
    // Prepare
    const body = { email: 'a@b.co', channel: 'chat', intent: 'demo' };

    // Act
    const result = parseCaptureBody(body, RECEIVED_AT);

    // Assess
    expect(result).toEqual({
      lead: {
        email: 'a@b.co',
        channel: 'chat',
        intent: 'demo',
        partial: false,
        submittedAt: '2026-01-01T10:00:03.000Z',
      },
    });
  });

  it('dispatches both HubSpot shapes to the HubSpot mapping', () => {
    // Prepare
    const bodies = [profile(), v3Contact()];

    // Act
    const results = bodies.map((b) => parseCaptureBody(b, RECEIVED_AT));

    // Assess
    expect(results).toEqual([
      leadFromHubSpot(profile(), { receivedAt: RECEIVED_AT }),
      { lead: BASE_V3_LEAD },
    ]);
  });

  it('maps a flat workflow body of HubSpot property names, ignoring names it does not know', () => {
    // Prepare
    const body = {
      email: 'ada@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      hs_object_id: '51',
      hubspot_owner_id: '1001',
      favourite_colour: 'green',
    };

    // Act
    const result = parseCaptureBody(body, RECEIVED_AT);

    // Assess
    expect(result).toMatchObject({
      lead: {
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        hubspotContactId: '51',
        existingOwnerId: '1001',
      },
    });
  });

  it('passes the policy field map on', () => {
    // Prepare
    const body = v3Contact({ sector: 'Fintech' });

    // Act
    const result = parseCaptureBody(body, RECEIVED_AT, { policyFieldMap: { industry: 'sector' } });

    // Assess
    expect(result).toEqual({ lead: { ...BASE_V3_LEAD, industry: 'Fintech' } });
  });

  it.each([[[]], [null], ['text'], [42], [{}], [{ hello: 'world' }]])(
    'refuses %j as an unknown body',
    (body) => {
      // Prepare
      const input: unknown = body;

      // Act
      const result = parseCaptureBody(input, RECEIVED_AT);

      // Assess
      expect(result).toEqual({
        errors: [
          {
            field: '(body)',
            message: 'expected a HubSpot contact (workflow webhook) or a normalised lead object',
          },
        ],
      });
    },
  );
});

describe('leadFromHubSpot: properties for policy conditions', () => {
  it('keeps every contact property, custom ones too, and the associated company properties', () => {
    // Prepare
    const body = withProfileProps(profile(), { segment__c: 'Strategic', numemployees: '1000+' });
    body['associated-company'] = {
      'company-id': 42,
      properties: { industry: { value: 'BANKING' }, tier__c: { value: 'A' }, empty: { value: '' } },
    };

    // Act
    const result = mapHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    if (!('lead' in result)) throw new Error('expected a lead');
    expect(result.lead.properties?.contact).toMatchObject({
      segment__c: 'Strategic',
      numemployees: '1000+',
      lifecyclestage: 'lead',
    });
    expect(result.lead.properties?.company).toEqual({ industry: 'BANKING', tier__c: 'A' });
  });

  it('bounds what it keeps: values cut at 1024 characters, at most 500 properties', () => {
    // Prepare
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`p${i}`, 'x'.repeat(2000)]));
    const body = v3Contact(many);

    // Act
    const result = mapHubSpot(body, { receivedAt: RECEIVED_AT });

    // Assess
    if (!('lead' in result)) throw new Error('expected a lead');
    const kept = Object.values(result.lead.properties?.contact ?? {});
    expect(kept).toHaveLength(500);
    expect(Math.max(...kept.map((v) => String(v).length))).toBe(1024);
  });
});
