/**
 * Turns a validated policy document into the indexed, ready-to-evaluate form the domain functions use.
 * On every function's cold start path: it imports no schema and no YAML parser (types only). Reading a
 * YAML policy is `loadPolicy` in policy.ts; functions load the precompiled document (policy-json.ts).
 */
import { ALWAYS, type BusinessCalendar, compileCalendar, isOpen, startOfLocalDay } from './clock.ts';
import { parseDuration } from './duration.ts';
import type { Channel, Intent, LeadFacts, LeadInput } from './lead.ts';
import type {
  Condition,
  FieldTest,
  Person,
  PolicyDoc,
  RuleSpec,
  RungSpec,
  TargetSpec,
  TierSpec,
  WhereSpec,
} from './policy-schema.ts';
import { synonymKey } from './synonyms.ts';

/** A compiled match: true when the lead satisfies any of the conditions (an absent match always holds). */
export type Matcher = (lead: LeadFacts) => boolean;

/** A tier ready to evaluate. */
export interface Tier {
  id: string;
  label: string;
  windowMs: number;
  /** ALWAYS for round-the-clock tiers; otherwise the deadline runs in the owner's calendar. */
  clock: TierSpec['clock'];
  priority: TierSpec['priority'];
  onShift: TierSpec['onShift'];
  /**
   * Round-the-clock tiers: what to do with a rep who comes on duty only after the deadline. `ladder` (the
   * default) assigns them and lets the tier's ladder act at the deadline; `on_duty` skips them.
   */
  offDuty: 'ladder' | 'on_duty';
  /** The tier's own escalation ladder (a name in `Policy.ladders`), if any. */
  ladder?: string;
  /** SMS may reach people outside their hours for this tier. */
  pageAnytime: boolean;
  /** Share of the window after which the first owner is reminded; none when absent. */
  remindAt?: number;
  /** Rank in the policy (0 is the hottest); used to decide whether a repeat inquiry raises the tier. */
  rank: number;
  matches: Matcher;
  /** One matcher per condition of the match as written (a single condition is one), for the "why". */
  conditions: readonly Matcher[];
}

/** A team member ready to evaluate. */
export interface Member {
  ownerId: string;
  name: string;
  email?: string;
  phone?: string;
  /** How this rep may be reached (both when the policy does not say). */
  channels: readonly ('email' | 'sms')[];
  /** When SMS may reach this rep (their calendar unless the policy names another). */
  smsHours: BusinessCalendar;
  weight: number;
  maxOpen: number;
  /** Leads a day in the member's own day (their calendar's zone); no quota when absent. */
  maxPerDay?: number;
  calendar: BusinessCalendar;
  active: boolean;
  /** PTO as half-open epoch ranges `[from, to)` in the member's zone, whole days. */
  pto: readonly (readonly [number, number])[];
}

/** A team ready to evaluate. */
export interface Team {
  id: string;
  label: string;
  calendar: BusinessCalendar;
  strategy: 'round_robin' | 'weighted' | 'least_loaded';
  backup?: string;
  mode: 'live' | 'shadow';
  /** Missed SLAs in a row after which a rep is paused automatically (run-time overlay); none when absent. */
  autoPauseAfterMisses?: number;
  /** The team's own escalation ladder (a name in `Policy.ladders`), if any. */
  ladder?: string;
  /** Make-up after absence, when the team has it. */
  makeUp?: { extraPerDay: number; maxOwed: number };
  managers: Person[];
  directors: Person[];
  members: Member[];
}

/** A routing rule ready to evaluate. */
export interface Rule {
  id: string;
  description?: string;
  matches: Matcher;
  /** When the rule has a time window: whether it applies at an instant. */
  activeAt?: (t: number) => boolean;
  /** The window, for the trail (`during weekends`). */
  window?: string;
  target: TargetSpec;
}

/** A queue (default or breach) ready to use. */
export interface Queue {
  id: string;
  label: string;
  ownerId?: string;
  calendar: BusinessCalendar;
}

/** An escalation rung ready to use. */
export interface Rung extends Omit<RungSpec, 'window'> {
  /** 1-based. */
  rung: number;
  windowMs?: number;
}

/** The compiled policy. `doc` keeps the validated document for display and for the infra. */
export interface Policy {
  doc: PolicyDoc;
  mode: 'live' | 'shadow';
  defaultCalendar: BusinessCalendar;
  defaultQueue: string;
  /** The team that hears about leads outside every team (`defaults.team`, else the first team with a manager). */
  opsTeam?: string;
  calendars: ReadonlyMap<string, BusinessCalendar>;
  tiers: readonly Tier[];
  tierById: ReadonlyMap<string, Tier>;
  defaultTier: Tier;
  incompleteTier: Tier;
  rules: readonly Rule[];
  teams: ReadonlyMap<string, Team>;
  queues: ReadonlyMap<string, Queue>;
  ladder: readonly Rung[];
  /** Named ladders for tiers and teams. */
  ladders: ReadonlyMap<string, readonly Rung[]>;
  /** Upper-case ISO code or English name → region. */
  regionOfCountry: ReadonlyMap<string, string>;
  freeMailDomains: ReadonlySet<string>;
  /** Synonym (normalised by synonymKey) → intent, from the policy's `intents`. */
  intentSynonyms: ReadonlyMap<string, Intent>;
  targetAccounts: ReadonlySet<string>;
  /** HubSpot properties the conditions name: capture keeps only these of a lead's properties. */
  propertyRefs: { contact: ReadonlySet<string>; company: ReadonlySet<string> };
  recycle: { minAttempts: number; minSpanMs: number };
}

/** Free-mail providers flagged when the policy does not list its own. */
export const DEFAULT_FREE_MAIL = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  't-online.de',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
  'zoho.com',
] as const;

let regionNames: Intl.DisplayNames | undefined;

/** The English name of a region code (`DE` → `Germany`). ICU loads its display names on first use (about 10 ms). */
export function countryName(code: string): string | undefined {
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
  return regionNames.of(code);
}

/** Options of `compilePolicy`. */
export interface CompileOptions {
  /** English names of the policy's two-letter country codes; ICU's by default (the precompiled policy carries them). */
  countryName?: (code: string) => string | undefined;
}

/** Common ways forms spell countries that differ from the built-in English names (upper case → ISO code). */
export const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  UK: 'GB',
  'GREAT BRITAIN': 'GB',
  ENGLAND: 'GB',
  SCOTLAND: 'GB',
  WALES: 'GB',
  USA: 'US',
  'U.S.': 'US',
  'U.S.A.': 'US',
  'UNITED STATES OF AMERICA': 'US',
  AMERICA: 'US',
  'CZECH REPUBLIC': 'CZ',
  'HONG KONG': 'HK',
  'SOUTH KOREA': 'KR',
  KOREA: 'KR',
  'REPUBLIC OF KOREA': 'KR',
  RUSSIA: 'RU',
  UAE: 'AE',
  HOLLAND: 'NL',
  'THE NETHERLANDS': 'NL',
  DEUTSCHLAND: 'DE',
  MACAU: 'MO',
  MACAO: 'MO',
  'IVORY COAST': 'CI',
  TURKEY: 'TR',
  VIETNAM: 'VN',
};

/** Compiles a validated policy document. */
export function compilePolicy(doc: PolicyDoc, options: CompileOptions = {}): Policy {
  const nameOf = options.countryName ?? countryName;
  const calendars = new Map<string, BusinessCalendar>();
  for (const [id, spec] of Object.entries(doc.calendars)) calendars.set(id, compileCalendar(id, spec));
  const cal = (id: string) => calendars.get(id) as BusinessCalendar;

  const tiers: Tier[] = doc.tiers.map((t, rank) => ({
    id: t.id,
    label: t.label ?? t.id,
    windowMs: parseDuration(t.window) as number,
    clock: t.clock,
    priority: t.priority,
    onShift: t.onShift,
    offDuty: t.offDuty ?? 'ladder',
    ladder: t.ladder,
    pageAnytime: t.pageAnytime,
    remindAt: t.remindAt,
    rank,
    matches: compileMatch(t.match),
    conditions: conditionsOf(t.match).map(compileCondition),
  }));
  const tierById = new Map(tiers.map((t) => [t.id, t]));

  const teams = new Map<string, Team>();
  for (const [id, t] of Object.entries(doc.teams)) {
    teams.set(id, {
      id,
      label: t.label ?? id,
      calendar: cal(t.calendar),
      strategy: t.strategy,
      backup: t.backup,
      mode: t.mode ?? doc.mode,
      autoPauseAfterMisses: t.autoPauseAfterMisses,
      makeUp: t.makeUp,
      ladder: t.ladder,
      managers: t.managers,
      directors: t.directors,
      members: t.members.map((m) => {
        const mc = cal(m.calendar ?? t.calendar);
        return {
          ownerId: m.ownerId,
          name: m.name,
          email: m.email,
          phone: m.phone,
          channels: m.channels ?? ['email', 'sms'],
          smsHours: m.smsHours ? cal(m.smsHours) : mc,
          weight: m.weight,
          maxOpen: m.maxOpen ?? doc.defaults.maxOpen,
          maxPerDay: m.maxPerDay ?? t.maxPerDay ?? doc.defaults.maxPerDay,
          calendar: mc,
          active: m.active,
          pto: m.pto.map(
            (p) =>
              [startOfLocalDay(p.from, mc.timeZone), startOfLocalDay(nextDay(p.to), mc.timeZone)] as const,
          ),
        };
      }),
    });
  }

  const queues = new Map<string, Queue>();
  for (const [id, q] of Object.entries(doc.queues)) {
    queues.set(id, {
      id,
      label: q.label ?? id,
      ownerId: q.ownerId,
      calendar: cal(q.calendar ?? doc.defaults.calendar),
    });
  }

  const regionOfCountry = new Map<string, string>();
  for (const [region, countries] of Object.entries(doc.regions)) {
    for (const c of countries) {
      regionOfCountry.set(c.toUpperCase(), region);
      if (/^[A-Za-z]{2}$/.test(c)) {
        const name = nameOf(c.toUpperCase());
        if (name) regionOfCountry.set(name.toUpperCase(), region);
      }
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) {
    const region = regionOfCountry.get(code);
    if (region && !regionOfCountry.has(alias)) regionOfCountry.set(alias, region);
  }

  return {
    doc,
    mode: doc.mode,
    defaultCalendar: cal(doc.defaults.calendar),
    defaultQueue: doc.defaults.queue,
    opsTeam:
      doc.defaults.team ?? Object.entries(doc.teams).find(([, t]) => (t.managers ?? []).length > 0)?.[0],
    calendars,
    tiers,
    tierById,
    defaultTier: tierById.get(doc.qualification.defaultTier) as Tier,
    incompleteTier: tierById.get(doc.qualification.incompleteTier) as Tier,
    rules: doc.routing.rules.map((r) => ({
      id: r.id,
      description: r.description,
      matches: compileMatch(r.match),
      ...compileWindow(r.when, cal),
      target: r.target,
    })),
    teams,
    queues,
    ladder: compileLadder(doc.escalation.ladder),
    ladders: new Map(Object.entries(doc.escalation.ladders).map(([id, rungs]) => [id, compileLadder(rungs)])),
    regionOfCountry,
    freeMailDomains: new Set((doc.freeMailDomains ?? DEFAULT_FREE_MAIL).map((d) => d.toLowerCase())),
    intentSynonyms: new Map(
      Object.entries(doc.intents).flatMap(([intent, words]) =>
        (words ?? []).map((w) => [synonymKey(w), intent as Intent] as const),
      ),
    ),
    targetAccounts: new Set(doc.targetAccounts.map((d) => d.toLowerCase())),
    propertyRefs: propertyRefsOf(doc),
    recycle: {
      minAttempts: doc.recycle.minAttempts,
      minSpanMs: parseDuration(doc.recycle.minSpan) as number,
    },
  };
}

/** The calendar a tier's deadline runs in for a given owner calendar. */
export function tierCalendar(tier: Tier, ownerCalendar: BusinessCalendar): BusinessCalendar {
  return tier.clock === 'always' ? ALWAYS : ownerCalendar;
}

function nextDay(isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function compileLadder(rungs: readonly RungSpec[]): Rung[] {
  return rungs.map(({ window, ...r }, i) => ({
    ...r,
    rung: i + 1,
    windowMs: window === undefined ? undefined : parseDuration(window),
  }));
}

function conditionsOf(match: Condition | Condition[] | undefined): Condition[] {
  return match === undefined ? [] : Array.isArray(match) ? match : [match];
}

function compileMatch(match: Condition | Condition[] | undefined): Matcher {
  if (match === undefined) return () => true;
  const list = conditionsOf(match).map(compileCondition);
  if (list.length === 1) return list[0] as Matcher;
  return (lead) => {
    for (const m of list) if (m(lead)) return true;
    return false;
  };
}

function compileWindow(
  when: RuleSpec['when'],
  cal: (id: string) => BusinessCalendar,
): Pick<Rule, 'activeAt' | 'window'> {
  if (when === undefined) return {};
  if ('during' in when) {
    const c = cal(when.during);
    return { activeAt: (t) => isOpen(t, c), window: `during ${when.during}` };
  }
  const c = cal(when.outside);
  return { activeAt: (t) => !isOpen(t, c), window: `outside ${when.outside}` };
}

/** Normalised lead fields a `where` may name; any other name is a HubSpot property. */
const LEAD_FIELD_NAMES: ReadonlySet<string> = new Set<keyof LeadFacts>([
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
  'region',
  'freeMail',
  'targetAccount',
  'accountOwnerId',
]);

/** Whether `field` of a `where` names a normalised lead field (else a HubSpot property). */
export function isLeadField(field: string): boolean {
  return LEAD_FIELD_NAMES.has(field);
}

type Getter = (lead: LeadFacts) => unknown;

/** Reads a `where` field: a normalised field, `contact.x`, `company.x`, or a bare property (contact's, else company's). */
function getterOf(field: string): Getter {
  if (LEAD_FIELD_NAMES.has(field)) {
    const key = field as keyof LeadFacts;
    return (l) => l[key];
  }
  const dot = field.indexOf('.');
  if (dot > 0) {
    const name = field.slice(dot + 1);
    return field.startsWith('contact.')
      ? (l) => l.properties?.contact?.[name]
      : (l) => l.properties?.company?.[name];
  }
  return (l) => l.properties?.contact?.[field] ?? l.properties?.company?.[field];
}

/** A value as text for the string operators; undefined when absent or blank. */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (v === undefined || v === null) return undefined;
  const t = String(v);
  return t === '' ? undefined : t;
}

/** A bound as a number: numbers as they are, dates as epoch ms. */
function boundOf(b: number | string): number {
  return typeof b === 'number' ? b : Date.parse(b);
}

/** A value as a number comparable with the bound: numbers and numeric text as numbers; for a date bound, dates (or epoch ms, as HubSpot sends them) as epoch ms. */
function comparable(v: unknown, dateBound: boolean): number | undefined {
  if (typeof v === 'number') return v;
  const t = asText(v)?.trim();
  if (t === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!dateBound) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A test on one value: every operator given must hold. A value that is absent satisfies only `missing`, `exists: false` and a `not` of a test it fails. */
function compileTest(spec: WhereSpec): (v: unknown) => boolean {
  if (Array.isArray(spec)) return compileTest({ in: spec });
  if (typeof spec !== 'object') return compileTest({ equals: spec });
  const t: FieldTest = spec;
  const checks: ((v: unknown) => boolean)[] = [];
  const lower = (x: string | number | boolean) => String(x).toLowerCase();
  // Case-insensitive regular expressions, compiled once: no lower-cased copy of the lead's value per
  // test, and most tests fail on the first character (routing.decisionMicros runs 100 rules a decision).
  const text = (pattern: string) => {
    const re = new RegExp(pattern, 'iu');
    return (v: unknown) => {
      const x = asText(v);
      return x !== undefined && re.test(x);
    };
  };
  const literal = (x: string | number | boolean) => String(x).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (t.equals !== undefined) checks.push(text(`^${literal(t.equals)}$`));
  if (t.in !== undefined) {
    const set = new Set(t.in.map(lower));
    // A value of a length no entry has cannot be in the list (ASCII entries: lower-casing keeps lengths).
    const ascii = t.in.every((x) => /^[ -~]*$/.test(String(x)));
    const lengths = new Set(t.in.map((x) => String(x).length));
    checks.push((v) => {
      const x = asText(v);
      if (x === undefined || (ascii && !lengths.has(x.length))) return false;
      return set.has(x.toLowerCase());
    });
  }
  if (t.contains !== undefined) checks.push(text(literal(t.contains)));
  if (t.startsWith !== undefined) checks.push(text(`^${literal(t.startsWith)}`));
  const present = (v: unknown) => {
    const x = asText(v);
    return x !== undefined && x.trim() !== '';
  };
  if (t.exists !== undefined) {
    const want = t.exists;
    checks.push((v) => present(v) === want);
  }
  if (t.missing !== undefined) {
    const want = t.missing;
    checks.push((v) => present(v) !== want);
  }
  const compare = (b: number | string, holds: (x: number, bound: number) => boolean) => {
    const bound = boundOf(b);
    const dateBound = typeof b === 'string';
    checks.push((v) => {
      const x = comparable(v, dateBound);
      return x !== undefined && holds(x, bound);
    });
  };
  for (const b of [t.gt, t['>']]) if (b !== undefined) compare(b, (x, y) => x > y);
  for (const b of [t.lt, t['<']]) if (b !== undefined) compare(b, (x, y) => x < y);
  if (t.between !== undefined) {
    const [lo, hi] = t.between;
    compare(lo, (x, y) => x >= y);
    compare(hi, (x, y) => x <= y);
  }
  if (t.not !== undefined) {
    const inner = compileTest(t.not);
    checks.push((v) => !inner(v));
  }
  if (checks.length === 1) return checks[0] as (v: unknown) => boolean;
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

/** The HubSpot properties a policy's conditions name, by object (a bare name counts for both). */
function propertyRefsOf(doc: PolicyDoc): Policy['propertyRefs'] {
  const contact = new Set<string>();
  const company = new Set<string>();
  const all = [...doc.tiers.map((t) => t.match), ...doc.routing.rules.map((r) => r.match)];
  for (const m of all) {
    for (const c of conditionsOf(m)) {
      for (const field of Object.keys(c.where ?? {})) {
        if (LEAD_FIELD_NAMES.has(field)) continue;
        if (field.startsWith('contact.')) contact.add(field.slice(8));
        else if (field.startsWith('company.')) company.add(field.slice(8));
        else {
          contact.add(field);
          company.add(field);
        }
      }
    }
  }
  return { contact, company };
}

/** The lead input with only the properties the policy's conditions name (the rest is not stored). */
export function keepReferencedProperties(policy: Policy, input: LeadInput): LeadInput {
  if (!input.properties) return input;
  const pick = (props: Record<string, string | number | boolean> | undefined, names: ReadonlySet<string>) => {
    if (!props || names.size === 0) return undefined;
    const out: Record<string, string | number | boolean> = {};
    for (const n of names) if (props[n] !== undefined) out[n] = props[n];
    return Object.keys(out).length ? out : undefined;
  };
  const contact = pick(input.properties.contact, policy.propertyRefs.contact);
  const company = pick(input.properties.company, policy.propertyRefs.company);
  const { properties: _dropped, ...rest } = input;
  return contact || company
    ? { ...rest, properties: { ...(contact && { contact }), ...(company && { company }) } }
    : rest;
}

function compileCondition(c: Condition): Matcher {
  const checks: Matcher[] = [];
  const oneOf = <T extends string>(
    values: readonly T[] | undefined,
    get: (l: LeadFacts) => string | undefined,
  ) => {
    if (!values) return;
    const set = new Set(values.map((v) => v.toLowerCase()));
    checks.push((l) => {
      const v = get(l);
      return v !== undefined && set.has(v.toLowerCase());
    });
  };
  oneOf<Intent>(c.intent, (l) => l.intent);
  oneOf<Channel>(c.channel, (l) => l.channel);
  oneOf(c.region, (l) => l.region);
  oneOf(c.country, (l) => l.country);
  oneOf(c.industry, (l) => l.industry);
  oneOf(c.formId, (l) => l.formId);
  oneOf(c.domain, (l) => l.domain);
  if (c.employeesMin !== undefined) {
    const min = c.employeesMin;
    checks.push((l) => l.employees !== undefined && l.employees >= min);
  }
  if (c.employeesMax !== undefined) {
    const max = c.employeesMax;
    checks.push((l) => l.employees !== undefined && l.employees <= max);
  }
  const flag = (want: boolean | undefined, get: (l: LeadFacts) => boolean) => {
    if (want !== undefined) checks.push((l) => get(l) === want);
  };
  flag(c.targetAccount, (l) => l.targetAccount);
  flag(c.namedAccount, (l) => l.accountOwnerId !== undefined);
  flag(c.freeMail, (l) => l.freeMail);
  flag(c.partial, (l) => l.partial);
  flag(c.existingOwner, (l) => l.existingOwnerId !== undefined);
  for (const [field, spec] of Object.entries(c.where ?? {})) {
    const get = getterOf(field);
    const test = compileTest(spec);
    checks.push((l) => test(get(l)));
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0] as Matcher;
  // A plain loop: this runs for every rule of every decision (routing.decisionMicros).
  return (lead) => {
    for (const check of checks) if (!check(lead)) return false;
    return true;
  };
}
