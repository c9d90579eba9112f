import { existsSync, globSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { isOpen } from '../../shared/domain/clock.ts';
import {
  loadPolicy,
  PolicyError,
  type PolicyIssue,
  parsePolicy,
  validatePolicy,
} from '../../shared/domain/policy.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const EXAMPLE_PATH = 'config/policy.example.yaml';
const EXAMPLE = read(EXAMPLE_PATH);
const FIXTURES = 'test/fixtures/policies';

/** Deletes the field instead of setting it. */
const REMOVE = Symbol('remove');
type Edit = readonly [path: readonly (string | number)[], value: unknown];

/** A fresh copy of the example policy as plain data, with edits applied. */
function exampleWith(edits: readonly Edit[]): unknown {
  const doc: unknown = parse(EXAMPLE);
  for (const [path, value] of edits) {
    let node = doc as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (value === REMOVE) delete node[last];
    else node[last] = value;
  }
  return doc;
}

/** The PolicyError thrown by `act`; fails the test when nothing (or something else) is thrown. */
function policyErrorOf(act: () => unknown): PolicyError {
  try {
    act();
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('expected a PolicyError');
}

/** YAML blocks of README.md and docs/**\/*.md, so a documented example that stops validating fails here. */
function documentedYaml(): { name: string; text: string }[] {
  const files = ['README.md', ...globSync('docs/**/*.md', { cwd: ROOT.pathname })].filter((f) =>
    existsSync(new URL(f, ROOT)),
  );
  return files.flatMap((file) =>
    [...read(file).matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].map((m, i) => ({
      name: `${file} block ${i + 1}`,
      text: m[1] as string,
    })),
  );
}

const WHOLE_POLICIES = [
  { name: EXAMPLE_PATH, text: EXAMPLE },
  ...globSync(`${FIXTURES}/valid/*.yaml`, { cwd: ROOT.pathname })
    .sort()
    .map((f) => ({ name: f, text: read(f) })),
  ...documentedYaml().filter((b) => /^version:/m.test(b.text)),
];
const SNIPPETS = documentedYaml().filter((b) => !/^version:/m.test(b.text));

describe('example and documented policies', () => {
  it('loads the example policy with its defaults, aliases and references resolved', () => {
    // Prepare: the example file.
    // Act
    const policy = loadPolicy(EXAMPLE, EXAMPLE_PATH);
    // Assess
    expect(policy.mode).toBe('live');
    expect([...policy.calendars.keys()]).toEqual(['berlin', 'new-york', 'sydney']);
    expect(policy.tiers.map((t) => [t.id, t.windowMs, t.clock, t.priority, t.onShift, t.rank])).toEqual([
      ['hand-raiser', 300_000, 'business', 'HIGH', 'preferred', 0],
      ['high-intent', 900_000, 'business', 'MEDIUM', 'preferred', 1],
      ['nurture', 86_400_000, 'always', 'LOW', 'preferred', 2],
      ['incomplete', 14_400_000, 'business', 'MEDIUM', 'preferred', 3],
    ]);
    expect([policy.defaultTier.id, policy.incompleteTier.id]).toEqual(['nurture', 'incomplete']);
    expect(policy.rules.map((r) => r.id)).toEqual([
      'existing-owner',
      'named-accounts',
      'enterprise',
      'emea',
      'na',
      'apac',
      'rest-of-world',
    ]);
    expect([...policy.teams.keys()]).toEqual([
      'emea-sdr',
      'emea-overflow',
      'na-sdr',
      'apac-sdr',
      'enterprise-ae',
    ]);
    expect(policy.teams.get('na-sdr')?.members.map((m) => [m.ownerId, m.weight, m.maxOpen])).toEqual([
      ['2001', 2, 10],
      ['2002', 1, 10],
      ['2003', 1, 5],
    ]);
    expect(policy.teams.get('enterprise-ae')?.members.map((m) => m.calendar.id)).toEqual([
      'new-york',
      'berlin',
    ]);
    expect(policy.teams.get('emea-sdr')?.members[2]?.pto).toEqual([
      [Date.parse('2026-12-21T00:00:00+01:00'), Date.parse('2027-01-02T00:00:00+01:00')],
    ]);
    expect(policy.ladder.map((r) => [r.rung, r.action, r.notify, r.queue, r.oldTask])).toEqual([
      [1, 'reassign', ['rep', 'manager'], undefined, 'complete'],
      [2, 'park', ['manager', 'director'], 'breach', 'complete'],
    ]);
    expect([policy.regionOfCountry.get('DE'), policy.regionOfCountry.get('GERMANY')]).toEqual([
      'EMEA',
      'EMEA',
    ]);
    expect(policy.recycle).toEqual({ minAttempts: 6, minSpanMs: 864_000_000 });
  });

  it('gives the calendar written as a YAML alias the same hours in its own zone', () => {
    // Prepare: new-york reuses berlin's hours through *weekdays-9-to-6.
    const policy = loadPolicy(EXAMPLE, EXAMPLE_PATH);
    const newYork = policy.calendars.get('new-york');
    if (newYork === undefined) throw new Error('new-york calendar missing');
    // Act
    const states = [
      '2026-03-10T08:59:00-04:00',
      '2026-03-10T09:00:00-04:00',
      '2026-03-10T18:00:00-04:00',
    ].map((iso) => isOpen(Date.parse(iso), newYork));
    // Assess
    expect(states).toEqual([false, true, false]);
  });

  it.each(WHOLE_POLICIES)('$name parses, validates and compiles', ({ text }) => {
    // Prepare: the raw tier ids, read without the policy code.
    const raw = parse(text) as { tiers: { id: string }[] };
    // Act
    const policy = loadPolicy(text);
    // Assess
    expect(policy.tiers.map((t) => t.id)).toEqual(raw.tiers.map((t) => t.id));
  });

  // Partial snippets (no `version:`) cannot validate on their own; they must at least be well-formed YAML.
  if (SNIPPETS.length > 0) {
    it.each(SNIPPETS)('$name is well-formed YAML', ({ text }) => {
      // Prepare: the snippet.
      // Act
      const doc = parseDocument(text, { uniqueKeys: true });
      // Assess
      expect(doc.errors.map((e) => e.message)).toEqual([]);
    });
  }

  it('applies every default to the minimal policy', () => {
    // Prepare
    const text = read(`${FIXTURES}/valid/minimal.yaml`);
    // Act
    const policy = loadPolicy(text);
    // Assess
    const team = policy.teams.get('sales');
    expect(policy.mode).toBe('live');
    expect(team?.strategy).toBe('round_robin');
    expect(team?.mode).toBe('live');
    expect(
      team?.members.map((m) => [m.ownerId, m.weight, m.maxOpen, m.active, m.pto, m.calendar.id]),
    ).toEqual([['42', 1, 10, true, [], 'office']]);
    expect(
      policy.tiers.map((t) => [t.id, t.label, t.windowMs, t.clock, t.priority, t.onShift, t.rank]),
    ).toEqual([['all', 'all', 3_600_000, 'business', 'MEDIUM', 'required', 0]]);
    expect(policy.ladder).toEqual([
      {
        rung: 1,
        action: 'notify',
        notify: [],
        oldTask: 'complete',
        channels: ['email', 'sms'],
        windowMs: undefined,
      },
    ]);
    expect(policy.doc.escalation.verifyInHubSpot).toBe(true);
    expect(policy.doc.touch.activities).toEqual(['call', 'email']);
    expect(policy.doc.calendars.office?.holidays).toEqual([]);
    expect(policy.recycle).toEqual({ minAttempts: 6, minSpanMs: 864_000_000 });
  });

  it('keeps the shadow mode, sub-second windows and per-team overrides of the follow-the-sun policy', () => {
    // Prepare
    const text = read(`${FIXTURES}/valid/follow-the-sun.yaml`);
    // Act
    const policy = loadPolicy(text);
    // Assess
    expect(policy.mode).toBe('shadow');
    expect([policy.teams.get('amer-nights')?.mode, policy.teams.get('emea-day')?.mode]).toEqual([
      'shadow',
      'live',
    ]);
    expect(policy.tierById.get('partial')?.windowMs).toBe(500);
    expect(policy.tierById.get('warm')?.windowMs).toBe(100_800_000);
    expect(policy.queues.get('triage')).toEqual({
      id: 'triage',
      label: 'Triage',
      ownerId: '900',
      calendar: policy.calendars.get('desk-24h'),
    });
    expect(policy.queues.get('breach')?.calendar).toBe(policy.calendars.get('emea'));
    expect(policy.ladder.map((r) => r.windowMs)).toEqual([undefined, 1_800_000, undefined]);
    expect(policy.freeMailDomains).toEqual(new Set(['gmail.com']));
  });
});

interface Case {
  name: string;
  edits: Edit[];
  issues: PolicyIssue[];
}

const CASES: Case[] = [
  {
    name: 'a wrong type deep inside',
    edits: [[['teams', 'emea-sdr', 'members', 2, 'maxOpen'], 'lots']],
    issues: [{ path: 'teams.emea-sdr.members[2].maxOpen', message: 'expected a positive integer' }],
  },
  {
    name: 'a zero where a positive integer belongs',
    edits: [[['teams', 'na-sdr', 'members', 0, 'weight'], 0]],
    issues: [{ path: 'teams.na-sdr.members[0].weight', message: 'expected a positive integer' }],
  },
  {
    name: 'an unknown field (typo)',
    edits: [[['teams', 'na-sdr', 'strategey'], 'weighted']],
    issues: [{ path: 'teams.na-sdr.strategey', message: 'unknown field' }],
  },
  {
    name: 'an unknown top-level field',
    edits: [[['routng'], {}]],
    issues: [{ path: 'routng', message: 'unknown field' }],
  },
  {
    name: 'a missing required field',
    edits: [[['tiers', 0, 'window'], REMOVE]],
    issues: [{ path: 'tiers[0].window', message: 'is required' }],
  },
  {
    name: 'a member without a name',
    edits: [[['teams', 'na-sdr', 'members', 1, 'name'], REMOVE]],
    issues: [{ path: 'teams.na-sdr.members[1].name', message: 'is required' }],
  },
  {
    name: 'a wrong version',
    edits: [[['version'], 2]],
    issues: [{ path: 'version', message: 'expected 1' }],
  },
  {
    name: 'an enum value out of range',
    edits: [[['teams', 'na-sdr', 'strategy'], 'random']],
    issues: [{ path: 'teams.na-sdr.strategy', message: 'expected round_robin, weighted or least_loaded' }],
  },
  {
    name: 'a team id that is not an id',
    edits: [[['teams', 'EMEA'], { calendar: 'berlin', members: [{ ownerId: '1', name: 'A' }] }]],
    issues: [{ path: 'teams.EMEA', message: "expected a team id (a-z, 0-9, '-' or '_')" }],
  },
  {
    name: 'a rule naming a team that does not exist',
    edits: [[['routing', 'rules', 3, 'target', 'team'], 'emea-sdrs']],
    issues: [
      {
        path: 'routing.rules[3].target.team',
        message: "unknown team 'emea-sdrs' (did you mean 'emea-sdr'?)",
      },
    ],
  },
  {
    name: 'a rule naming a queue that does not exist',
    edits: [[['routing', 'rules', 6, 'target'], { queue: 'overflow' }]],
    issues: [{ path: 'routing.rules[6].target.queue', message: "unknown queue 'overflow'" }],
  },
  {
    name: 'a rule target with two destinations',
    edits: [[['routing', 'rules', 6, 'target'], { team: 'emea-sdr', queue: 'breach' }]],
    issues: [
      {
        path: 'routing.rules[6].target',
        message: 'expected exactly one of: existingOwner: true, accountOwner: true, team, owner, queue',
      },
    ],
  },
  {
    name: 'a team naming an unknown calendar',
    edits: [[['teams', 'apac-sdr', 'calendar'], 'tokyo']],
    issues: [{ path: 'teams.apac-sdr.calendar', message: "unknown calendar 'tokyo'" }],
  },
  {
    name: 'a member naming an unknown calendar',
    edits: [[['teams', 'enterprise-ae', 'members', 1, 'calendar'], 'paris']],
    issues: [{ path: 'teams.enterprise-ae.members[1].calendar', message: "unknown calendar 'paris'" }],
  },
  {
    name: 'a queue naming an unknown calendar',
    edits: [[['queues', 'breach', 'calendar'], 'paris']],
    issues: [{ path: 'queues.breach.calendar', message: "unknown calendar 'paris'" }],
  },
  {
    name: 'unknown defaults',
    edits: [
      [['defaults', 'calendar'], 'paris'],
      [['defaults', 'queue'], 'inbox'],
    ],
    issues: [
      { path: 'defaults.calendar', message: "unknown calendar 'paris'" },
      { path: 'defaults.queue', message: "unknown queue 'inbox'" },
    ],
  },
  {
    name: 'overlapping hours within a day',
    edits: [[['calendars', 'sydney', 'hours'], { mon: ['08:30-12:30', '12:00-17:30'] }]],
    issues: [{ path: 'calendars.sydney.hours.mon[1]', message: "'12:00-17:30' overlaps mon '08:30-12:30'" }],
  },
  {
    name: 'overlapping hours across midnight',
    edits: [[['calendars', 'sydney', 'hours'], { tue: ['22:00-02:00'], wed: ['01:00-09:00'] }]],
    issues: [{ path: 'calendars.sydney.hours.wed[0]', message: "'01:00-09:00' overlaps tue '22:00-02:00'" }],
  },
  {
    name: 'Sunday night overlapping Monday morning',
    edits: [[['calendars', 'sydney', 'hours'], { mon: ['05:00-09:00'], sun: ['22:00-06:00'] }]],
    issues: [{ path: 'calendars.sydney.hours.sun[0]', message: "'22:00-06:00' overlaps mon '05:00-09:00'" }],
  },
  {
    name: 'nothing for intervals that only touch, across midnight and the week boundary',
    edits: [
      [
        ['calendars', 'sydney', 'hours'],
        { mon: ['06:00-09:00', '09:00-17:00', '22:00-24:00'], tue: ['00:00-02:00'], sun: ['22:00-06:00'] },
      ],
    ],
    issues: [],
  },
  {
    name: 'intervals that are not times or are empty',
    edits: [
      [
        ['calendars', 'sydney', 'hours'],
        { mon: ['25:00-26:00', '09:00-09:00', '24:00-02:00', '10:00-12:00'] },
      ],
    ],
    issues: [
      {
        path: 'calendars.sydney.hours.mon[0]',
        message: "'25:00-26:00' is not a valid interval (hours 00-23, minutes 00-59; 24:00 only as an end)",
      },
      { path: 'calendars.sydney.hours.mon[1]', message: "'09:00-09:00' is empty" },
      {
        path: 'calendars.sydney.hours.mon[2]',
        message: "'24:00-02:00' is not a valid interval (hours 00-23, minutes 00-59; 24:00 only as an end)",
      },
    ],
  },
  {
    name: 'an interval written without leading zeros',
    edits: [[['calendars', 'sydney', 'hours', 'mon'], ['9:00-17:00']]],
    issues: [
      { path: 'calendars.sydney.hours.mon[0]', message: "expected 'HH:MM-HH:MM', e.g. '09:00-17:30'" },
    ],
  },
  {
    name: 'a calendar that never opens, and a misspelt weekday',
    edits: [[['calendars', 'sydney', 'hours'], { monday: ['09:00-17:00'] }]],
    issues: [
      { path: 'calendars.sydney.hours.monday', message: 'unknown field' },
      { path: 'calendars.sydney.hours', message: 'a calendar needs at least one open interval' },
    ],
  },
  {
    name: 'an unknown time zone',
    edits: [[['calendars', 'berlin', 'timeZone'], 'Europe/Berln']],
    issues: [{ path: 'calendars.berlin.timeZone', message: "unknown time zone 'Europe/Berln'" }],
  },
  {
    name: 'durations that do not parse or are not positive',
    edits: [
      [['tiers', 0, 'window'], '5 minutes'],
      [['tiers', 1, 'window'], 'P1M'],
      [['tiers', 3, 'window'], 'PT0S'],
      [['escalation', 'ladder', 0, 'window'], 'soon'],
      [['recycle', 'minSpan'], 'P1Y'],
    ],
    issues: [
      'tiers[0].window',
      'tiers[1].window',
      'tiers[3].window',
      'escalation.ladder[0].window',
      'recycle.minSpan',
    ].map((path) => ({ path, message: 'expected a positive ISO 8601 duration such as PT5M, PT24H or P1D' })),
  },
  {
    name: 'an unknown default and incomplete tier',
    edits: [
      [['qualification', 'defaultTier'], 'cold'],
      [['qualification', 'incompleteTier'], 'partial'],
    ],
    issues: [
      { path: 'qualification.defaultTier', message: "unknown tier 'cold'" },
      { path: 'qualification.incompleteTier', message: "unknown tier 'partial'" },
    ],
  },
  {
    name: 'an unknown queue in a park rung',
    edits: [[['escalation', 'ladder', 1, 'queue'], 'overflow']],
    issues: [{ path: 'escalation.ladder[1].queue', message: "unknown queue 'overflow'" }],
  },
  {
    name: 'a park rung without a queue',
    edits: [[['escalation', 'ladder', 1, 'queue'], REMOVE]],
    issues: [{ path: 'escalation.ladder[1].queue', message: 'a park rung needs a queue' }],
  },
  {
    name: 'a queue on a rung that does not park',
    edits: [[['escalation', 'ladder', 0, 'queue'], 'breach']],
    issues: [{ path: 'escalation.ladder[0].queue', message: 'only a park rung takes a queue' }],
  },
  {
    name: 'a backup team cycle (reported on each team in the cycle, not on a team leading into it)',
    edits: [[['teams', 'na-sdr', 'backup'], 'enterprise-ae']],
    issues: [
      { path: 'teams.na-sdr.backup', message: "backup chain from 'na-sdr' loops back on itself" },
      {
        path: 'teams.enterprise-ae.backup',
        message: "backup chain from 'enterprise-ae' loops back on itself",
      },
    ],
  },
  {
    name: 'a team that is its own backup',
    edits: [[['teams', 'emea-overflow', 'backup'], 'emea-overflow']],
    issues: [
      {
        path: 'teams.emea-overflow.backup',
        message: "backup chain from 'emea-overflow' loops back on itself",
      },
    ],
  },
  {
    name: 'an unknown backup team',
    edits: [[['teams', 'apac-sdr', 'backup'], 'apac-overflow']],
    issues: [
      {
        path: 'teams.apac-sdr.backup',
        message: "unknown team 'apac-overflow' (did you mean 'emea-overflow'?)",
      },
    ],
  },
  {
    name: 'duplicate tier, rule and member ids',
    edits: [
      [['tiers', 1, 'id'], 'hand-raiser'],
      [['routing', 'rules', 5, 'id'], 'emea'],
      [['teams', 'na-sdr', 'members', 2, 'ownerId'], '2001'],
    ],
    issues: [
      { path: 'tiers[1].id', message: "duplicate tier id 'hand-raiser'" },
      { path: 'routing.rules[5].id', message: "duplicate rule id 'emea'" },
      { path: 'teams.na-sdr.members[2].ownerId', message: 'owner 2001 is listed twice in this team' },
    ],
  },
  {
    name: 'a country in two regions (case-insensitive)',
    edits: [
      [
        ['regions', 'NA'],
        ['US', 'CA', 'MX', 'de'],
      ],
    ],
    issues: [{ path: 'regions.NA[3]', message: "'de' is already in region EMEA" }],
  },
  {
    name: 'invalid holiday dates',
    edits: [
      [
        ['calendars', 'sydney', 'holidays'],
        ['02-30', '2026-02-29', '13-01', '02-29', '2028-02-29'],
      ],
    ],
    issues: [
      { path: 'calendars.sydney.holidays[0]', message: "'02-30' is not a date" },
      { path: 'calendars.sydney.holidays[1]', message: "'2026-02-29' is not a date" },
      { path: 'calendars.sydney.holidays[2]', message: "'13-01' is not a date" },
    ],
  },
  {
    name: 'a holiday in the wrong format',
    edits: [[['calendars', 'sydney', 'holidays'], ['1-1']]],
    issues: [
      {
        path: 'calendars.sydney.holidays[0]',
        message: "expected 'YYYY-MM-DD' (one date) or 'MM-DD' (every year)",
      },
    ],
  },
  {
    name: 'unknown regions in matches, single and listed',
    edits: [
      [['routing', 'rules', 3, 'match'], { region: ['EMEA', 'EU'] }],
      [['tiers', 1, 'match', 1, 'region'], ['LATAM']],
    ],
    issues: [
      { path: 'tiers[1].match[1].region[0]', message: "unknown region 'LATAM' (define it under regions)" },
      { path: 'routing.rules[3].match.region[1]', message: "unknown region 'EU' (define it under regions)" },
    ],
  },
  {
    name: 'an employee range upside down',
    edits: [[['routing', 'rules', 2, 'match', 'employeesMax'], 500]],
    issues: [{ path: 'routing.rules[2].match.employeesMin', message: 'is greater than employeesMax (500)' }],
  },
  {
    name: 'PTO that ends before it starts',
    edits: [[['teams', 'emea-sdr', 'members', 2, 'pto', 0, 'to'], '2026-12-01']],
    issues: [
      {
        path: 'teams.emea-sdr.members[2].pto[0]',
        message: "'to' (2026-12-01) is before 'from' (2026-12-21)",
      },
    ],
  },
];

describe('validatePolicy reports each kind of problem at its path', () => {
  it.each(CASES)('$name', ({ edits, issues }) => {
    // Prepare
    const input = exampleWith(edits);
    // Act
    const result = validatePolicy(input);
    // Assess
    expect(result.issues).toEqual(issues);
    expect(result.policy === undefined).toBe(issues.length > 0);
  });

  it('reports schema problems and cross-reference problems together', () => {
    // Prepare: independent mistakes in different sections.
    const input = exampleWith([
      [['teams', 'emea-sdr', 'members', 2, 'maxOpen'], 'lots'],
      [['teams', 'na-sdr', 'strategey'], 'weighted'],
      [['tiers', 0, 'window'], REMOVE],
      [['routing', 'rules', 3, 'target', 'team'], 'emea-sdrs'],
      [['calendars', 'berlin', 'timeZone'], 'Europe/Berln'],
      [['escalation', 'ladder', 1, 'queue'], REMOVE],
      [
        ['regions', 'NA'],
        ['US', 'CA', 'MX', 'DE'],
      ],
    ]);
    // Act
    const { issues, policy } = validatePolicy(input);
    // Assess
    expect(policy).toBeUndefined();
    expect(issues).toEqual([
      { path: 'tiers[0].window', message: 'is required' },
      { path: 'teams.emea-sdr.members[2].maxOpen', message: 'expected a positive integer' },
      { path: 'teams.na-sdr.strategey', message: 'unknown field' },
      { path: 'calendars.berlin.timeZone', message: "unknown time zone 'Europe/Berln'" },
      { path: 'regions.NA[3]', message: "'DE' is already in region EMEA" },
      {
        path: 'routing.rules[3].target.team',
        message: "unknown team 'emea-sdrs' (did you mean 'emea-sdr'?)",
      },
      { path: 'escalation.ladder[1].queue', message: 'a park rung needs a queue' },
    ]);
  });

  it('still runs the cross-reference checks when a part of the file has the wrong shape', () => {
    // Prepare: holidays written as a string, a rung that is not an object, and an unknown team elsewhere.
    const input = exampleWith([
      [['calendars', 'sydney', 'holidays'], '01-01'],
      [['escalation', 'ladder', 0], null],
      [['routing', 'rules', 3, 'target', 'team'], 'emea-sdrs'],
      [['teams', 'apac-sdr', 'calendar'], 'tokyo'],
    ]);
    // Act
    const { issues } = validatePolicy(input);
    // Assess
    expect(issues).toEqual([
      { path: 'calendars.sydney.holidays', message: 'expected array' },
      { path: 'escalation.ladder[0]', message: 'expected object' },
      {
        path: 'routing.rules[3].target.team',
        message: "unknown team 'emea-sdrs' (did you mean 'emea-sdr'?)",
      },
      { path: 'teams.apac-sdr.calendar', message: "unknown calendar 'tokyo'" },
    ]);
  });

  it('returns the validated policy and no issues for the example', () => {
    // Prepare
    const input = exampleWith([]);
    // Act
    const { issues, policy } = validatePolicy(input);
    // Assess
    expect(issues).toEqual([]);
    expect(policy?.version).toBe(1);
  });
});

describe('parsePolicy', () => {
  it('throws one PolicyError listing every problem of a file with its path and line', () => {
    // Prepare
    const text = read(`${FIXTURES}/invalid/many-problems.yaml`);
    // Act
    const error = policyErrorOf(() => parsePolicy(text, 'many-problems.yaml'));
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PolicyError');
    expect(error.issues).toEqual([
      {
        path: 'tiers[0].window',
        message: 'expected a positive ISO 8601 duration such as PT5M, PT24H or P1D',
        line: 20,
      },
      { path: 'teams.emea-sdr.members[2].maxOpen', message: 'expected a positive integer', line: 39 },
      { path: 'teams.emea-sdr.membres', message: 'unknown field', line: 35 },
      { path: 'teams.overflow.members[0].ownerId', message: 'is required', line: 44 },
      { path: 'calendars.office.timeZone', message: "unknown time zone 'Europe/Berln'", line: 11 },
      {
        path: 'calendars.office.hours.mon[1]',
        message: "'12:00-18:00' overlaps mon '09:00-13:00'",
        line: 13,
      },
      {
        path: 'calendars.office.hours.sun[0]',
        message: "'20:00-09:30' overlaps mon '09:00-13:00'",
        line: 16,
      },
      {
        path: 'calendars.office.hours.wed[0]',
        message: "'01:00-09:00' overlaps tue '22:00-02:00'",
        line: 15,
      },
      { path: 'calendars.office.holidays[0]', message: "'02-30' is not a date", line: 17 },
      { path: 'tiers[1].id', message: "duplicate tier id 'fast'", line: 21 },
      { path: 'qualification.incompleteTier', message: "unknown tier 'partial'", line: 25 },
      { path: 'regions.DACH[0]', message: "'de' is already in region EMEA", line: 8 },
      {
        path: 'routing.rules[0].target.team',
        message: "unknown team 'emea-sdrs' (did you mean 'emea-sdr'?)",
        line: 30,
      },
      {
        path: 'teams.emea-sdr.backup',
        message: "backup chain from 'emea-sdr' loops back on itself",
        line: 34,
      },
      { path: 'teams.emea-sdr.members[1].calendar', message: "unknown calendar 'paris'", line: 38 },
      {
        path: 'teams.overflow.calendar',
        message: "unknown calendar 'offices' (did you mean 'office'?)",
        line: 41,
      },
      {
        path: 'teams.overflow.backup',
        message: "backup chain from 'overflow' loops back on itself",
        line: 42,
      },
      { path: 'escalation.ladder[0].queue', message: 'a park rung needs a queue', line: 49 },
      { path: 'escalation.ladder[1].queue', message: "unknown queue 'breach'", line: 51 },
    ]);
  });

  it('puts every problem, its path and its line in the message', () => {
    // Prepare
    const text = read(`${FIXTURES}/invalid/many-problems.yaml`);
    // Act
    const error = policyErrorOf(() => parsePolicy(text, 'many-problems.yaml'));
    // Assess
    expect(error.message).toBe(
      [
        'many-problems.yaml: invalid policy, 19 problems:',
        '  tiers[0].window (line 20): expected a positive ISO 8601 duration such as PT5M, PT24H or P1D',
        '  teams.emea-sdr.members[2].maxOpen (line 39): expected a positive integer',
        '  teams.emea-sdr.membres (line 35): unknown field',
        '  teams.overflow.members[0].ownerId (line 44): is required',
        "  calendars.office.timeZone (line 11): unknown time zone 'Europe/Berln'",
        "  calendars.office.hours.mon[1] (line 13): '12:00-18:00' overlaps mon '09:00-13:00'",
        "  calendars.office.hours.sun[0] (line 16): '20:00-09:30' overlaps mon '09:00-13:00'",
        "  calendars.office.hours.wed[0] (line 15): '01:00-09:00' overlaps tue '22:00-02:00'",
        "  calendars.office.holidays[0] (line 17): '02-30' is not a date",
        "  tiers[1].id (line 21): duplicate tier id 'fast'",
        "  qualification.incompleteTier (line 25): unknown tier 'partial'",
        "  regions.DACH[0] (line 8): 'de' is already in region EMEA",
        "  routing.rules[0].target.team (line 30): unknown team 'emea-sdrs' (did you mean 'emea-sdr'?)",
        "  teams.emea-sdr.backup (line 34): backup chain from 'emea-sdr' loops back on itself",
        "  teams.emea-sdr.members[1].calendar (line 38): unknown calendar 'paris'",
        "  teams.overflow.calendar (line 41): unknown calendar 'offices' (did you mean 'office'?)",
        "  teams.overflow.backup (line 42): backup chain from 'overflow' loops back on itself",
        '  escalation.ladder[0].queue (line 49): a park rung needs a queue',
        "  escalation.ladder[1].queue (line 51): unknown queue 'breach'",
      ].join('\n'),
    );
  });

  it('reports a YAML syntax error with its line', () => {
    // Prepare: line 4 nests a mapping in a compact one (inline: Biome refuses to check a broken .yaml file).
    const text = 'version: 1\ndefaults:\n  calendar: office\n  queue: unassigned: triage\ncalendars: {}\n';
    // Act
    const error = policyErrorOf(() => parsePolicy(text, 'yaml-syntax.yaml'));
    // Assess
    expect(error.issues).toEqual([
      { path: '', message: 'YAML: Nested mappings are not allowed in compact mappings', line: 4 },
    ]);
    expect(error.message).toBe(
      'yaml-syntax.yaml: invalid policy, 1 problem:\n  (root) (line 4): YAML: Nested mappings are not allowed in compact mappings',
    );
  });

  it('reports a tab used as indentation with its line', () => {
    // Prepare
    const text = 'version: 1\ndefaults:\n\tcalendar: office\n';
    // Act
    const error = policyErrorOf(() => parsePolicy(text));
    // Assess
    expect(error.issues).toEqual([
      { path: '', message: 'YAML: Tabs are not allowed as indentation', line: 3 },
    ]);
  });

  it('reports a team (or any map key) defined twice with the line of the second one', () => {
    // Prepare: emea-sdr is on lines 3 and 5.
    const text = read(`${FIXTURES}/invalid/duplicate-keys.yaml`);
    // Act
    const error = policyErrorOf(() => parsePolicy(text));
    // Assess
    expect(error.issues).toEqual([{ path: '', message: 'YAML: Map keys must be unique', line: 5 }]);
  });

  it('points a problem in the example file at its line', () => {
    // Prepare: Alex Kim's maxOpen made invalid.
    const text = EXAMPLE.replace('maxOpen: 5 }', 'maxOpen: -5 }');
    const line = text.split('\n').findIndex((l) => l.includes('maxOpen: -5 }')) + 1;
    // Act
    const error = policyErrorOf(() => parsePolicy(text, EXAMPLE_PATH));
    // Assess
    expect(line).toBe(161);
    expect(error.issues).toEqual([
      { path: 'teams.na-sdr.members[2].maxOpen', message: 'expected a positive integer', line: 161 },
    ]);
  });

  it('points a missing field at the line of its parent', () => {
    // Prepare: the first tier loses its window; the tier (`- id: hand-raiser`) starts on line 56 of the example.
    const text = EXAMPLE.replace('    window: PT5M\n', '');
    // Act
    const error = policyErrorOf(() => parsePolicy(text));
    // Assess
    expect(error.issues).toEqual([{ path: 'tiers[0].window', message: 'is required', line: 56 }]);
  });

  it('refuses an empty file', () => {
    // Prepare
    const text = '';
    // Act
    const error = policyErrorOf(() => parsePolicy(text, 'empty.yaml'));
    // Assess
    expect(error.issues).toEqual([{ path: '', message: 'expected object', line: undefined }]);
    expect(error.message).toBe('empty.yaml: invalid policy, 1 problem:\n  (root): expected object');
  });

  it('is what loadPolicy throws for a bad file', () => {
    // Prepare
    const text = read(`${FIXTURES}/invalid/many-problems.yaml`);
    // Act
    const error = policyErrorOf(() => loadPolicy(text, 'many-problems.yaml'));
    // Assess
    expect(error.issues).toHaveLength(19);
    expect(error.message.split('\n')[0]).toBe('many-problems.yaml: invalid policy, 19 problems:');
  });
});
