/** Validation of the normalised lead JSON (ARCHITECTURE.md), with errors that name the field. */
import { z } from 'zod';
import { describeIssues } from './issues.ts';
import { CHANNELS, INTENTS, type LeadInput } from './lead.ts';

const MAX = 512;
const text = (max = MAX) =>
  z
    .string({ error: 'expected a string' })
    .trim()
    .max(max, { error: `at most ${max} characters` });

/** Strict normalised-lead schema; unknown fields are refused so typos surface. */
export const leadInputSchema = z
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
    if (!v.email && !(v.partial && v.phone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'is required (unless partial is true and a phone is given)',
      });
    }
  });

/** A problem with one field of an input. */
export interface FieldError {
  field: string;
  message: string;
}

/** Parses a normalised lead; `receivedAt` fills in a missing submittedAt. */
export function parseLeadInput(
  body: unknown,
  receivedAt: Date,
): { lead: LeadInput } | { errors: FieldError[] } {
  const r = leadInputSchema.safeParse(body);
  if (!r.success) {
    return {
      errors: describeIssues(r.error.issues, body).map((i) => ({
        field: i.path || '(body)',
        message: i.message,
      })),
    };
  }
  const { submittedAt, ...rest } = r.data;
  const lead: LeadInput = { ...rest, submittedAt: new Date(submittedAt ?? receivedAt).toISOString() };
  for (const k of Object.keys(lead) as (keyof LeadInput)[])
    if (lead[k] === undefined || lead[k] === '') delete lead[k];
  return { lead };
}
