/**
 * Validation of the normalised lead JSON (ARCHITECTURE.md), with errors that name the field. It runs on
 * the capture path of every function that takes leads, so it is written out rather than built with a
 * schema library (zod added 30–440 KB and 15 ms to each cold start). It keeps the rules and messages of
 * the zod schema it replaced, down to the order of the errors (test/unit/lead-input.test.ts).
 */
import { CHANNELS, INTENTS, type LeadInput, PROPERTY_LIMITS } from './lead.ts';

const MAX = 512;
// zod's email and RFC 3339 date-time (with offset) patterns, as the schema used them.
const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
const DATE =
  '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))';
const DATE_TIME = new RegExp(
  `^${DATE}T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$`,
);
const PHONE = /^\+?[0-9 ()./-]{5,32}$/;

/** One problem with a value; `stop` (a wrong type or value) leaves out the cross-field check on email. */
interface Issue {
  message: string;
  stop?: boolean;
}

/** A field's parsed value and its problems. */
interface Parsed {
  value?: unknown;
  issues: Issue[];
}

type Field = (v: unknown) => Parsed;

const wrong = (message: string): Parsed => ({ issues: [{ message, stop: true }] });

/** A wrong type, and (as zod had it) the length limit applied to any value with a `length`, such as an array. */
function notText(v: unknown, message: string, max: number, tooLong: string): Parsed {
  const len = (v as { length?: unknown } | null | undefined)?.length;
  const issues: Issue[] = [{ message, stop: true }];
  if (len !== undefined && !((len as number) <= max)) issues.push({ message: tooLong });
  return { issues };
}

function text(max = MAX): Field {
  return (v) => {
    if (typeof v !== 'string') return notText(v, 'expected a string', max, `at most ${max} characters`);
    const t = v.trim();
    return { value: t, issues: t.length > max ? [{ message: `at most ${max} characters` }] : [] };
  };
}

function email(v: unknown): Parsed {
  if (typeof v !== 'string') return notText(v, 'expected an email address', 254, 'at most 254 characters');
  const issues: Issue[] = [];
  if (!EMAIL.test(v)) issues.push({ message: 'expected an email address' });
  if (v.length > 254) issues.push({ message: 'at most 254 characters' });
  return { value: v, issues };
}

function phone(v: unknown): Parsed {
  if (typeof v !== 'string') return wrong('expected a string');
  return { value: v, issues: PHONE.test(v) ? [] : [{ message: 'expected a phone number' }] };
}

function employees(v: unknown): Parsed {
  const error = 'expected a whole number';
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) return wrong(error);
  const issues: Issue[] = [];
  if (!Number.isSafeInteger(v)) issues.push({ message: error });
  if (v < 0) issues.push({ message: 'expected a number ≥ 0' });
  if (v > 10_000_000) issues.push({ message: 'at most 10,000,000' });
  return { value: v, issues };
}

function channel(v: unknown): Parsed {
  if (v === undefined) return { value: 'form', issues: [] };
  return (CHANNELS as readonly unknown[]).includes(v)
    ? { value: v, issues: [] }
    : wrong(`expected one of ${CHANNELS.join(', ')}`);
}

function intent(v: unknown): Parsed {
  if (v === undefined) return { value: 'other', issues: [] };
  if (typeof v !== 'string') return notText(v, 'expected a string', 64, 'expected a string');
  return {
    value: (INTENTS as readonly string[]).includes(v) ? v : 'other',
    issues: v.length > 64 ? [{ message: 'expected a string' }] : [],
  };
}

function submittedAt(v: unknown): Parsed {
  const error = 'expected an ISO 8601 date-time with a zone, e.g. 2026-11-23T09:00:00Z';
  if (typeof v !== 'string') return wrong(error);
  return { value: v, issues: DATE_TIME.test(v) ? [] : [{ message: error }] };
}

/** A HubSpot id: text of at most 32 characters, or a whole number (safe integer) turned into text. */
function hubspotId(error: string): Field {
  const asText = text(32);
  return (v) => {
    if (typeof v === 'string') return asText(v);
    return Number.isSafeInteger(v) ? { value: String(v), issues: [] } : wrong(error);
  };
}

/** `{contact?: {name: value}, company?: {…}}`, scalar values, within PROPERTY_LIMITS. */
function properties(v: unknown): Parsed {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(v)) return wrong('expected an object with contact and/or company properties');
  const issues: Issue[] = [];
  const value: Record<string, Record<string, string | number | boolean>> = {};
  for (const [kind, props] of Object.entries(v)) {
    if (kind !== 'contact' && kind !== 'company') {
      issues.push({ message: `unknown key '${kind.slice(0, 32)}' (expected contact or company)` });
      continue;
    }
    if (!isObject(props)) {
      issues.push({ message: `${kind}: expected an object of property values` });
      continue;
    }
    const entries = Object.entries(props);
    if (entries.length > PROPERTY_LIMITS.count)
      issues.push({ message: `${kind}: at most ${PROPERTY_LIMITS.count} properties` });
    const kept: Record<string, string | number | boolean> = {};
    for (const [name, x] of entries) {
      if (name.length === 0 || name.length > PROPERTY_LIMITS.name)
        issues.push({ message: `${kind}: property names are 1-${PROPERTY_LIMITS.name} characters` });
      else if (typeof x === 'string') {
        if (x.length > PROPERTY_LIMITS.chars)
          issues.push({ message: `${kind}.${name}: at most ${PROPERTY_LIMITS.chars} characters` });
        else if (x.trim() !== '') kept[name] = x.trim();
      } else if ((typeof x === 'number' && Number.isFinite(x)) || typeof x === 'boolean') kept[name] = x;
      else if (x !== null)
        issues.push({ message: `${kind}.${name}: expected a string, number or true/false` });
    }
    value[kind] = kept;
  }
  return { value, issues };
}

function partial(v: unknown): Parsed {
  if (v === undefined) return { value: false, issues: [] };
  return typeof v === 'boolean' ? { value: v, issues: [] } : wrong('expected true or false');
}

const optional =
  (f: Field): Field =>
  (v) =>
    v === undefined ? { issues: [] } : f(v);

/** The normalised lead's fields, in the order their errors are reported. Unknown fields are refused so typos surface. */
const FIELDS: Readonly<Record<string, Field>> = {
  email: optional(email),
  firstName: optional(text(128)),
  lastName: optional(text(128)),
  phone: optional(phone),
  company: optional(text(256)),
  domain: optional(text(253)),
  country: optional(text(64)),
  employees: optional(employees),
  industry: optional(text(128)),
  jobTitle: optional(text(256)),
  channel,
  intent,
  formId: optional(text(128)),
  formTitle: optional(text(256)),
  pageUrl: optional(text(2048)),
  submittedAt: optional(submittedAt),
  hubspotContactId: optional(hubspotId('expected a HubSpot contact id')),
  existingOwnerId: optional(hubspotId('expected a HubSpot owner id')),
  partial,
  sourceEventId: optional(text(256)),
  properties: optional(properties),
};

/** The fields of the normalised lead JSON. */
export const LEAD_FIELDS: readonly string[] = Object.keys(FIELDS);

/** Validates a normalised lead: its values (trimmed, defaults applied) or every problem, field by field. */
function validateLeadInput(
  body: unknown,
): { value: Record<string, unknown>; errors?: undefined } | { errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { errors: [{ field: '(body)', message: 'expected object' }] };
  const input = body as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  let stop = false;
  for (const [field, parse] of Object.entries(FIELDS)) {
    const r = parse(input[field]);
    if (r.value !== undefined) value[field] = r.value;
    else if (Object.hasOwn(input, field)) value[field] = undefined;
    for (const i of r.issues) {
      errors.push({ field, message: i.message });
      stop ||= i.stop === true;
    }
  }
  for (const k of Object.keys(input))
    if (!Object.hasOwn(FIELDS, k)) errors.push({ field: k || '(body)', message: 'unknown field' });
  if (!stop && !value.email && !(value.partial && value.phone))
    errors.push({ field: 'email', message: 'is required (unless partial is true and a phone is given)' });
  return errors.length ? { errors } : { value };
}

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
  const r = validateLeadInput(body);
  if (r.errors) return { errors: r.errors };
  const { submittedAt, ...rest } = r.value as Omit<LeadInput, 'submittedAt'> & { submittedAt?: string };
  const lead: LeadInput = { ...rest, submittedAt: new Date(submittedAt ?? receivedAt).toISOString() };
  // An intent leadclock does not know is kept verbatim, for the policy's synonyms and the "why".
  const given = (body as Record<string, unknown>).intent;
  if (typeof given === 'string' && given.trim() && !(INTENTS as readonly string[]).includes(given))
    lead.rawIntent = given.trim();
  for (const k of Object.keys(lead) as (keyof LeadInput)[])
    if (lead[k] === undefined || lead[k] === '') delete lead[k];
  return { lead };
}
