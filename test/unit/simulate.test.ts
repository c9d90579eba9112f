import { describe, expect, it } from 'vitest';
import type { LeadInput } from '../../shared/domain/lead.ts';
import {
  formatResults,
  percentile,
  type Scenario,
  type SimulationResult,
  simulate,
  staffingGrid,
  staffScenario,
  type TouchModel,
} from '../../shared/domain/simulate.ts';
import { hash32, lognormal, mulberry32, weightedIndex } from '../../shared/domain/simulate-random.ts';
import { renderReport } from '../../shared/domain/simulate-report.ts';
import {
  DEFAULT_ARRIVAL,
  DEFAULT_MIX,
  generateLeads,
  type SyntheticStream,
} from '../../shared/domain/simulate-stream.ts';
import { basePolicy, examplePolicy, member, type PolicyObject } from '../helpers/policy-builder.ts';

const MIN = 60_000;
const example = examplePolicy();

/** A lead submitted at `iso`. */
function lead(iso: string, overrides: Partial<LeadInput> = {}): LeadInput {
  return {
    email: 'jane@acme.example',
    channel: 'form',
    intent: 'demo',
    submittedAt: iso,
    partial: false,
    ...overrides,
  };
}

/** One team `sales` of `reps` members on the always-open calendar, a 5-minute tier, and `ladder`. */
function tinyScenario(opts: {
  reps?: number;
  ladder?: PolicyObject[];
  maxOpen?: number;
  touchMs?: number;
}): Scenario {
  const reps = opts.reps ?? 1;
  const policy = basePolicy({
    tiers: [{ id: 'standard', window: 'PT5M' }],
    teams: {
      sales: {
        calendar: 'round-the-clock',
        members: Array.from({ length: reps }, (_, i) =>
          member(String(i + 1), { maxOpen: opts.maxOpen ?? 10 }),
        ),
      },
    },
    ...(opts.ladder ? { escalation: { ladder: opts.ladder } } : {}),
  });
  return { label: 'tiny', policy, touch: { medianMs: opts.touchMs ?? 4 * MIN, sigma: 0 } };
}

/** Three leads a minute apart from Monday 10:00 UTC. */
const THREE_LEADS = [
  lead('2026-11-23T10:00:00Z'),
  lead('2026-11-23T10:01:00Z'),
  lead('2026-11-23T10:02:00Z'),
];

const at = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00Z`);

describe('simulate: hand-checkable scenarios', () => {
  it('one rep, 4-minute touches, a notify rung: the first lead is met, the next two touched late', () => {
    // Prepare
    const scenario = tinyScenario({
      ladder: [
        { action: 'notify', notify: ['rep'], window: 'PT10M' },
        { action: 'park', queue: 'breach' },
      ],
    });

    // Act
    const r = simulate(scenario, THREE_LEADS, { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.touchedAt, o.wallMs, o.businessMs, o.breaches])).toEqual([
      ['met', at('10:04'), 4 * MIN, 4 * MIN, 0],
      ['late', at('10:08'), 7 * MIN, 7 * MIN, 1],
      ['late', at('10:12'), 10 * MIN, 10 * MIN, 1],
    ]);
    expect(r.overall).toEqual({
      leads: 3,
      met: 1,
      late: 2,
      parked: 0,
      open: 0,
      breaches: 2,
      queued: 0,
      attainment: 1 / 3,
      medianBusinessMs: 7 * MIN,
      p90BusinessMs: 10 * MIN,
      medianWallMs: 7 * MIN,
      p90WallMs: 10 * MIN,
    });
  });

  it('one rep, reassign then park: nobody else is eligible, so both breached leads are parked', () => {
    // Prepare
    const scenario = tinyScenario({});

    // Act
    const r = simulate(scenario, THREE_LEADS, { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.owners, o.breaches])).toEqual([
      ['met', ['1'], 0],
      ['parked', ['1'], 1],
      ['parked', ['1'], 1],
    ]);
    expect([r.overall.met, r.overall.parked, r.overall.breaches, r.overall.attainment]).toEqual([
      1,
      2,
      2,
      1 / 3,
    ]);
    expect(r.teams.map((t) => [t.team, t.leads, t.met, t.parked])).toEqual([['sales', 3, 1, 2]]);
  });

  it('two reps, round robin: the third lead breaches with rep 1 and is reassigned to rep 2, never back', () => {
    // Prepare
    const scenario = tinyScenario({ reps: 2 });

    // Act
    const r = simulate(scenario, THREE_LEADS, { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.owners, o.touchedBy, o.touchedAt])).toEqual([
      ['met', ['1'], '1', at('10:04')],
      ['met', ['2'], '2', at('10:05')],
      ['late', ['1', '2'], '2', at('10:11')],
    ]);
    expect([r.overall.met, r.overall.late, r.overall.breaches, r.overall.parked]).toEqual([2, 1, 1, 0]);
  });

  it('a reassign rung with nobody eligible falls through to the next rung: notify keeps the owner', () => {
    // Prepare
    const scenario = tinyScenario({
      ladder: [
        { action: 'reassign', notify: ['rep'] },
        { action: 'notify', notify: ['manager'], window: 'PT10M' },
        { action: 'park', queue: 'breach' },
      ],
    });

    // Act
    const r = simulate(scenario, THREE_LEADS, { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.owners, o.touchedAt, o.breaches])).toEqual([
      ['met', ['1'], at('10:04'), 0],
      ['late', ['1'], at('10:08'), 1],
      ['late', ['1'], at('10:12'), 1],
    ]);
  });

  it('a notify rung parks a queued lead when the queue has no owner to keep it', () => {
    // Prepare
    const scenario = tinyScenario({
      maxOpen: 1,
      ladder: [
        { action: 'notify', notify: ['manager'] },
        { action: 'park', queue: 'breach' },
      ],
    });
    const policy = basePolicy({
      tiers: [{ id: 'standard', window: 'PT5M' }],
      teams: { sales: { calendar: 'round-the-clock', members: [member('1', { maxOpen: 1 })] } },
      queues: { unassigned: {}, breach: {} },
      escalation: scenario.policy.doc.escalation,
    });

    // Act
    const r = simulate({ ...scenario, policy }, THREE_LEADS.slice(0, 2), { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.queued, o.owners, o.breaches])).toEqual([
      ['met', false, ['1'], 0],
      ['parked', true, [], 1],
    ]);
  });

  it('a touch frees the open-lead slot: with a cap of 1, a lead arriving while one is open is queued', () => {
    // Prepare
    const scenario = tinyScenario({ maxOpen: 1 });
    const leads = [lead('2026-11-23T10:00:00Z'), lead('2026-11-23T10:05:00Z'), lead('2026-11-23T10:06:00Z')];

    // Act
    const r = simulate(scenario, leads, { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.queued, o.status, o.owners])).toEqual([
      [false, 'met', ['1']],
      [false, 'met', ['1']],
      // Queued at capture; at its deadline the ladder reroutes it to rep 1, who is free again by then.
      [true, 'late', ['1']],
    ]);
    expect(r.teams.map((t) => [t.team, t.queued])).toEqual([['sales', 1]]);
  });

  it('off hours: the rep starts at opening, so business and wall speed to lead differ', () => {
    // Prepare: UTC office hours 09–17, a 1-hour tier that routes to whoever is on duty next.
    const policy = basePolicy({
      tiers: [{ id: 'standard', window: 'PT1H', onShift: 'preferred' }],
      teams: { sales: { calendar: 'utc', members: [member('1')] } },
    });
    const scenario: Scenario = { label: 'night', policy, touch: { medianMs: 10 * MIN, sigma: 0 } };

    // Act
    const r = simulate(scenario, [lead('2026-11-23T08:00:00Z')], { seed: 1 });

    // Assess
    expect(r.outcomes.map((o) => [o.status, o.firstDueAt, o.touchedAt, o.wallMs, o.businessMs])).toEqual([
      ['met', at('10:00'), at('09:10'), 70 * MIN, 10 * MIN],
    ]);
    expect(r.byHour[8]).toEqual({ leads: 1, met: 1 });
    expect(r.histogram).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('simulate: determinism and staffing', () => {
  const stream: SyntheticStream = {
    leads: 400,
    days: 3,
    start: '2026-11-23',
    arrival: DEFAULT_ARRIVAL,
    mix: DEFAULT_MIX,
  };
  const base: Scenario = { label: 'example', policy: example, touch: { medianMs: 3 * MIN, sigma: 0.6 } };

  it('the same seed gives identical leads and results; another seed a different stream', () => {
    // Prepare
    const leadsA = generateLeads(example, stream, 42);

    // Act
    const first = simulate(base, leadsA, { seed: 42 });
    const second = simulate(base, generateLeads(example, stream, 42), { seed: 42 });
    const leadsB = generateLeads(example, stream, 43);
    const other = simulate(base, leadsB, { seed: 43 });

    // Assess
    expect(generateLeads(example, stream, 42)).toEqual(leadsA);
    expect(second).toEqual(first);
    expect(leadsB.map((l) => l.submittedAt)).not.toEqual(leadsA.map((l) => l.submittedAt));
    expect(other.outcomes.map((o) => o.touchedAt)).not.toEqual(first.outcomes.map((o) => o.touchedAt));
  });

  it('the seed alone changes handling times: same leads, different seed, different touches', () => {
    // Prepare
    const leads = generateLeads(example, stream, 5);

    // Act
    const a = simulate(base, leads, { seed: 5 });
    const b = simulate(base, leads, { seed: 6 });

    // Assess
    expect(b.outcomes.map((o) => o.touchedAt)).not.toEqual(a.outcomes.map((o) => o.touchedAt));
  });

  it('more reps never lower attainment on a simple always-open team', () => {
    // Prepare
    const policy = basePolicy({
      tiers: [{ id: 'standard', window: 'PT5M' }],
      teams: { sales: { calendar: 'round-the-clock', members: [member('1')] } },
    });
    const flat: SyntheticStream = {
      leads: 600,
      days: 2,
      start: '2026-11-23',
      arrival: { hourWeights: Array.from({ length: 24 }, () => 1), weekendFactor: 1 },
      mix: DEFAULT_MIX,
    };
    const leads = generateLeads(policy, flat, 7);
    const touch: TouchModel = { medianMs: 3 * MIN, sigma: 0.6 };

    // Act
    const attainment = [1, 2, 3, 4, 5].map(
      (k) =>
        simulate(staffScenario({ label: 'x', policy, touch }, { sales: k }), leads, { seed: 7 }).overall
          .attainment ?? 0,
    );

    // Assess
    for (let k = 1; k < attainment.length; k++)
      expect(attainment[k]).toBeGreaterThanOrEqual(attainment[k - 1] ?? 1);
    expect(attainment[4]).toBeGreaterThan(attainment[0] ?? 1);
  });

  it('staffScenario clones the first member of the team K times and labels the run', () => {
    // Prepare
    const scenario: Scenario = { ...base, touch: { ...base.touch, medianByOwner: { '2001': 2 * MIN } } };

    // Act
    const staffed = staffScenario(scenario, { 'na-sdr': 4 });

    // Assess
    const team = staffed.policy.teams.get('na-sdr');
    const first = example.teams.get('na-sdr')?.members[0];
    expect(staffed.label).toBe('na-sdr=4');
    expect(team?.members.map((m) => [m.ownerId, m.weight, m.maxOpen, m.calendar, m.pto])).toEqual(
      [1, 2, 3, 4].map((i) => [`na-sdr-sim-${i}`, first?.weight, first?.maxOpen, first?.calendar, []]),
    );
    expect(staffed.touch.medianByOwner?.['na-sdr-sim-3']).toBe(2 * MIN);
    expect(example.teams.get('na-sdr')?.members).toHaveLength(3);
    expect(() => staffScenario(scenario, { nope: 2 })).toThrow(RangeError);
    expect(() => staffScenario(scenario, { 'na-sdr': 0 })).toThrow(RangeError);
  });

  it('staffingGrid runs every combination in order', () => {
    // Prepare
    const values = { 'emea-sdr': [2, 3], 'na-sdr': [4, 5] };

    // Act
    const grid = staffingGrid(values);

    // Assess
    expect(grid).toEqual([
      { 'emea-sdr': 2, 'na-sdr': 4 },
      { 'emea-sdr': 2, 'na-sdr': 5 },
      { 'emea-sdr': 3, 'na-sdr': 4 },
      { 'emea-sdr': 3, 'na-sdr': 5 },
    ]);
  });
});

describe('generateLeads', () => {
  it('reads the arrival hour in the local time of the team the lead routes to', () => {
    // Prepare: APAC only, everyone small (so the enterprise rule never applies), all at 10:00 local.
    const stream: SyntheticStream = {
      leads: 50,
      days: 2,
      start: '2026-11-23',
      arrival: { hourWeights: Array.from({ length: 24 }, (_, h) => (h === 10 ? 1 : 0)), weekendFactor: 0 },
      mix: { ...DEFAULT_MIX, intents: { demo: 1 }, regions: { APAC: 1 }, enterpriseShare: 0 },
    };

    // Act
    const leads = generateLeads(example, stream, 3);

    // Assess
    const sydney = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Australia/Sydney',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    expect(new Set(leads.map((l) => sydney.format(new Date(l.submittedAt))))).toEqual(new Set(['10']));
    expect(new Set(leads.map((l) => l.intent))).toEqual(new Set(['demo']));
    expect(leads.map((l) => l.submittedAt)).toEqual(leads.map((l) => l.submittedAt).sort());
    expect(leads).toHaveLength(50);
  });

  it('refuses a curve without 24 weights and an unknown region', () => {
    // Prepare
    const stream: SyntheticStream = {
      leads: 1,
      days: 1,
      start: '2026-11-23',
      arrival: DEFAULT_ARRIVAL,
      mix: DEFAULT_MIX,
    };

    // Act
    const badCurve = () =>
      generateLeads(example, { ...stream, arrival: { hourWeights: [1], weekendFactor: 0 } }, 1);
    const badRegion = () =>
      generateLeads(example, { ...stream, mix: { ...DEFAULT_MIX, regions: { LATAM: 1 } } }, 1);

    // Assess
    expect(badCurve).toThrow('arrival: expected 24 hourly weights');
    expect(badRegion).toThrow("regions: 'LATAM' is not a region of the policy");
  });
});

describe('simulate-random', () => {
  it('mulberry32 repeats for a seed; hash32 separates keys; lognormal with sigma 0 is the median', () => {
    // Prepare
    const draw = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));

    // Act
    const a = draw(1);
    const b = draw(1);
    const c = draw(2);

    // Assess
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
    expect(lognormal(mulberry32(9), 180_000, 0)).toBe(180_000);
  });

  it('weightedIndex never picks a zero weight', () => {
    // Prepare
    const pick = weightedIndex([0, 2, 0, 1, 0]);
    const rand = mulberry32(11);

    // Act
    const picks = new Set(Array.from({ length: 500 }, () => pick(rand)));

    // Assess
    expect(picks).toEqual(new Set([1, 3]));
  });

  it('percentile is nearest-rank', () => {
    // Prepare
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    // Act
    const p = [percentile(values, 0.5), percentile(values, 0.9), percentile([], 0.5), percentile([7], 0.9)];

    // Assess
    expect(p).toEqual([5, 9, undefined, 7]);
  });
});

describe('reports', () => {
  const runs: SimulationResult[] = [1, 2].map((k) =>
    simulate(staffScenario(tinyScenario({}), { sales: k }), THREE_LEADS, { seed: 1 }),
  );

  it('the HTML report is self-contained, with both charts and every run label', () => {
    // Prepare
    const details = [['seed', '1']] as const;

    // Act
    const html = renderReport([...runs, { ...runs[0], label: 'a<b' } as SimulationResult], details);

    // Assess
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('class="chart hour-chart"');
    expect(html).toContain('class="chart stl-chart"');
    expect(html.match(/<g class="run" data-run="sales=1">/g)).toHaveLength(2);
    expect(html.match(/<g class="run" data-run="sales=2">/g)).toHaveLength(2);
    expect(html).toContain('a&#60;b');
    expect(html).not.toContain('a<b');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    expect(html).toContain('<dt>seed</dt><dd>1</dd>');
  });

  it('the text tables show each run and a comparison', () => {
    // Prepare
    const [one, two] = runs as [SimulationResult, SimulationResult];

    // Act
    const text = formatResults([one, two]);

    // Assess
    expect(text.split('\n')).toEqual([
      'run: sales=1 (seed 1)',
      'team   leads  met  attainment  median biz  p90 biz  median wall  p90 wall  breaches  parked  queued',
      '-----  -----  ---  ----------  ----------  -------  -----------  --------  --------  ------  ------',
      'sales      3    1       33.3%          4m       4m           4m        4m         2       2       0',
      'all        3    1       33.3%          4m       4m           4m        4m         2       2       0',
      '',
      'run: sales=2 (seed 1)',
      'team   leads  met  attainment  median biz  p90 biz  median wall  p90 wall  breaches  parked  queued',
      '-----  -----  ---  ----------  ----------  -------  -----------  --------  --------  ------  ------',
      'sales      3    2       66.7%          4m       9m           4m        9m         1       0       0',
      'all        3    2       66.7%          4m       9m           4m        9m         1       0       0',
      '',
      'comparison (attainment per team on the right)',
      'run      attainment  median biz  p90 biz  breaches  parked  sales',
      '-------  ----------  ----------  -------  --------  ------  -----',
      'sales=1       33.3%          4m       4m         2       2  33.3%',
      'sales=2       66.7%          4m       9m         1       0  66.7%',
    ]);
  });
});
