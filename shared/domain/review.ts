/**
 * The monthly review (issue 18, the practice's "Measure → Improve"): one month of leads, read in the
 * policy's time zone, turned into what a RevOps lead reviews once a month. SLA attainment and breach
 * recovery by team, tier and hour; top reject and recycle reasons by source; misroutes and premature
 * recycles; speed-to-lead buckets against contact and meeting rates; a staffing what-if per team from the
 * simulator, calibrated on the month's own arrivals and handling times; and, for a pilot, whether the one
 * chosen metric moved against a baseline period. Pure: time and data are parameters.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Policy } from './compile.ts';
import {
  computeKpis,
  computeKpisBy,
  type GroupBy,
  groupKey,
  type KpiGroup,
  type KpiLead,
  type KpiReport,
  type Kpis,
  quantile,
  type ReasonCount,
  SPEED_BUCKETS,
} from './kpi.ts';
import type { LeadInput } from './lead.ts';
import { type Scenario, type SimulationResult, simulate, staffScenario } from './simulate.ts';

/** A lead as the review reads it: the KPI fields, plus the normalised input to replay in the what-if. */
export type ReviewLead = KpiLead & { input: KpiLead['input'] & Partial<LeadInput> };

/** Metrics a pilot can be judged on: rates compare proportions, durations compare distributions. */
export const PILOT_METRICS = {
  slaAttainment: { kind: 'rate', better: 'higher' },
  breachRate: { kind: 'rate', better: 'lower' },
  contactRate: { kind: 'rate', better: 'higher' },
  meetingsPer100: { kind: 'rate', better: 'higher' },
  acceptanceRate: { kind: 'rate', better: 'higher' },
  speedWallMedianMs: { kind: 'duration', better: 'lower' },
  speedBusinessMedianMs: { kind: 'duration', better: 'lower' },
  timeToMeetingMedianMs: { kind: 'duration', better: 'lower' },
} as const;

/** A metric a pilot is judged on. */
export type PilotMetric = keyof typeof PILOT_METRICS;

/** A pilot to read out: the segment it ran on, the baseline period's leads, and the one chosen metric. */
export interface PilotQuery {
  segment: { groupBy: Exclude<GroupBy, 'none'>; key: string };
  metric: PilotMetric;
  baselineLabel: string;
  baseline: readonly ReviewLead[];
}

/** What to review. */
export interface ReviewQuery {
  /** `YYYY-MM`. */
  month: string;
  /** IANA zone the month, hours and weekdays are read in (the policy's default calendar). */
  zone: string;
  now: Date;
  recycle?: { minAttempts: number; minSpanMs: number };
  /** Attainment a team should reach; the staffing suggestion aims at it. Default 0.9. */
  target?: number;
  /** The policy the what-if replays the month through; no staffing section without it. */
  policy?: Policy;
  /** Seed of the what-if runs. */
  seed?: number;
  pilot?: PilotQuery;
}

/** Attainment in one bucket of the clock. */
export interface ClockBucket {
  key: number;
  leads: number;
  slaDue: number;
  slaMet: number;
  breached: number;
  attainment: number | null;
}

/** Reasons given in one source (channel). */
export interface SourceReasons {
  source: string;
  rejected: ReasonCount[];
  recycled: ReasonCount[];
}

/** A speed bucket against what it led to. */
export interface SpeedRow {
  bucket: string;
  leads: number;
  contactRate: number | null;
  meetingsPer100: number | null;
  wonRevenuePerLead: number | null;
}

/** One staffing level of a team in the what-if. */
export interface StaffingRun {
  reps: number;
  leads: number;
  attainment: number | null;
  medianWallMs: number | null;
}

/** A team's staffing what-if, and the one suggestion it leads to. */
export interface StaffingAdvice {
  team: string;
  reps: number;
  /** The week replayed: the month's busiest 7 days. */
  window: { from: string; to: string; leads: number };
  runs: StaffingRun[];
  suggestion: string;
}

/** Whether the pilot's chosen metric moved against the baseline. */
export interface PilotReadout {
  segment: string;
  metric: PilotMetric;
  baselineLabel: string;
  pilot: { leads: number; value: number | null };
  baseline: { leads: number; value: number | null };
  /** pilot − baseline, in the metric's unit (ratio or ms). */
  change: number | null;
  /** Two-sided p-value: two-proportion z-test for rates, Mann–Whitney U for durations. */
  pValue: number | null;
  moved: boolean;
  verdict: string;
  /** The same KPIs side by side. */
  kpis: { pilot: Kpis; baseline: Kpis };
}

/** The month's review. */
export interface Review {
  month: string;
  zone: string;
  from: string;
  to: string;
  now: string;
  target: number;
  total: Kpis;
  byTeam: KpiGroup[];
  byTier: KpiGroup[];
  byHour: ClockBucket[];
  byWeekday: ClockBucket[];
  reasonsBySource: SourceReasons[];
  speed: SpeedRow[];
  staffing: StaffingAdvice[];
  pilot?: PilotReadout;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month's [from, to) in `zone`; throws a RangeError naming the bad part. */
export function monthRange(month: string, zone: string): { from: Date; to: Date } {
  if (!MONTH.test(month)) throw new RangeError(`month: expected YYYY-MM, got '${month}'`);
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`zone: '${zone}' is not an IANA time zone`);
  const start = DateTime.fromISO(`${month}-01T00:00:00`, { zone });
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

/** Builds the review of `q.month` over `leads` (leads outside the month are ignored). */
export function buildReview(leads: readonly ReviewLead[], q: ReviewQuery): Review {
  const { from, to } = monthRange(q.month, q.zone);
  const f = from.getTime();
  const t = to.getTime();
  const inMonth = leads.filter((l) => {
    const s = Date.parse(l.submittedAt);
    return s >= f && s < t;
  });
  const base = { from, to, now: q.now, ...(q.recycle ? { recycle: q.recycle } : {}) };
  const [byTeam, byTier, byChannel, bySpeed] = computeKpisBy(inMonth, base, [
    { groupBy: 'team' },
    { groupBy: 'tier' },
    { groupBy: 'channel' },
    { groupBy: 'speed', keys: SPEED_BUCKETS },
  ]) as [KpiReport, KpiReport, KpiReport, KpiReport];
  const total = byTeam.total;
  const target = q.target ?? 0.9;
  const speed = bySpeed.groups.map((g) => ({
    bucket: g.key,
    leads: g.kpis.leads,
    contactRate: g.kpis.contactRate,
    meetingsPer100: g.kpis.meetingsPer100,
    wonRevenuePerLead: g.kpis.wonRevenuePerLead,
  }));
  speed.sort((a, b) => SPEED_BUCKETS.indexOf(a.bucket as never) - SPEED_BUCKETS.indexOf(b.bucket as never));
  const review: Review = {
    month: q.month,
    zone: q.zone,
    from: from.toISOString(),
    to: to.toISOString(),
    now: q.now.toISOString(),
    target,
    total,
    byTeam: byTeam.groups,
    byTier: byTier.groups,
    byHour: clockBuckets(inMonth, q, 24, (d) => d.hour),
    byWeekday: clockBuckets(inMonth, q, 7, (d) => d.weekday - 1),
    reasonsBySource: byChannel.groups
      .filter((g) => g.kpis.rejected + g.kpis.recycled > 0)
      .map((g) => ({ source: g.key, rejected: g.kpis.rejectReasons, recycled: g.kpis.recycleReasons })),
    speed,
    staffing: q.policy ? staffingWhatIf(inMonth, q.policy, target, q.seed ?? 1) : [],
  };
  if (q.pilot) review.pilot = pilotReadout(inMonth, q, q.pilot);
  return review;
}

/** Leads, due, met and breached per hour of day (or weekday, Monday = 0) of submission in the zone. */
function clockBuckets(
  leads: readonly ReviewLead[],
  q: ReviewQuery,
  n: number,
  keyOf: (d: DateTime) => number,
): ClockBucket[] {
  const now = q.now.getTime();
  const out: ClockBucket[] = Array.from({ length: n }, (_, key) => ({
    key,
    leads: 0,
    slaDue: 0,
    slaMet: 0,
    breached: 0,
    attainment: null,
  }));
  // Zone offsets are whole quarter hours, so the local hour and weekday are constant within a UTC quarter
  // hour: one zone conversion per quarter hour of the month instead of one per lead.
  const slots = new Map<number, number>();
  for (const l of leads) {
    const t = Date.parse(l.submittedAt);
    const slot = Math.floor(t / QUARTER_HOUR);
    let key = slots.get(slot);
    if (key === undefined) {
      key = keyOf(DateTime.fromMillis(slot * QUARTER_HOUR, { zone: q.zone }));
      slots.set(slot, key);
    }
    const b = out[key] as ClockBucket;
    b.leads++;
    const touched = l.firstTouchAt !== undefined;
    const breached = l.breachCount > 0;
    if (touched || breached || Date.parse(l.dueAt) <= now) {
      b.slaDue++;
      if (l.slaOutcome === 'met' || (l.slaOutcome === undefined && touched && !breached)) b.slaMet++;
    }
    if (breached) b.breached++;
  }
  for (const b of out)
    b.attainment = b.slaDue === 0 ? null : Math.round((b.slaMet / b.slaDue) * 10_000) / 10_000;
  return out;
}

const MIN = 60_000;
const DAY = 86_400_000;
const QUARTER_HOUR = 900_000;

/**
 * Replays the month's busiest week (staffing has to cover the peak, and a week keeps the what-if quick)
 * through the policy at each team's current size, one fewer and one more rep, with handling times
 * calibrated on the month (each rep's median business speed to lead, else the month's), and says for each
 * team what one change would do.
 */
function staffingWhatIf(
  leads: readonly ReviewLead[],
  policy: Policy,
  target: number,
  seed: number,
): StaffingAdvice[] {
  const inputs = busiestWeek(leads.filter(replayable).map((l) => l.input as LeadInput));
  if (inputs.length === 0) return [];
  const teams = [...policy.teams.values()].filter((t) => t.members.length > 0);
  if (teams.length === 0) return [];
  const touch = calibrate(leads);
  const base: Scenario = { label: 'month', policy, touch };
  const sizes = (delta: number) =>
    Object.fromEntries(teams.map((t) => [t.id, Math.max(1, t.members.length + delta)]));
  const runs = new Map<number, SimulationResult>();
  for (const delta of [-1, 0, 1])
    runs.set(delta, simulate(staffScenario(base, sizes(delta)), inputs, { seed }));
  const window = {
    from: inputs[0]?.submittedAt as string,
    to: inputs[inputs.length - 1]?.submittedAt as string,
    leads: inputs.length,
  };
  return teams.map((team) => {
    const row = (delta: number): StaffingRun => {
      const stats = runs.get(delta)?.teams.find((s) => s.team === team.id);
      return {
        reps: Math.max(1, team.members.length + delta),
        leads: stats?.leads ?? 0,
        attainment: stats?.attainment === undefined ? null : Math.round(stats.attainment * 10_000) / 10_000,
        medianWallMs: stats?.medianWallMs ?? null,
      };
    };
    const list = [row(-1), row(0), row(1)].filter(
      (r, i, all) => all.findIndex((x) => x.reps === r.reps) === i,
    );
    return {
      team: team.id,
      reps: team.members.length,
      window,
      runs: list,
      suggestion: advise(team.id, team.members.length, list, target),
    };
  });
}

/** The leads of the 7 consecutive days (from a day boundary, UTC) with the most arrivals, in time order. */
function busiestWeek(inputs: LeadInput[]): LeadInput[] {
  if (inputs.length === 0) return inputs;
  const sorted = inputs.map((i) => [Date.parse(i.submittedAt), i] as const).sort((a, b) => a[0] - b[0]);
  const first = Math.floor((sorted[0]?.[0] as number) / DAY) * DAY;
  let best = [0, 0];
  let lo = 0;
  for (let start = first, hi = 0; start <= (sorted[sorted.length - 1]?.[0] as number); start += DAY) {
    while (lo < sorted.length && (sorted[lo]?.[0] as number) < start) lo++;
    if (hi < lo) hi = lo;
    while (hi < sorted.length && (sorted[hi]?.[0] as number) < start + 7 * DAY) hi++;
    if (hi - lo > (best[1] as number) - (best[0] as number)) best = [lo, hi];
  }
  return sorted.slice(best[0], best[1]).map(([, i]) => i);
}

function replayable(l: ReviewLead): boolean {
  const i = l.input as Partial<LeadInput>;
  return typeof i.submittedAt === 'string' && (typeof i.email === 'string' || typeof i.phone === 'string');
}

/** The touch model of the month: each owner's median business speed to lead, else the month's median. */
function calibrate(leads: readonly ReviewLead[]): Scenario['touch'] {
  const byOwner = new Map<string, number[]>();
  const all: number[] = [];
  for (const l of leads) {
    if (l.speedMs === undefined || l.firstTouchAt === undefined) continue;
    all.push(l.speedMs);
    const owner = l.ownerId;
    if (owner) byOwner.set(owner, [...(byOwner.get(owner) ?? []), l.speedMs]);
  }
  const med = (v: number[]) => quantile(Float64Array.from(v).sort(), 0.5) ?? 3 * MIN;
  const medianByOwner: Record<string, number> = {};
  for (const [owner, v] of byOwner) medianByOwner[owner] = Math.max(1_000, med(v));
  return { medianMs: all.length ? Math.max(1_000, med(all)) : 3 * MIN, sigma: 0.6, medianByOwner };
}

const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);

/** One sentence per team, with the number behind it. */
function advise(team: string, reps: number, runs: readonly StaffingRun[], target: number): string {
  const cur = runs.find((r) => r.reps === reps) as StaffingRun;
  const more = runs[runs.length - 1] as StaffingRun;
  const fewer = runs[0] as StaffingRun;
  if (cur.leads === 0) return `${team}: no leads this month; no change suggested.`;
  const a = cur.attainment ?? 0;
  if (a < target && more.reps > cur.reps && (more.attainment ?? 0) > a) {
    return `${team}: add 1 rep (${cur.reps} → ${more.reps}): simulated attainment ${pct(a)} → ${pct(more.attainment)} against a ${pct(target)} target.`;
  }
  if (a >= target && fewer.reps < cur.reps && (fewer.attainment ?? 0) >= target) {
    return `${team}: meets the ${pct(target)} target with 1 rep fewer (${cur.reps} → ${fewer.reps}: ${pct(a)} → ${pct(fewer.attainment)}); keep the slack only for growth or PTO cover.`;
  }
  if (a >= target)
    return `${team}: staffed right: ${pct(a)} simulated attainment at ${cur.reps} reps (target ${pct(target)}).`;
  return `${team}: staffing is not the bottleneck: 1 more rep moves simulated attainment only ${pct(a)} → ${pct(more.attainment)}; look at response habits (median wall-clock speed ${cur.medianWallMs === null ? '–' : `${Math.round(cur.medianWallMs / MIN)} min`}).`;
}

/** Compares the pilot segment this month against the same segment in the baseline period. */
function pilotReadout(leads: readonly ReviewLead[], q: ReviewQuery, p: PilotQuery): PilotReadout {
  const { groupBy, key } = p.segment;
  const pick = (list: readonly ReviewLead[]) => list.filter((l) => groupKey(l, groupBy) === key);
  const pilot = pick(leads);
  const baseline = pick(p.baseline);
  // Every lead of each side counts: the sides were chosen by their loaders (the period spans them exactly).
  const kpisOf = (list: readonly ReviewLead[]) => {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const l of list) {
      const t = Date.parse(l.submittedAt);
      if (t < from) from = t;
      if (t >= to) to = t + 1;
    }
    if (list.length === 0) [from, to] = [0, 1];
    return computeKpis(list, {
      from: new Date(from),
      to: new Date(to),
      now: q.now,
      groupBy: 'none',
      ...(q.recycle ? { recycle: q.recycle } : {}),
    }).total;
  };
  const a = kpisOf(pilot);
  const b = kpisOf(baseline);
  const spec = PILOT_METRICS[p.metric];
  const value = (k: Kpis) => k[p.metric] as number | null;
  const pv = value(a);
  const bv = value(b);
  let pValue: number | null = null;
  if (spec.kind === 'rate') {
    const [x1, n1] = proportion(a, p.metric);
    const [x2, n2] = proportion(b, p.metric);
    pValue = twoProportionP(x1, n1, x2, n2);
  } else {
    pValue = mannWhitneyP(durations(pilot, p.metric), durations(baseline, p.metric));
  }
  const change = pv === null || bv === null ? null : Math.round((pv - bv) * 10_000) / 10_000;
  const improved = change !== null && (spec.better === 'higher' ? change > 0 : change < 0);
  const moved = pValue !== null && pValue < 0.05 && change !== null && change !== 0;
  const show = (v: number | null) =>
    v === null
      ? '–'
      : spec.kind === 'duration'
        ? `${Math.round(v / 1000)} s`
        : p.metric === 'meetingsPer100'
          ? `${v}`
          : pct(v);
  const verdict =
    pv === null || bv === null
      ? `${p.metric} cannot be compared: ${pv === null ? 'the pilot' : 'the baseline'} has no data for it.`
      : moved
        ? `${p.metric} moved ${improved ? 'the right way' : 'the wrong way'}: ${show(bv)} (${p.baselineLabel}) → ${show(pv)} (${q.month}), p = ${pValue?.toFixed(3)}. ${improved ? 'Proof: scale the pilot.' : 'Roll back or fix before scaling.'}`
        : `${p.metric} did not move measurably: ${show(bv)} → ${show(pv)}, p = ${pValue === null ? '–' : pValue.toFixed(3)} (needs p < 0.05); keep the pilot running or widen it.`;
  return {
    segment: `${groupBy}=${key}`,
    metric: p.metric,
    baselineLabel: p.baselineLabel,
    pilot: { leads: pilot.length, value: pv },
    baseline: { leads: baseline.length, value: bv },
    change,
    pValue: pValue === null ? null : Math.round(pValue * 10_000) / 10_000,
    moved,
    verdict,
    kpis: { pilot: a, baseline: b },
  };
}

/** Successes and trials behind a rate KPI. */
function proportion(k: Kpis, metric: PilotMetric): [number, number] {
  switch (metric) {
    case 'slaAttainment':
      return [k.slaMet, k.slaDue];
    case 'breachRate':
      return [k.breached, k.slaDue];
    case 'contactRate':
      return [k.contacted, k.outcomeTracked];
    case 'meetingsPer100':
      return [k.meetings, k.leads];
    default:
      return [k.accepted, k.leads];
  }
}

function durations(leads: readonly ReviewLead[], metric: PilotMetric): number[] {
  const out: number[] = [];
  for (const l of leads) {
    if (metric === 'speedBusinessMedianMs' && l.firstTouchAt !== undefined && l.speedMs !== undefined)
      out.push(l.speedMs);
    else if (metric === 'speedWallMedianMs' && l.firstTouchAt !== undefined)
      out.push(l.speedWallMs ?? Date.parse(l.firstTouchAt) - Date.parse(l.submittedAt));
    else if (metric === 'timeToMeetingMedianMs' && l.meetingAt !== undefined)
      out.push(Date.parse(l.meetingAt) - Date.parse(l.submittedAt));
  }
  return out;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Two-sided p of a two-proportion z-test; null when either side has no trials. */
export function twoProportionP(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = (x1 / n1 - x2 / n2) / se;
  return 2 * (1 - phi(Math.abs(z)));
}

/** Two-sided p of a Mann–Whitney U test (normal approximation, tie-corrected); null when a side is empty. */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number | null {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...a.map((v) => [v, 0] as const), ...b.map((v) => [v, 1] as const)].sort(
    (x, y) => x[0] - y[0],
  );
  let rankA = 0;
  let ties = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (
      j + 1 < all.length &&
      (all[j + 1] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]
    )
      j++;
    const rank = (i + j + 2) / 2;
    const t = j - i + 1;
    ties += t ** 3 - t;
    for (let k = i; k <= j; k++) if ((all[k] as readonly [number, number])[1] === 0) rankA += rank;
    i = j + 1;
  }
  const u = rankA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  if (sigma === 0) return 1;
  const z = (u - (n1 * n2) / 2) / sigma;
  return 2 * (1 - phi(Math.abs(z)));
}
