import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCaptureBody } from '../../shared/domain/hubspot-payload.ts';

const RECEIVED_AT = new Date('2026-01-01T10:00:03.000Z');

/** Keys the parser looks at, plus the ones that pollute prototypes. */
const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'properties',
    'vid',
    'canonical-vid',
    'portal-id',
    'form-submissions',
    'identity-profiles',
    'id',
    'objectId',
    'email',
    'phone',
    'partial',
    'submittedAt',
  ),
);
const propName = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    '__proto__',
    'email',
    'phone',
    'numemployees',
    'website',
    'hubspot_owner_id',
    'leadclock_partial',
    'leadclock_intent',
    'recent_conversion_date',
    'lastmodifieddate',
  ),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'jane@example.com',
    '+49 30 1234567',
    '1000+',
    'true',
    '',
    '1767261600000',
    '9999999999999999',
  ),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const submission = fc.dictionary(
  fc.constantFrom('conversion-id', 'timestamp', 'form-id', 'title', 'page-url', '__proto__'),
  fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 })),
);
const hubspotish = fc.record(
  {
    vid: fc.oneof(fc.integer(), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 40 })),
    properties: fc.oneof(
      fc.dictionary(propName, scalar),
      fc.dictionary(propName, fc.record({ value: fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 })) })),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    'form-submissions': fc.oneof(fc.array(submission, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
    'identity-profiles': fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);

function assertWellFormed(body: unknown): void {
  const result = parseCaptureBody(body, RECEIVED_AT);
  if ('lead' in result) {
    expect(typeof result.lead.submittedAt).toBe('string');
    for (const w of result.warnings ?? []) expect(w.field.length).toBeGreaterThan(0);
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.field.length).toBeGreaterThan(0);
      expect(e.message.length).toBeGreaterThan(0);
    }
  }
}

describe('parseCaptureBody: never throws', () => {
  it('returns a lead or named errors for any JSON value', () => {
    // Prepare
    const arbitrary = fc.jsonValue();

    // Act + Assess
    fc.assert(fc.property(arbitrary, assertWellFormed), { numRuns: 300 });
  });

  it('returns a lead or named errors for objects with hostile and meaningful keys', () => {
    // Prepare
    const arbitrary = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }));

    // Act + Assess
    fc.assert(fc.property(arbitrary, assertWellFormed), { numRuns: 300 });
  });

  it('returns a lead or named errors for HubSpot-shaped bodies with random contents', () => {
    // Prepare
    const arbitrary = hubspotish;

    // Act + Assess
    fc.assert(fc.property(arbitrary, assertWellFormed), { numRuns: 500 });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('leadFromHubSpot via parseCaptureBody: optional junk never costs the lead', () => {
  it('keeps a contact with a valid email as a lead whatever its other properties hold', () => {
    // Prepare
    const optional = fc.constantFrom(
      '__proto__',
      'firstname',
      'lastname',
      'phone',
      'mobilephone',
      'company',
      'website',
      'country',
      'numemployees',
      'leadclock_employees',
      'industry',
      'jobtitle',
      'hubspot_owner_id',
      'leadclock_channel',
      'leadclock_intent',
      'leadclock_partial',
      'recent_conversion_date',
    );
    const arbitrary = fc.record({
      id: fc.oneof(fc.integer({ min: 1 }), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
      properties: fc.dictionary(optional, fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }))),
      'form-submissions': fc.array(submission, { maxLength: 3 }),
    });

    // Act + Assess
    fc.assert(
      fc.property(arbitrary, (body) => {
        const withEmail = { ...body, properties: { ...body.properties, email: 'jane@example.com' } };
        const result = parseCaptureBody(withEmail, RECEIVED_AT);
        expect(result).toMatchObject({ lead: { email: 'jane@example.com' } });
      }),
      { numRuns: 500 },
    );
  });
});
