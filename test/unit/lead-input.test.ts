/**
 * The normalised-lead validation, written out for the capture path, against the zod schema it replaced:
 * the same leads, and the same errors in the same order, for well-formed and hostile inputs alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../shared/domain/issues.ts';
import { CHANNELS, INTENTS, type LeadInput } from '../../shared/domain/lead.ts';
import { parseLeadInput } from '../../shared/domain/lead-input.ts';

const RECEIVED_AT = new Date('2030-01-07T09:00:00Z');

// The schema as it was (zod), kept here as the reference the hand-written validation must match.
const text = (max = 512) =>
  z
    .string({ error: 'expected a string' })
    .trim()
    .max(max, { error: `at most ${max} characters` });
const reference = z
  .strictObject({
    email: z
      .email({ error: 'expected an email address' })
      .max(254, { error: 'at most 254 characters' })
      .optional(),
    firstName: text(128).optional(),
    lastName: text(128).optional(),
    phone: z
      .string({ error: 'expected a string' })
      .regex(/^\+?[0-9 ()./-]{5,32}$/, { error: 'expected a phone number' })
      .optional(),
    company: text(256).optional(),
    domain: text(253).optional(),
    country: text(64).optional(),
    employees: z
      .int({ error: 'expected a whole number' })
      .min(0, { error: 'expected a number ≥ 0' })
      .max(10_000_000, { error: 'at most 10,000,000' })
      .optional(),
    industry: text(128).optional(),
    jobTitle: text(256).optional(),
    channel: z.enum(CHANNELS, { error: `expected one of ${CHANNELS.join(', ')}` }).default('form'),
    intent: z
      .string({ error: 'expected a string' })
      .max(64)
      .transform((v) => ((INTENTS as readonly string[]).includes(v) ? (v as LeadInput['intent']) : 'other'))
      .default('other'),
    formId: text(128).optional(),
    formTitle: text(256).optional(),
    pageUrl: text(2048).optional(),
    submittedAt: z.iso
      .datetime({
        offset: true,
        error: 'expected an ISO 8601 date-time with a zone, e.g. 2026-11-23T09:00:00Z',
      })
      .optional(),
    hubspotContactId: z
      .union([text(32), z.int().transform(String)], { error: 'expected a HubSpot contact id' })
      .optional(),
    existingOwnerId: z
      .union([text(32), z.int().transform(String)], { error: 'expected a HubSpot owner id' })
      .optional(),
    partial: z.boolean({ error: 'expected true or false' }).default(false),
    sourceEventId: text(256).optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.email && !(v.partial && v.phone))
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'is required (unless partial is true and a phone is given)',
      });
  });

function referenceParse(body: unknown): ReturnType<typeof parseLeadInput> {
  const r = reference.safeParse(body);
  if (!r.success)
    return {
      errors: describeIssues(r.error.issues, body).map((i) => ({
        field: i.path || '(body)',
        message: i.message,
      })),
    };
  const { submittedAt, ...rest } = r.data;
  const lead: LeadInput = { ...rest, submittedAt: new Date(submittedAt ?? RECEIVED_AT).toISOString() };
  for (const k of Object.keys(lead) as (keyof LeadInput)[])
    if (lead[k] === undefined || lead[k] === '') delete lead[k];
  // Added after the zod schema was replaced: an intent leadclock does not know is kept verbatim.
  const given = (body as { intent?: unknown }).intent;
  if (typeof given === 'string' && given.trim() && !(INTENTS as readonly string[]).includes(given))
    lead.rawIntent = given.trim();
  return { lead };
}

/** Same result, and the same key order (leads are stored and hashed as JSON). */
function expectSameAsReference(body: unknown) {
  expect(JSON.stringify(parseLeadInput(body, RECEIVED_AT))).toBe(JSON.stringify(referenceParse(body)));
}

const FIELDS = [
  'email',
  'firstName',
  'lastName',
  'phone',
  'company',
  'domain',
  'country',
  'employees',
  'industry',
  'jobTitle',
  'channel',
  'intent',
  'formId',
  'formTitle',
  'pageUrl',
  'submittedAt',
  'hubspotContactId',
  'existingOwnerId',
  'partial',
  'sourceEventId',
];
const long = (n: number) => 'x'.repeat(n);
const iso = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 120, maxLength: 600 }),
  fc.constantFrom('', ' ', '  x  ', 'not-an-email', 'a b@acme.example', long(65), '+49 30 123456', 'FORM'),
  fc.emailAddress(),
  fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
  fc.constantFrom(...CHANNELS, ...INTENTS),
  iso,
  iso.map((s) => s.replace('Z', '+05:30')),
  iso.map((s) => s.slice(0, 19)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1.5, 10_000_001, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.constant(null),
  fc.integer({ min: 0, max: 3000 }).map((n) => new Array(n).fill(1)),
  fc.record({ length: fc.oneof(fc.integer(), fc.string()) }),
  fc.object({ maxDepth: 1 }),
);
const VALID = { email: 'jane@acme.example', firstName: 'Jane' };

describe('parseLeadInput', () => {
  it('accepts a normalised lead: text trimmed, defaults applied, empty fields dropped, submittedAt from receipt', () => {
    // Act
    const r = parseLeadInput(
      { email: 'jane@acme.example', firstName: '  Jane ', lastName: '', employees: 40, hubspotContactId: 7 },
      RECEIVED_AT,
    );
    // Assess
    expect(r).toEqual({
      lead: {
        email: 'jane@acme.example',
        firstName: 'Jane',
        employees: 40,
        channel: 'form',
        intent: 'other',
        hubspotContactId: '7',
        partial: false,
        submittedAt: '2030-01-07T09:00:00.000Z',
      },
    });
  });

  it('checks the email as sent, untrimmed', () => {
    expect(parseLeadInput({ email: ' jane@acme.example ' }, RECEIVED_AT)).toEqual({
      errors: [{ field: 'email', message: 'expected an email address' }],
    });
  });

  it('names every refused field, in schema order, then unknown fields, then the missing email', () => {
    // Act
    const r = parseLeadInput({ phone: 'call me', employees: -1, extra: 1, intent: 7 }, RECEIVED_AT);
    // Assess: a wrong type (intent) leaves the email rule out, as zod did
    expect(r).toEqual({
      errors: [
        { field: 'phone', message: 'expected a phone number' },
        { field: 'employees', message: 'expected a number ≥ 0' },
        { field: 'intent', message: 'expected a string' },
        { field: 'extra', message: 'unknown field' },
      ],
    });
    expect(parseLeadInput({ phone: 'call me', '': 1 }, RECEIVED_AT)).toEqual({
      errors: [
        { field: 'phone', message: 'expected a phone number' },
        { field: '(body)', message: 'unknown field' },
        { field: 'email', message: 'is required (unless partial is true and a phone is given)' },
      ],
    });
  });

  it.each([[null], [[]], ['lead'], [42]])('refuses %j as a body', (body) => {
    expect(parseLeadInput(body, RECEIVED_AT)).toEqual({
      errors: [{ field: '(body)', message: 'expected object' }],
    });
  });

  it('matches the zod schema it replaced on every field value tried', () => {
    for (const field of FIELDS)
      for (const v of fc.sample(value, { numRuns: 60, seed: 11 })) {
        expectSameAsReference({ ...VALID, [field]: v });
        expectSameAsReference({ [field]: v, partial: true, phone: '+4930123456' });
      }
  });

  it('matches the zod schema it replaced on random leads', () => {
    const lead = fc.record(Object.fromEntries([...FIELDS, 'extra'].map((f) => [f, value])), {
      requiredKeys: [],
    });
    fc.assert(
      fc.property(lead, fc.boolean(), (o, withValid) =>
        expectSameAsReference(withValid ? { ...VALID, ...o } : o),
      ),
      { numRuns: 3000, seed: 12 },
    );
    fc.assert(fc.property(fc.anything(), expectSameAsReference), { numRuns: 1000, seed: 13 });
  });
});
