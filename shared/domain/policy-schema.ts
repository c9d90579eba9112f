/**
 * The policy's schema and its validation with every error reported at once: calendars, tiers, routing
 * rules, teams, escalation ladder, live/shadow mode. Used where a policy is written or checked (the
 * YAML front in policy.ts, the CDK app, the CLIs); the functions load the validated document precompiled
 * (policy-json.ts) and never import this module.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { describeIssues } from './issues.ts';
import { CHANNELS, INTENTS } from './lead.ts';
import { DEFAULT_OUTCOME_SETTINGS } from './outcomes.ts';
import { didYouMean } from './suggest.ts';
import { synonymKey } from './synonyms.ts';

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A weekday key of a calendar's `hours`. */
export type Weekday = (typeof DAYS)[number];

const id = (what: string) =>
  z
    .string({ error: `expected ${what} id` })
    .regex(ID, { error: `expected ${what} id (a-z, 0-9, '-' or '_')` });
const nonEmpty = z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' });
const posInt = z
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
const duration = z
  .string({ error: 'expected an ISO 8601 duration such as PT5M' })
  .refine((s) => (parseDuration(s) ?? 0) > 0, {
    error: 'expected a positive ISO 8601 duration such as PT5M, PT24H or P1D',
  });
const isoDate = z
  .string({ error: 'expected a date' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD' });
const span = z.string({ error: 'expected an interval' }).regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, {
  error: "expected 'HH:MM-HH:MM', e.g. '09:00-17:30'",
});

/** The ways a person can be reached. */
const channels = z
  .array(z.enum(['email', 'sms'], { error: "expected 'email' or 'sms'" }))
  .min(1, { error: 'list at least one channel' });

const person = z.strictObject({
  name: nonEmpty,
  /** How to reach this person (both by default). */
  channels: channels.optional(),
  /** When SMS may reach this person (a calendar); outside it, email only unless the tier pages anytime. The team's calendar when absent. */
  smsHours: id('a calendar').optional(),
  email: z.email({ error: 'expected an email address' }).optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, { error: 'expected an E.164 phone number such as +4930123456' })
    .optional(),
  /** Only these escalation rungs reach this person; all rungs when absent. */
  rungs: z.array(posInt).optional(),
});

/** A value a field test compares with. */
export type Scalar = string | number | boolean;

/** One test on one field (policy-schema `where`); several operators in one test must all hold. */
export interface FieldTest {
  equals?: Scalar;
  in?: Scalar[];
  not?: FieldTest;
  contains?: string;
  startsWith?: string;
  exists?: boolean;
  missing?: boolean;
  gt?: number | string;
  lt?: number | string;
  between?: [number | string, number | string];
  '>'?: number | string;
  '<'?: number | string;
}

const OPERATORS = [
  'equals',
  'in',
  'not',
  'contains',
  'startsWith',
  'exists',
  'missing',
  'gt',
  'lt',
  'between',
  '>',
  '<',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or true/false',
});
/** A bound of >, < or between: a number, or an ISO 8601 date or date-time. */
const bound = z.union(
  [
    z.number(),
    z.string().refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), {
      error: 'expected a number or an ISO 8601 date',
    }),
  ],
  { error: 'expected a number or an ISO 8601 date' },
);
const fieldTest: z.ZodType<FieldTest> = z
  .strictObject(
    {
      equals: scalar.optional(),
      in: z.array(scalar).min(1, { error: 'list at least one value' }).optional(),
      get not() {
        return fieldTest.optional();
      },
      contains: nonEmpty.optional(),
      startsWith: nonEmpty.optional(),
      exists: z.boolean({ error: 'expected true or false' }).optional(),
      missing: z.boolean({ error: 'expected true or false' }).optional(),
      gt: bound.optional(),
      lt: bound.optional(),
      between: z.tuple([bound, bound], { error: 'expected [low, high]' }).optional(),
      '>': bound.optional(),
      '<': bound.optional(),
    },
    { error: `expected a value, a list, or a test with one of: ${OPERATORS.join(', ')}` },
  )
  .refine((t) => OPERATORS.some((o) => t[o] !== undefined), {
    error: `expected at least one of: ${OPERATORS.join(', ')}`,
  });

/**
 * `where`: field → test. A field is a normalised lead field (industry, jobTitle, employees, …), a HubSpot
 * property the lead carries (`contact.<name>`, `company.<name>`, or a bare name: the contact's, else the
 * company's). A plain value means equals, a list means in.
 */
const where = z.record(
  z.string().regex(/^((contact|company)\.)?[A-Za-z_][A-Za-z0-9_]{0,99}$/, {
    error: 'expected a field name, or contact.<property> / company.<property>',
  }),
  z.union([scalar, z.array(scalar).min(1, { error: 'list at least one value' }), fieldTest], {
    error: `expected a value, a list, or a test with one of: ${OPERATORS.join(', ')}`,
  }),
);

const condition = z.strictObject({
  intent: z.array(z.enum(INTENTS, { error: `expected one of ${INTENTS.join(', ')}` })).optional(),
  channel: z.array(z.enum(CHANNELS, { error: `expected one of ${CHANNELS.join(', ')}` })).optional(),
  region: z.array(nonEmpty).optional(),
  country: z.array(nonEmpty).optional(),
  industry: z.array(nonEmpty).optional(),
  formId: z.array(nonEmpty).optional(),
  domain: z.array(nonEmpty).optional(),
  employeesMin: z
    .int({ error: 'expected a whole number' })
    .nonnegative({ error: 'expected a number ≥ 0' })
    .optional(),
  employeesMax: z
    .int({ error: 'expected a whole number' })
    .nonnegative({ error: 'expected a number ≥ 0' })
    .optional(),
  targetAccount: z.boolean({ error: 'expected true or false' }).optional(),
  namedAccount: z.boolean({ error: 'expected true or false' }).optional(),
  freeMail: z.boolean({ error: 'expected true or false' }).optional(),
  partial: z.boolean({ error: 'expected true or false' }).optional(),
  existingOwner: z.boolean({ error: 'expected true or false' }).optional(),
  /** Tests on any field or HubSpot property, all of which must hold (with the keys above). */
  where: where.optional(),
});

const match = z.union([condition, z.array(condition)], {
  error: 'expected a condition or a list of conditions',
});

const calendar = z.strictObject({
  timeZone: z.string({ error: 'expected an IANA time zone such as Europe/Berlin' }),
  hours: z.partialRecord(
    z.enum(DAYS, { error: 'expected a weekday: mon, tue, wed, thu, fri, sat or sun' }),
    z.array(span),
  ),
  /** `YYYY-MM-DD` for one date, `MM-DD` for every year. */
  holidays: z
    .array(
      z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/, {
        error: "expected 'YYYY-MM-DD' (one date) or 'MM-DD' (every year)",
      }),
    )
    .default([]),
});

const tier = z.strictObject({
  id: id('a tier'),
  label: nonEmpty.optional(),
  window: duration,
  /** `business`: the window runs in the owner's working hours; `always`: round the clock. */
  clock: z.enum(['business', 'always'], { error: "expected 'business' or 'always'" }).default('business'),
  priority: z.enum(['HIGH', 'MEDIUM', 'LOW'], { error: 'expected HIGH, MEDIUM or LOW' }).default('MEDIUM'),
  /** Whether a rep must be within working hours to be chosen: required, preferred (else the next on duty), ignored. */
  onShift: z
    .enum(['required', 'preferred', 'ignored'], { error: 'expected required, preferred or ignored' })
    .default('required'),
  /**
   * `clock: always` tiers: a rep who comes on duty after the deadline is skipped (`on_duty`) or assigned,
   * the ladder acting at the deadline (`ladder`, the behaviour when absent; `policy check` warns).
   */
  offDuty: z.enum(['ladder', 'on_duty'], { error: "expected 'ladder' or 'on_duty'" }).optional(),
  /** The escalation ladder for this tier (a name under escalation.ladders); the team's, else the default, when absent. */
  ladder: id('a ladder').optional(),
  /** SMS may wake people outside their hours for this tier (a hand-raiser); false: email only out of hours. */
  pageAnytime: z.boolean({ error: 'expected true or false' }).default(false),
  /** A reminder to the first owner when this share of the window has passed (0.5: half way); none when absent. */
  remindAt: z
    .number({ error: 'expected a share of the window such as 0.5' })
    .gt(0, { error: 'expected a share of the window between 0 and 1, such as 0.5' })
    .lt(1, { error: 'expected a share of the window between 0 and 1, such as 0.5' })
    .optional(),
  match: match.optional(),
});

const target = z.union(
  [
    z.strictObject({ existingOwner: z.literal(true) }),
    z.strictObject({ accountOwner: z.literal(true) }),
    z.strictObject({ team: id('a team') }),
    z.strictObject({ owner: nonEmpty }),
    z.strictObject({ queue: id('a queue') }),
  ],
  { error: 'expected exactly one of: existingOwner: true, accountOwner: true, team, owner, queue' },
);

/** When a rule applies: while a calendar is open (`during`) or closed (`outside`), judged at the decision time. */
const when = z.union(
  [z.strictObject({ during: id('a calendar') }), z.strictObject({ outside: id('a calendar') })],
  { error: 'expected { during: <calendar> } or { outside: <calendar> }' },
);

const rule = z.strictObject({
  id: id('a rule'),
  description: z.string().optional(),
  match: match.optional(),
  when: when.optional(),
  target,
});

const pto = z.strictObject({ from: isoDate, to: isoDate });

const member = z.strictObject({
  ownerId: z.union([nonEmpty, z.int().transform(String)], { error: 'expected a HubSpot owner id' }),
  name: nonEmpty,
  email: z.email({ error: 'expected an email address' }).optional(),
  phone: person.shape.phone,
  channels: channels.optional(),
  /** When SMS may reach this rep; their calendar when absent. */
  smsHours: id('a calendar').optional(),
  weight: posInt.default(1),
  maxOpen: posInt.optional(),
  /** Leads a day, counted in the rep's own day (their calendar's zone); the team's, else the default, when absent. */
  maxPerDay: posInt.optional(),
  calendar: id('a calendar').optional(),
  active: z.boolean({ error: 'expected true or false' }).default(true),
  pto: z.array(pto).default([]),
});

const team = z.strictObject({
  label: nonEmpty.optional(),
  calendar: id('a calendar'),
  strategy: z
    .enum(['round_robin', 'weighted', 'least_loaded'], {
      error: 'expected round_robin, weighted or least_loaded',
    })
    .default('round_robin'),
  backup: id('a team').optional(),
  mode: z.enum(['live', 'shadow'], { error: "expected 'live' or 'shadow'" }).optional(),
  /** The escalation ladder for this team's leads (a name under escalation.ladders), unless the tier names one. */
  ladder: id('a ladder').optional(),
  /** Leads a day per member (in each member's own day), unless the member says otherwise. */
  maxPerDay: posInt.optional(),
  /**
   * Make-up after absence: a rep back from PTO (or inactivity) is owed the leads the team took while they
   * were away, and goes first until paid, at most `extraPerDay` of them a day in their own day.
   */
  makeUp: z.strictObject({ extraPerDay: posInt, maxOwed: posInt.default(20) }).optional(),
  managers: z.array(person).default([]),
  directors: z.array(person).default([]),
  members: z.array(member).min(1, { error: 'a team needs at least one member' }),
  /** Pause a rep automatically after this many missed SLAs in a row (and tell the managers); off when absent. */
  autoPauseAfterMisses: posInt.optional(),
});

const queue = z.strictObject({
  label: nonEmpty.optional(),
  /** The HubSpot owner (a queue user) that holds leads parked here. */
  ownerId: z.union([nonEmpty, z.int().transform(String)]).optional(),
  calendar: id('a calendar').optional(),
});

const rung = z.strictObject({
  notify: z
    .array(z.enum(['rep', 'manager', 'director'], { error: 'expected rep, manager or director' }))
    .default([]),
  action: z.enum(['reassign', 'park', 'notify'], { error: 'expected reassign, park or notify' }),
  /** The new owner's window; the tier's window when absent. */
  window: duration.optional(),
  queue: id('a queue').optional(),
  /** What happens to the breached owner's task on reassignment. */
  oldTask: z.enum(['complete', 'keep'], { error: "expected 'complete' or 'keep'" }).default('complete'),
  /** The channels this rung may use (each person's own choice and hours apply too). */
  channels: channels.default(['email', 'sms']),
});

const schema = z.strictObject({
  version: z.literal(1, { error: 'expected 1' }),
  mode: z.enum(['live', 'shadow'], { error: "expected 'live' or 'shadow'" }).default('live'),
  defaults: z.strictObject({
    calendar: id('a calendar'),
    maxOpen: posInt.default(10),
    /** Leads a day per rep, in the rep's own day; no quota when absent. */
    maxPerDay: posInt.optional(),
    queue: id('a queue'),
    /**
     * The team whose managers and directors get the alerts and breach pages of leads outside every team
     * (queue leads, existing and account owners outside all teams) and of teams with nobody in that role.
     * Defaults to the first team with a manager.
     */
    team: id('a team').optional(),
  }),
  regions: z.record(nonEmpty, z.array(nonEmpty)).default({}),
  freeMailDomains: z.array(nonEmpty).optional(),
  /** Synonyms per intent: what forms and sources say ("Demo Request", "Book a meeting") → the intent. */
  intents: z
    .partialRecord(z.enum(INTENTS, { error: `expected one of ${INTENTS.join(', ')}` }), z.array(nonEmpty))
    .default({}),
  targetAccounts: z.array(nonEmpty).default([]),
  calendars: z.record(id('a calendar'), calendar),
  tiers: z.array(tier).min(1, { error: 'define at least one tier' }),
  qualification: z.strictObject({
    defaultTier: id('a tier'),
    incompleteTier: id('a tier'),
  }),
  routing: z.strictObject({ rules: z.array(rule).min(1, { error: 'define at least one rule' }) }),
  teams: z.record(id('a team'), team),
  queues: z.record(id('a queue'), queue),
  escalation: z.strictObject({
    verifyInHubSpot: z.boolean().default(true),
    ladder: z.array(rung).min(1, { error: 'define at least one rung' }),
    /** Named ladders for tiers and teams (`ladder: <name>`); `ladder` above is the default. */
    ladders: z
      .record(id('a ladder'), z.array(rung).min(1, { error: 'define at least one rung' }))
      .default({}),
  }),
  touch: z
    .strictObject({
      activities: z
        .array(z.enum(['call', 'email', 'meeting'], { error: 'expected call, email or meeting' }))
        .default(['call', 'email']),
      leadStatuses: z
        .array(nonEmpty)
        .default([
          'ATTEMPTED_TO_CONTACT',
          'CONNECTED',
          'IN_PROGRESS',
          'OPEN_DEAL',
          'UNQUALIFIED',
          'BAD_TIMING',
        ]),
      acceptStatuses: z.array(nonEmpty).default(['IN_PROGRESS', 'OPEN_DEAL']),
      rejectStatuses: z.array(nonEmpty).default(['UNQUALIFIED']),
      recycleStatuses: z.array(nonEmpty).default(['BAD_TIMING']),
      reasonProperty: nonEmpty.default('leadclock_reason'),
      // Sequence and other automated one-to-one emails are not a rep's touch unless this says so.
      automatedEmails: z.boolean().default(false),
    })
    // prefault runs {} through the fields above, so the defaults are written once.
    .prefault({}),
  recycle: z.strictObject({ minAttempts: posInt.default(6), minSpan: duration.default('P10D') }).prefault({}),
  // What leadclock reads as outcomes in HubSpot (contact made, qualified): docs/hubspot-semantics.md.
  outcomes: z
    .strictObject({
      connectedDispositions: z.array(nonEmpty).default([...DEFAULT_OUTCOME_SETTINGS.connectedDispositions]),
      connectedStatuses: z.array(nonEmpty).default([...DEFAULT_OUTCOME_SETTINGS.connectedStatuses]),
      qualifiedStages: z.array(nonEmpty).default([...DEFAULT_OUTCOME_SETTINGS.qualifiedStages]),
    })
    .prefault({}),
});

/** The policy as written in YAML, after defaults are applied. */
export type PolicyDoc = z.output<typeof schema>;
/** A calendar as written. */
export type CalendarSpec = PolicyDoc['calendars'][string];
/** A match condition as written. */
export type Condition = z.output<typeof condition>;
/** A team as written. */
export type TeamSpec = PolicyDoc['teams'][string];
/** A team member as written. */
export type MemberSpec = TeamSpec['members'][number];
/** A tier as written. */
export type TierSpec = PolicyDoc['tiers'][number];
/** A field test's value as written: a value (equals), a list (in) or a test. */
export type WhereSpec = NonNullable<Condition['where']>[string];
/** A routing rule as written. */
export type RuleSpec = PolicyDoc['routing']['rules'][number];
/** A routing target as written. */
export type TargetSpec = RuleSpec['target'];
/** An escalation rung as written. */
export type RungSpec = PolicyDoc['escalation']['ladder'][number];
/** A manager or director. */
export type Person = z.output<typeof person>;

/** One problem in a policy file: where (`teams.emea-sdr.members[2].maxOpen`) and what. */
export interface PolicyIssue {
  path: string;
  message: string;
  line?: number;
}

/** A policy that did not validate; `issues` holds every problem found, not just the first. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly issues: readonly PolicyIssue[];
  constructor(issues: readonly PolicyIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    const lines = issues.map(
      (i) => `  ${i.path || '(root)'}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`,
    );
    super(
      `${where}invalid policy, ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** Validates a parsed policy object; returns every schema and cross-reference problem. */
export function validatePolicy(input: unknown): { policy?: PolicyDoc; issues: PolicyIssue[] } {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues: PolicyIssue[] = describeIssues(parsed.error.issues, input, true);
    // Cross-references are checked too, best effort on the unvalidated document, so one run shows everything.
    const seen = new Set(issues.map((i) => i.path));
    for (const extra of bestEffortCrossCheck(input)) if (!seen.has(extra.path)) issues.push(extra);
    return { issues };
  }
  const issues = crossCheck(parsed.data);
  return issues.length ? { issues } : { policy: parsed.data, issues };
}

function parseHHMM(s: string): number | undefined {
  if (!HHMM.test(s)) return undefined;
  const [h, m] = s.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Minutes from Monday 00:00 of the intervals of a calendar, for overlap checks (crossing midnight allowed). */
export function weeklyMinutes(
  spec: CalendarSpec,
): { start: number; end: number; day: Weekday; text: string; index: number }[] {
  const out: { start: number; end: number; day: Weekday; text: string; index: number }[] = [];
  DAYS.forEach((day, d) => {
    (spec.hours[day] ?? []).forEach((text, index) => {
      const [a, b] = text.split('-') as [string, string];
      const s = parseHHMM(a);
      const e = parseHHMM(b);
      // Invalid and empty intervals are reported on their own; an empty one is not a 24-hour one.
      if (s === undefined || e === undefined || s === 1440 || s === e) return;
      const start = d * 1440 + s;
      const end = d * 1440 + (e > s ? e : e + 1440);
      out.push({ start, end, day, text, index });
    });
  });
  return out;
}

function bestEffortCrossCheck(input: unknown): PolicyIssue[] {
  if (typeof input !== 'object' || input === null) return [];
  try {
    const raw = input as Partial<PolicyDoc>;
    const calendars = Object.fromEntries(
      Object.entries(raw.calendars ?? {}).map(([k, c]) => [
        k,
        { ...c, hours: c?.hours ?? {}, holidays: c?.holidays ?? [] },
      ]),
    );
    const teams = Object.fromEntries(
      Object.entries(raw.teams ?? {}).map(([k, t]) => [
        k,
        { ...t, members: (t?.members ?? []).map((m) => ({ ...m, pto: m?.pto ?? [] })) },
      ]),
    );
    const doc = {
      ...raw,
      calendars,
      teams,
      tiers: raw.tiers ?? [],
      regions: raw.regions ?? {},
      queues: raw.queues ?? {},
      routing: { rules: raw.routing?.rules ?? [] },
      escalation: { ladder: raw.escalation?.ladder ?? [], ladders: raw.escalation?.ladders ?? {} },
      qualification: raw.qualification ?? { defaultTier: '', incompleteTier: '' },
      defaults: raw.defaults ?? { calendar: '', queue: '' },
    } as PolicyDoc;
    // Shapes were not validated; drop anything the checks could not evaluate.
    return crossCheck(doc, true).filter(
      (i) =>
        !i.message.includes("unknown calendar ''") &&
        !i.message.includes("unknown queue ''") &&
        !i.message.includes("unknown tier ''"),
    );
  } catch {
    return [];
  }
}

function crossCheck(p: PolicyDoc, lenient = false): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  // On an unvalidated document a malformed part (holidays: '01-01') throws; skip only that part, whose
  // schema issue is already reported, so the other checks still run.
  const part = (check: () => void) => {
    if (!lenient) return check();
    try {
      check();
    } catch {}
  };
  const calendars = new Set(Object.keys(p.calendars));
  const teams = new Set(Object.keys(p.teams));
  const queues = new Set(Object.keys(p.queues));
  const regions = new Set(Object.keys(p.regions));
  const tierIds = new Set<string>();

  for (const [cid, cal] of Object.entries(p.calendars)) {
    part(() => {
      if (!IANAZone.isValidZone(cal.timeZone))
        add(`calendars.${cid}.timeZone`, `unknown time zone '${cal.timeZone}'`);
    });
    for (const day of DAYS) {
      part(() =>
        (cal.hours[day] ?? []).forEach((text, i) => {
          const [a, b] = text.split('-') as [string, string];
          const s = parseHHMM(a);
          const e = parseHHMM(b);
          if (s === undefined || e === undefined || s === 1440) {
            add(
              `calendars.${cid}.hours.${day}[${i}]`,
              `'${text}' is not a valid interval (hours 00-23, minutes 00-59; 24:00 only as an end)`,
            );
          } else if (s === e) add(`calendars.${cid}.hours.${day}[${i}]`, `'${text}' is empty`);
        }),
      );
    }
    part(() => {
      const ivs = weeklyMinutes(cal);
      if (ivs.length === 0) add(`calendars.${cid}.hours`, 'a calendar needs at least one open interval');
      // Compare every pair on a circular week (Sunday night may run into Monday).
      const WEEK = 7 * 1440;
      for (let i = 0; i < ivs.length; i++) {
        for (let j = i + 1; j < ivs.length; j++) {
          const x = ivs[i]!;
          const y = ivs[j]!;
          const overlaps = [0, WEEK, -WEEK].some((k) => x.start < y.end + k && y.start + k < x.end);
          if (overlaps) {
            add(`calendars.${cid}.hours.${y.day}[${y.index}]`, `'${y.text}' overlaps ${x.day} '${x.text}'`);
          }
        }
      }
    });
    part(() =>
      cal.holidays.forEach((h, i) => {
        const [y, m, d] = h.length === 10 ? h.split('-').map(Number) : [2024, ...h.split('-').map(Number)];
        const date = new Date(Date.UTC(y!, m! - 1, d!));
        if (date.getUTCMonth() !== m! - 1 || date.getUTCDate() !== d)
          add(`calendars.${cid}.holidays[${i}]`, `'${h}' is not a date`);
      }),
    );
  }

  p.tiers.forEach((t, i) => {
    part(() => {
      if (tierIds.has(t.id)) add(`tiers[${i}].id`, `duplicate tier id '${t.id}'`);
      tierIds.add(t.id);
      checkMatch(t.match, `tiers[${i}].match`, regions, add);
    });
  });
  part(() => {
    if (!tierIds.has(p.qualification.defaultTier))
      add('qualification.defaultTier', `unknown tier '${p.qualification.defaultTier}'`);
    if (!tierIds.has(p.qualification.incompleteTier))
      add('qualification.incompleteTier', `unknown tier '${p.qualification.incompleteTier}'`);
  });

  part(() => {
    if (!calendars.has(p.defaults.calendar))
      add('defaults.calendar', `unknown calendar '${p.defaults.calendar}'`);
    if (!queues.has(p.defaults.queue)) add('defaults.queue', `unknown queue '${p.defaults.queue}'`);
    if (p.defaults.team !== undefined && !(p.defaults.team in p.teams))
      add('defaults.team', `unknown team '${p.defaults.team}'`);
  });

  const seenCountry = new Map<string, string>();
  for (const [region, countries] of Object.entries(p.regions)) {
    part(() =>
      countries.forEach((c, i) => {
        const key = c.toUpperCase();
        const prior = seenCountry.get(key);
        if (prior) add(`regions.${region}[${i}]`, `'${c}' is already in region ${prior}`);
        seenCountry.set(key, region);
      }),
    );
  }

  const synonymOf = new Map<string, string>();
  for (const [intent, words] of Object.entries(p.intents ?? {})) {
    part(() =>
      (words ?? []).forEach((w, i) => {
        const key = synonymKey(w);
        const prior = synonymOf.get(key);
        if (prior !== undefined && prior !== intent)
          add(`intents.${intent}[${i}]`, `'${w}' is already a synonym of ${prior}`);
        synonymOf.set(key, intent);
      }),
    );
  }

  const ruleIds = new Set<string>();
  p.routing.rules.forEach((r, i) => {
    part(() => {
      const at = `routing.rules[${i}]`;
      if (ruleIds.has(r.id)) add(`${at}.id`, `duplicate rule id '${r.id}'`);
      ruleIds.add(r.id);
      checkMatch(r.match, `${at}.match`, regions, add);
      if ('team' in r.target && !teams.has(r.target.team))
        add(`${at}.target.team`, `unknown team '${r.target.team}'`);
      if ('queue' in r.target && !queues.has(r.target.queue))
        add(`${at}.target.queue`, `unknown queue '${r.target.queue}'`);
      const windowCal = r.when && ('during' in r.when ? r.when.during : r.when.outside);
      if (windowCal !== undefined && !calendars.has(windowCal))
        add(
          `${at}.when.${'during' in (r.when ?? {}) ? 'during' : 'outside'}`,
          `unknown calendar '${windowCal}'`,
        );
    });
  });

  for (const [tid, t] of Object.entries(p.teams)) {
    const at = `teams.${tid}`;
    part(() => {
      if (!calendars.has(t.calendar)) add(`${at}.calendar`, `unknown calendar '${t.calendar}'`);
      if (t.backup !== undefined) {
        if (!teams.has(t.backup)) add(`${at}.backup`, `unknown team '${t.backup}'`);
        else if (backupCycle(p, tid)) add(`${at}.backup`, `backup chain from '${tid}' loops back on itself`);
      }
    });
    const owners = new Set<string>();
    t.members.forEach((m, i) => {
      part(() => {
        if (owners.has(m.ownerId))
          add(`${at}.members[${i}].ownerId`, `owner ${m.ownerId} is listed twice in this team`);
        owners.add(m.ownerId);
        if (m.calendar !== undefined && !calendars.has(m.calendar))
          add(`${at}.members[${i}].calendar`, `unknown calendar '${m.calendar}'`);
        m.pto.forEach((x, j) => {
          if (x.to < x.from)
            add(`${at}.members[${i}].pto[${j}]`, `'to' (${x.to}) is before 'from' (${x.from})`);
        });
      });
    });
  }

  for (const [qid, q] of Object.entries(p.queues)) {
    part(() => {
      if (q.calendar !== undefined && !calendars.has(q.calendar))
        add(`queues.${qid}.calendar`, `unknown calendar '${q.calendar}'`);
    });
  }

  const ladders = new Set(Object.keys(p.escalation.ladders ?? {}));
  p.tiers.forEach((t, i) => {
    part(() => {
      if (t.ladder !== undefined && !ladders.has(t.ladder))
        add(`tiers[${i}].ladder`, `unknown ladder '${t.ladder}'`);
    });
  });
  for (const [tid, t] of Object.entries(p.teams)) {
    part(() => {
      if (t.ladder !== undefined && !ladders.has(t.ladder))
        add(`teams.${tid}.ladder`, `unknown ladder '${t.ladder}'`);
      const people: [string, { smsHours?: string }][] = [
        ...t.managers.map((x, i) => [`teams.${tid}.managers[${i}]`, x] as [string, { smsHours?: string }]),
        ...t.directors.map((x, i) => [`teams.${tid}.directors[${i}]`, x] as [string, { smsHours?: string }]),
        ...t.members.map((x, i) => [`teams.${tid}.members[${i}]`, x] as [string, { smsHours?: string }]),
      ];
      for (const [at, x] of people)
        if (x.smsHours !== undefined && !calendars.has(x.smsHours))
          add(`${at}.smsHours`, `unknown calendar '${x.smsHours}'`);
    });
  }
  const allRungs = [
    ...p.escalation.ladder.map((r, i) => [`escalation.ladder[${i}]`, r] as const),
    ...Object.entries(p.escalation.ladders ?? {}).flatMap(([lid, rs]) =>
      rs.map((r, i) => [`escalation.ladders.${lid}[${i}]`, r] as const),
    ),
  ];
  allRungs.forEach(([at, r]) => {
    part(() => {
      if (r.action === 'park') {
        if (r.queue === undefined) add(`${at}.queue`, 'a park rung needs a queue');
        else if (!queues.has(r.queue)) add(`${at}.queue`, `unknown queue '${r.queue}'`);
      } else if (r.queue !== undefined) add(`${at}.queue`, `only a park rung takes a queue`);
    });
  });
  // A typo gets the nearest defined name.
  const known: Record<string, Set<string>> = {
    ladder: ladders,
    team: teams,
    queue: queues,
    calendar: calendars,
    tier: tierIds,
    region: regions,
  };
  for (const i of issues) {
    const m = /^unknown (team|queue|calendar|tier|region|ladder) '([^']+)'/.exec(i.message);
    if (m) i.message += didYouMean(m[2] as string, known[m[1] as string] ?? []);
  }
  return issues;
}

function checkMatch(
  m: Condition | Condition[] | undefined,
  at: string,
  regions: Set<string>,
  add: (path: string, message: string) => void,
): void {
  if (m === undefined) return;
  const list = Array.isArray(m) ? m : [m];
  list.forEach((c, i) => {
    const here = Array.isArray(m) ? `${at}[${i}]` : at;
    c.region?.forEach((r, j) => {
      if (!regions.has(r)) add(`${here}.region[${j}]`, `unknown region '${r}' (define it under regions)`);
    });
    for (const [field, test] of Object.entries(c.where ?? {})) checkTest(test, `${here}.where.${field}`, add);
    if (c.employeesMin !== undefined && c.employeesMax !== undefined && c.employeesMin > c.employeesMax) {
      add(`${here}.employeesMin`, `is greater than employeesMax (${c.employeesMax})`);
    }
  });
}

function checkTest(test: unknown, at: string, add: (path: string, message: string) => void): void {
  if (typeof test !== 'object' || test === null || Array.isArray(test)) return;
  const t = test as FieldTest;
  if (t.between) {
    const [lo, hi] = t.between.map((b) => (typeof b === 'number' ? b : Date.parse(b)));
    if ((lo as number) > (hi as number)) add(`${at}.between`, 'the low bound is above the high one');
    if (typeof t.between[0] !== typeof t.between[1]) add(`${at}.between`, 'mixes a number and a date');
  }
  if (t.not) checkTest(t.not, `${at}.not`, add);
}

function backupCycle(p: PolicyDoc, start: string): boolean {
  const seen = new Set([start]);
  let next = p.teams[start]?.backup;
  while (next !== undefined) {
    if (seen.has(next)) return next === start;
    seen.add(next);
    next = p.teams[next]?.backup;
  }
  return false;
}
