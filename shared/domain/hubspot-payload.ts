/**
 * `POST /leads` bodies: a HubSpot workflow webhook contact (the profile shape or the CRM v3 object
 * shape) mapped onto the normalised lead, or a normalised lead as is. Pure; validated by the same
 * schema as the normalised lead JSON.
 */
import { normaliseDomain } from './enrich.ts';
import { INTENTS, type Intent, type LeadInput, PROPERTY_LIMITS } from './lead.ts';
import { type FieldError, LEAD_FIELDS, parseLeadInput } from './lead-input.ts';

/** What a capture body looks like. */
export type PayloadKind = 'hubspot-profile' | 'hubspot-object' | 'hubspot-flat' | 'normalised' | 'unknown';

/** Lead fields read from HubSpot contact properties (the rest come from the contact and its form submissions). */
export type MappedField =
  | 'email'
  | 'firstName'
  | 'lastName'
  | 'phone'
  | 'company'
  | 'domain'
  | 'country'
  | 'employees'
  | 'industry'
  | 'jobTitle'
  | 'existingOwnerId'
  | 'channel'
  | 'intent'
  | 'partial';

/** Per-field HubSpot property names, tried in order (first non-empty wins); overrides the defaults field by field. */
export type HubSpotFieldMap = Partial<Record<MappedField, string | readonly string[]>>;

/** The HubSpot properties each lead field is read from unless the policy says otherwise. */
export const DEFAULT_HUBSPOT_FIELDS: Readonly<Record<MappedField, readonly string[]>> = {
  email: ['email'],
  firstName: ['firstname'],
  lastName: ['lastname'],
  phone: ['phone', 'mobilephone'],
  company: ['company'],
  domain: ['website', 'domain'],
  country: ['country'],
  // The leadclock property is set on purpose (an exact count); HubSpot's own is a range picklist.
  employees: ['leadclock_employees', 'numemployees'],
  industry: ['industry'],
  jobTitle: ['jobtitle'],
  existingOwnerId: ['hubspot_owner_id'],
  channel: ['leadclock_channel'],
  intent: ['leadclock_intent'],
  partial: ['leadclock_partial'],
};

/** Options of the HubSpot mapping. */
export interface HubSpotPayloadOptions {
  /** When the request arrived; the SLA clock start when the payload carries no time of its own. */
  receivedAt: Date;
  /** Property-name overrides from the policy. */
  policyFieldMap?: HubSpotFieldMap;
}

/**
 * A parsed capture body. `warnings` lists optional HubSpot fields that failed validation and were
 * left out: a lead is never refused over a malformed job title or phone extension, since HubSpot
 * does not retry a 4xx and the lead would be lost.
 */
export type CaptureResult = { lead: LeadInput; warnings?: FieldError[] } | { errors: FieldError[] };

const PROFILE_MARKERS = [
  'vid',
  'canonical-vid',
  'portal-id',
  'form-submissions',
  'identity-profiles',
  'merged-vids',
  'is-contact',
];
// Latest date Date#toISOString can print as a 4-digit year (9999-12-31T23:59:59.999Z).
const MAX_MS = 253_402_300_799_999;
/** A HubSpot internal property name. */
const HUBSPOT_NAME = /^[a-z][a-z0-9_]*$/;
/** Contact properties that mark a flat body as HubSpot's (the mapped ones and the record id). */
const KNOWN_PROPERTIES: ReadonlySet<string> = new Set([
  ...Object.values(DEFAULT_HUBSPOT_FIELDS).flat(),
  'hs_object_id',
]);
// Failing these refuses the lead; anything else is left out with a warning.
const ESSENTIAL: ReadonlySet<string> = new Set(['email', '(body)']);

/** Recognises the shape of a capture body. */
export function detectPayloadKind(body: unknown): PayloadKind {
  if (!isRecord(body)) return 'unknown';
  const props = own(body, 'properties');
  const hasMarker = PROFILE_MARKERS.some((k) => Object.hasOwn(body, k));
  if (isRecord(props)) {
    if (hasMarker) return 'hubspot-profile';
    // Profile properties are `{value, versions}` objects; v3 object properties are plain values.
    const wrapped = Object.keys(props).some((k) => {
      const v = props[k];
      return isRecord(v) && Object.hasOwn(v, 'value');
    });
    return wrapped ? 'hubspot-profile' : 'hubspot-object';
  }
  if (props !== undefined) return 'unknown';
  if (hasMarker) return 'hubspot-profile';
  // A workflow's "customize request body" sends chosen HubSpot properties flat, under their internal names
  // (lower-case, underscores); a normalised lead uses camelCase names. A refused workflow delivery is lost
  // (HubSpot does not retry a 4xx), so a flat body of property names is mapped, unknown names ignored.
  const keys = Object.keys(body);
  if (
    keys.length > 0 &&
    keys.every((k) => HUBSPOT_NAME.test(k)) &&
    keys.some((k) => !LEAD_FIELDS.includes(k)) &&
    keys.some((k) => KNOWN_PROPERTIES.has(k))
  )
    return 'hubspot-flat';
  return LEAD_FIELDS.some((k) => Object.hasOwn(body, k)) ? 'normalised' : 'unknown';
}

/** Parses any accepted capture body: a HubSpot contact (either shape) or a normalised lead. */
export function parseCaptureBody(
  body: unknown,
  receivedAt: Date,
  options: { policyFieldMap?: HubSpotFieldMap } = {},
): CaptureResult {
  const kind = detectPayloadKind(body);
  if (kind === 'normalised') return parseLeadInput(body, receivedAt);
  if (kind === 'unknown') return unknownBody();
  if (kind === 'hubspot-flat') {
    // The v3 object shape with the flat properties; the contact id comes from hs_object_id (or vid).
    const flat = body as Record<string, unknown>;
    const id = flat.hs_object_id ?? flat.vid ?? flat.objectid;
    return leadFromHubSpot(
      { ...(id !== undefined ? { id } : {}), properties: flat },
      { receivedAt, policyFieldMap: options.policyFieldMap },
    );
  }
  return leadFromHubSpot(body, { receivedAt, policyFieldMap: options.policyFieldMap });
}

/**
 * Maps a HubSpot workflow webhook contact onto the normalised lead: properties per the field map,
 * the contact id, the latest form submission (form, page, time, conversion id → sourceEventId), and
 * the intent (`leadclock_intent`, else inferred from the form title or conversion name).
 */
export function leadFromHubSpot(body: unknown, options: HubSpotPayloadOptions): CaptureResult {
  const kind = detectPayloadKind(body);
  if (!isRecord(body) || (kind !== 'hubspot-profile' && kind !== 'hubspot-object')) return unknownBody();
  const src = kind === 'hubspot-profile' ? profileSource(body) : objectSource(body);
  const fields = { ...DEFAULT_HUBSPOT_FIELDS };
  for (const [k, v] of Object.entries(options.policyFieldMap ?? {})) {
    const names = typeof v === 'string' ? [v] : v;
    if (names && names.length > 0 && Object.hasOwn(fields, k)) fields[k as MappedField] = names;
  }

  const candidate: Record<string, unknown> = {};
  const paths: Record<string, string> = {};
  const set = (field: string, value: unknown, path: string) => {
    paths[field] = path;
    if (value !== undefined) candidate[field] = value;
  };
  const pick = (field: MappedField) => {
    const names = fields[field];
    for (const name of names) {
      const value = text(src.prop(name));
      if (value !== undefined) return { value, path: src.path(name) };
    }
    return { value: undefined, path: src.path(names[0] ?? field) };
  };

  for (const f of ['firstName', 'lastName', 'phone', 'company', 'country', 'industry', 'jobTitle'] as const) {
    const p = pick(f);
    set(f, p.value, p.path);
  }
  const email = pick('email');
  if (email.value === undefined && src.identityEmail)
    set('email', src.identityEmail.value, src.identityEmail.path);
  else set('email', email.value, email.path);
  const domain = pick('domain');
  set('domain', typeof domain.value === 'string' ? normaliseDomain(domain.value) : domain.value, domain.path);
  const employees = pick('employees');
  set(
    'employees',
    typeof employees.value === 'string' ? parseEmployees(employees.value) : employees.value,
    employees.path,
  );
  const owner = pick('existingOwnerId');
  set('existingOwnerId', owner.value, owner.path);
  const channel = pick('channel');
  set(
    'channel',
    typeof channel.value === 'string' ? channel.value.toLowerCase() : channel.value,
    channel.path,
  );
  const partial = pick('partial');
  set(
    'partial',
    partial.value === true || (typeof partial.value === 'string' && partial.value.toLowerCase() === 'true'),
    partial.path,
  );

  const contactId = src.contactId ? text(src.contactId.value) : undefined;
  set('hubspotContactId', contactId, src.contactId?.path ?? 'id');

  const sub = latestSubmission(own(body, 'form-submissions'));
  const subPath = (key: string) => (sub ? `form-submissions[${sub.index}].${key}` : key);
  set('formId', text(own(sub?.entry, 'form-id')), subPath('form-id'));
  set('formTitle', text(own(sub?.entry, 'title')), subPath('title'));
  set('pageUrl', text(own(sub?.entry, 'page-url')), subPath('page-url'));

  let submitted: { ms: number; path: string } | undefined;
  if (sub?.ms !== undefined) submitted = { ms: sub.ms, path: subPath('timestamp') };
  for (const name of ['recent_conversion_date', 'lastmodifieddate']) {
    const ms = submitted ? undefined : toMs(src.prop(name));
    if (ms !== undefined) submitted = { ms, path: src.path(name) };
  }
  set(
    'submittedAt',
    submitted ? new Date(submitted.ms).toISOString() : undefined,
    submitted?.path ?? 'submittedAt',
  );

  const conversionId = scalarId(own(sub?.entry, 'conversion-id'));
  if (conversionId !== undefined)
    set('sourceEventId', `hubspot:form:${conversionId}`, subPath('conversion-id'));
  // Only a time from the payload itself makes a stable key: receipt time differs on every retry.
  else if (typeof contactId === 'string' && submitted)
    set('sourceEventId', `hubspot:contact:${contactId}:${submitted.ms}`, src.contactId?.path ?? 'id');

  const explicit = pick('intent');
  const stated = typeof explicit.value === 'string' ? explicit.value.toLowerCase() : undefined;
  const eventName = text(src.prop('recent_conversion_event_name'));
  const known = stated !== undefined && (INTENTS as readonly string[]).includes(stated);
  const intent: Intent = known
    ? (stated as Intent)
    : inferIntent(
        typeof explicit.value === 'string' ? explicit.value : undefined,
        typeof candidate.formTitle === 'string' ? candidate.formTitle : undefined,
        typeof eventName === 'string' ? eventName : undefined,
      );
  set('intent', intent, explicit.path);

  // Every property the contact (and its associated company, when the payload has it) carries, custom
  // ones included, for policy conditions; capture keeps only those the policy names.
  const contact = keptProperties(src.all());
  const company = keptProperties(companyProperties(body));
  if (contact || company)
    set('properties', { ...(contact && { contact }), ...(company && { company }) }, 'properties');

  const result = validate(candidate, paths, options.receivedAt);
  // The stated intent, verbatim, when leadclock does not know it: the policy's synonyms come first.
  if ('lead' in result && !known && typeof explicit.value === 'string' && explicit.value.trim())
    result.lead.rawIntent = explicit.value.trim().slice(0, 256);
  return result;
}

/** The intent a form title or conversion name suggests, by keyword, hottest first; 'other' when none fits. */
export function inferIntent(...texts: (string | undefined)[]): Intent {
  for (const t of texts) {
    if (!t) continue;
    for (const [intent, re] of INTENT_KEYWORDS) if (re.test(t)) return intent;
  }
  return 'other';
}

const INTENT_KEYWORDS: readonly (readonly [Intent, RegExp])[] = [
  ['demo', /\bdemo/i],
  ['pricing', /\b(pric(e|es|ing)|quotes?|quotation)\b/i],
  ['trial', /\b(free[\s-]?trial|trials?|sign[\s-]?up|signup)\b/i],
  ['contact', /\b(contact|talk[\s-]to[\s-](sales|us|an?\s+expert))\b/i],
  ['webinar', /\b(webinars?|webcasts?|events?)\b/i],
  ['content', /\b(e-?books?|white[\s-]?papers?|guides?|downloads?|reports?)\b/i],
  ['newsletter', /\b(newsletters?|subscribe|subscription)\b/i],
];

/** HubSpot's employee ranges (`1000+`, `25-50`, `10,000+`) as their lower bound; other text unchanged. */
export function parseEmployees(raw: string): number | string {
  const m = /^(\d+)\s*(?:[-–]\s*\d+|\+)?$/.exec(raw.replace(/[,\s](?=\d{3}\b)/g, '').trim());
  if (!m?.[1]) return raw;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : raw;
}

interface Source {
  prop(name: string): unknown;
  /** Every property: name → value. */
  all(): Record<string, unknown>;
  path(name: string): string;
  contactId?: { value: unknown; path: string };
  identityEmail?: { value: unknown; path: string };
}

function profileSource(body: Record<string, unknown>): Source {
  const props = own(body, 'properties');
  return {
    prop(name) {
      const entry = own(props, name);
      return isRecord(entry) ? own(entry, 'value') : entry;
    },
    path: (name) => `properties.${name}.value`,
    all: () =>
      isRecord(props)
        ? Object.fromEntries(Object.entries(props).map(([k, e]) => [k, isRecord(e) ? own(e, 'value') : e]))
        : {},
    contactId: firstPresent(body, ['canonical-vid', 'vid']),
    identityEmail: identityEmail(own(body, 'identity-profiles')),
  };
}

function objectSource(body: Record<string, unknown>): Source {
  const props = own(body, 'properties');
  const top = firstPresent(body, ['id', 'objectId', 'hs_object_id']);
  const inner = own(props, 'hs_object_id');
  return {
    prop: (name) => own(props, name),
    path: (name) => `properties.${name}`,
    all: () => (isRecord(props) ? { ...props } : {}),
    contactId: top ?? (inner !== undefined ? { value: inner, path: 'properties.hs_object_id' } : undefined),
  };
}

/** The associated company's properties of a contact profile (`associated-company.properties`), if present. */
function companyProperties(body: Record<string, unknown>): Record<string, unknown> {
  const props = own(own(body, 'associated-company'), 'properties');
  if (!isRecord(props)) return {};
  return Object.fromEntries(Object.entries(props).map(([k, e]) => [k, isRecord(e) ? own(e, 'value') : e]));
}

/** Scalar, non-empty properties within PROPERTY_LIMITS (longer values cut), or undefined when none. */
function keptProperties(all: Record<string, unknown>): Record<string, string | number | boolean> | undefined {
  const out: Record<string, string | number | boolean> = {};
  let n = 0;
  for (const [name, v] of Object.entries(all)) {
    if (n >= PROPERTY_LIMITS.count || name.length === 0 || name.length > PROPERTY_LIMITS.name) continue;
    if (typeof v === 'string' && v.trim() !== '') out[name] = v.trim().slice(0, PROPERTY_LIMITS.chars);
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[name] = v;
    else continue;
    n++;
  }
  return n ? out : undefined;
}

function identityEmail(profiles: unknown): { value: unknown; path: string } | undefined {
  if (!Array.isArray(profiles)) return undefined;
  let found: { value: unknown; path: string } | undefined;
  profiles.forEach((p, i) => {
    const ids = own(p, 'identities');
    if (!Array.isArray(ids)) return;
    ids.forEach((id, j) => {
      if (own(id, 'type') !== 'EMAIL') return;
      const value = text(own(id, 'value'));
      if (typeof value !== 'string') return;
      if (!found || own(id, 'is-primary') === true)
        found = { value, path: `identity-profiles[${i}].identities[${j}].value` };
    });
  });
  return found;
}

function latestSubmission(
  raw: unknown,
): { index: number; entry: Record<string, unknown>; ms?: number } | undefined {
  if (!Array.isArray(raw)) return undefined;
  let best: { index: number; entry: Record<string, unknown>; ms?: number } | undefined;
  raw.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const ms = toMs(own(entry, 'timestamp'));
    if (!best || (ms !== undefined && (best.ms === undefined || ms > best.ms))) best = { index, entry, ms };
  });
  return best;
}

function validate(
  candidate: Record<string, unknown>,
  paths: Record<string, string>,
  receivedAt: Date,
): CaptureResult {
  const first = parseLeadInput(candidate, receivedAt);
  if ('lead' in first) return first;
  const where = (e: FieldError): FieldError => ({ field: paths[e.field] ?? e.field, message: e.message });
  const optional = first.errors.filter((e) => !ESSENTIAL.has(e.field));
  if (optional.length === first.errors.length) {
    const trimmed = { ...candidate };
    for (const e of optional) delete trimmed[e.field];
    const second = parseLeadInput(trimmed, receivedAt);
    if ('lead' in second) return { lead: second.lead, warnings: optional.map(where) };
    // Dropping an optional field can expose a required one (a partial lead's bad phone leaves no contact).
    const extra = second.errors.filter((e) => !first.errors.some((f) => f.field === e.field));
    return { errors: [...first.errors, ...extra].map(where) };
  }
  return { errors: first.errors.map(where) };
}

function unknownBody(): CaptureResult {
  return {
    errors: [
      {
        field: '(body)',
        message: 'expected a HubSpot contact (workflow webhook) or a normalised lead object',
      },
    ],
  };
}

function firstPresent(
  obj: Record<string, unknown>,
  keys: readonly string[],
): { value: unknown; path: string } | undefined {
  for (const k of keys) {
    const v = own(obj, k);
    if (v !== undefined && v !== null && v !== '') return { value: v, path: k };
  }
  return undefined;
}

/** Trimmed text of a scalar; undefined when empty; anything else passes through for the schema to name. */
function text(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return String(v);
  return v;
}

function scalarId(v: unknown): string | undefined {
  const t = text(v);
  return typeof t === 'string' ? t : undefined;
}

/** Epoch ms from a HubSpot time (epoch ms as a number or digits, or ISO 8601); undefined when implausible. */
function toMs(v: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (/^\d{1,15}$/.test(s)) ms = Number(s);
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s))
      ms = Date.parse(s);
  }
  return ms !== undefined && Number.isInteger(ms) && ms > 0 && ms <= MAX_MS ? ms : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(obj: unknown, key: string): unknown {
  return isRecord(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}
