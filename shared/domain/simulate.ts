/**
 * The what-if simulator: replays a stream of leads through the real domain logic (enrich → qualify → route
 * with open-lead caps → deadline on the business clock → first touch or breach → escalation ladder) in
 * simulated time, and measures SLA attainment and speed to lead per team.
 *
 * The rep model, kept simple on purpose:
 * - Each rep has a queue of the leads they own and works one lead at a time, earliest deadline first.
 * - Working a lead takes a handling time (pick-up to first touch) drawn from a lognormal with the rep's
 *   median; it runs in the rep's business time, and a rep only picks up work while their calendar is open.
 * - A touch stops the clock and frees the rep's open-lead slot. A breach runs the ladder rung for the breach
 *   count, as the breach handler does: `notify` keeps the owner with a new window; `reassign` routes again
 *   excluding every previous owner (within the team that had the lead, or whose pool was exhausted when it
 *   was queued; by the rules when routing named no team) and falls through to the next rung when nobody
 *   is eligible; `park` ends the lead. A lead taken away mid-work frees its rep at once (HubSpot shows no
 *   activity yet, so the breach stands).
 * - Queues are not worked: a lead routed to one waits for its deadline and the ladder.
 * Handling times are keyed by (seed, lead, pick-up), so runs that differ only in staffing see the same draws.
 */
import { DateTime, IANAZone } from 'luxon';
import { add, type BusinessCalendar, elapsed, nextOpening } from './clock.ts';
import { type Member, type Policy, type Team, type Tier, tierCalendar } from './compile.ts';
import { formatDuration } from './duration.ts';
import { enrich } from './enrich.ts';
import { escalationStep } from './escalation.ts';
import type { LeadFacts, LeadInput } from './lead.ts';
import { qualify } from './qualify.ts';
import { emptyRoutingState, type RouteDecision, route } from './routing.ts';
import { hash32, lognormal, mulberry32 } from './simulate-random.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

/** Handling time per lead: lognormal with a median (ms) per rep and a shared shape. */
export interface TouchModel {
  /** Median pick-up-to-first-touch time of a rep without an override. */
  medianMs: number;
  /** Lognormal shape; 0 makes every handling time exactly the median. */
  sigma: number;
  /** Median per HubSpot owner id. */
  medianByOwner?: Readonly<Record<string, number>>;
}

/** A 3-minute median with a wide tail (p90 ≈ 6.5 minutes). */
export const DEFAULT_TOUCH: TouchModel = { medianMs: 3 * MIN, sigma: 0.6 };

/** A policy and touch model to simulate, with the label the report shows. */
export interface Scenario {
  label: string;
  policy: Policy;
  touch: TouchModel;
}

/** Options of one run. */
export interface SimulationOptions {
  seed: number;
  /** Time zone of the attainment-by-hour buckets; the policy's default calendar zone when absent. */
  reportZone?: string;
  /** Called as leads resolve (touched or parked), at most about 200 times per run. */
  onProgress?: (done: number, total: number) => void;
}

/** How one lead ended. */
export interface LeadOutcome {
  index: number;
  submittedAt: number;
  team: string;
  tier: string;
  /** met: first owner touched by the first deadline; late: touched after a breach; parked; open: never resolved. */
  status: 'met' | 'late' | 'parked' | 'open';
  /** Owners in assignment order. */
  owners: readonly string[];
  breaches: number;
  /** Whether routing at capture fell to a queue. */
  queued: boolean;
  firstDueAt: number;
  touchedAt?: number;
  touchedBy?: string;
  wallMs?: number;
  /** Open time of the first deadline's calendar between submission and touch. */
  businessMs?: number;
}

/** Figures for a group of leads. */
export interface SimStats {
  leads: number;
  met: number;
  late: number;
  parked: number;
  open: number;
  breaches: number;
  queued: number;
  /** met / leads; undefined for no leads. */
  attainment?: number;
  medianBusinessMs?: number;
  p90BusinessMs?: number;
  medianWallMs?: number;
  p90WallMs?: number;
}

/** The result of one run. */
export interface SimulationResult {
  label: string;
  seed: number;
  overall: SimStats;
  /** Per segment: the team the routing rule chose (overflow to a backup counts against it), or `queue <id>` / `direct owners`. */
  teams: readonly (SimStats & { team: string })[];
  /** Leads and met leads by hour of submission in `reportZone`. */
  byHour: readonly { leads: number; met: number }[];
  reportZone: string;
  /** Touched leads per STL_BINS bucket of business speed to lead. */
  histogram: readonly number[];
  outcomes: readonly LeadOutcome[];
}

/** Upper bounds (exclusive) of the speed-to-lead histogram buckets. */
export const STL_BINS: readonly number[] = [
  1 * MIN,
  2 * MIN,
  3 * MIN,
  5 * MIN,
  10 * MIN,
  15 * MIN,
  30 * MIN,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  24 * HOUR,
  Number.POSITIVE_INFINITY,
];

/** Short labels of STL_BINS: `<1m` … `≥24h`. */
export const STL_BIN_LABELS: readonly string[] = STL_BINS.map((b, i) =>
  b === Number.POSITIVE_INFINITY ? `≥${short(STL_BINS[i - 1] ?? 0)}` : `<${short(b)}`,
);

function short(ms: number): string {
  return ms >= HOUR ? `${ms / HOUR}h` : `${ms / MIN}m`;
}

/** Replaces each named team's members with `count` synthetic reps cloned from its first member (calendar, cap, weight, median; no PTO). */
export function staffScenario(base: Scenario, staffing: Readonly<Record<string, number>>): Scenario {
  const teams = new Map<string, Team>(base.policy.teams);
  const medianByOwner: Record<string, number> = { ...base.touch.medianByOwner };
  const parts: string[] = [];
  for (const [teamId, count] of Object.entries(staffing)) {
    const team = teams.get(teamId);
    if (!team) throw new RangeError(`--reps: no team '${teamId}' in the policy`);
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`--reps: ${teamId} needs a whole number ≥ 1`);
    const first = team.members[0] as Member;
    const members: Member[] = Array.from({ length: count }, (_, i) => ({
      ownerId: `${teamId}-sim-${i + 1}`,
      name: `${team.label} #${i + 1}`,
      weight: first.weight,
      maxOpen: first.maxOpen,
      maxPerDay: first.maxPerDay,
      channels: first.channels,
      smsHours: first.calendar,
      calendar: first.calendar,
      active: true,
      pto: [],
    }));
    const median = base.touch.medianByOwner?.[first.ownerId];
    if (median !== undefined) for (const m of members) medianByOwner[m.ownerId] = median;
    teams.set(teamId, { ...team, members });
    parts.push(`${teamId}=${count}`);
  }
  return {
    label: parts.length ? parts.join(' ') : base.label,
    policy: { ...base.policy, teams },
    touch: { ...base.touch, medianByOwner },
  };
}

/** Every combination of the staffing values (`{emea: [2, 3], na: [4]}` → two staffings), in order. */
export function staffingGrid(values: Readonly<Record<string, readonly number[]>>): Record<string, number>[] {
  let grid: Record<string, number>[] = [{}];
  for (const [team, counts] of Object.entries(values))
    grid = grid.flatMap((g) => counts.map((k) => ({ ...g, [team]: k })));
  return grid;
}

interface SimLead {
  index: number;
  facts: LeadFacts;
  tier: Tier;
  submitted: number;
  segment: string;
  status: 'open' | 'touched' | 'parked';
  ownerId?: string;
  teamId?: string;
  /** The calendar of the current owner or queue. */
  calendar: BusinessCalendar;
  holdsSlot: boolean;
  /** In a queue that has a HubSpot owner (a notify rung keeps the lead there). */
  queueOwner: boolean;
  owners: string[];
  breaches: number;
  queued: boolean;
  dueAt: number;
  firstDueAt: number;
  firstCalendar: BusinessCalendar;
  /** Deadline generation: a timer for an older one is stale. */
  gen: number;
  pickups: number;
  touchedAt?: number;
  touchedBy?: string;
  met: boolean;
}

interface Rep {
  ownerId: string;
  calendar: BusinessCalendar;
  medianMs: number;
  queue: SimLead[];
  job?: { lead: SimLead; id: number };
  wakeAt?: number;
}

const TOUCH = 0;
const DEADLINE = 1;
const ARRIVAL = 2;
const WAKE = 3;

interface SimEvent {
  t: number;
  /** At equal times a touch lands before a deadline (met is `touch ≤ due`), then arrivals, then wake-ups. */
  kind: number;
  seq: number;
  lead?: SimLead;
  rep?: Rep;
  /** Deadline generation, or job id for a touch. */
  n: number;
}

/** Runs one scenario over `leads` (any order; replayed by submittedAt). Pure and deterministic given the seed. */
export function simulate(
  scenario: Scenario,
  leads: readonly LeadInput[],
  opts: SimulationOptions,
): SimulationResult {
  const { policy, touch } = scenario;
  if (opts.reportZone !== undefined && !IANAZone.isValidZone(opts.reportZone))
    throw new RangeError(`report zone: '${opts.reportZone}' is not an IANA time zone`);
  if (!(touch.medianMs > 0) || !(touch.sigma >= 0))
    throw new RangeError('touch model: the median must be positive and sigma ≥ 0');
  const state = { ...emptyRoutingState(), cursors: {}, weights: {}, openCounts: {} } as {
    cursors: Record<string, number>;
    weights: Record<string, Record<string, number>>;
    openCounts: Record<string, number>;
    inactiveOwners: ReadonlySet<string>;
  };
  const ruleTeam = new Map<string, string>();
  for (const r of policy.rules) if ('team' in r.target) ruleTeam.set(r.id, r.target.team);
  const reps = new Map<string, Rep>();
  for (const team of policy.teams.values())
    for (const m of team.members)
      if (!reps.has(m.ownerId)) reps.set(m.ownerId, newRep(m.ownerId, m.calendar, touch));

  const heap: SimEvent[] = [];
  let seq = 0;
  let jobs = 0;
  const push = (e: Omit<SimEvent, 'seq'>) => heapPush(heap, { ...e, seq: seq++ });

  const total = leads.length;
  let resolved = 0;
  const progressEvery = Math.max(1, Math.floor(total / 200));
  const resolve = () => {
    resolved++;
    if (opts.onProgress && (resolved % progressEvery === 0 || resolved === total))
      opts.onProgress(resolved, total);
  };

  const sims: SimLead[] = leads
    .map((input, i) => ({ input, i, at: Date.parse(input.submittedAt) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ input, at }, index) => {
      if (Number.isNaN(at)) throw new RangeError(`lead ${index + 1}: submittedAt is not a date-time`);
      const facts = enrich(policy, input);
      const lead: SimLead = {
        index,
        facts,
        tier: qualify(policy, facts).tier,
        submitted: at,
        segment: '',
        status: 'open',
        calendar: policy.defaultCalendar,
        holdsSlot: false,
        queueOwner: false,
        owners: [],
        breaches: 0,
        queued: false,
        dueAt: at,
        firstDueAt: at,
        firstCalendar: policy.defaultCalendar,
        gen: 0,
        pickups: 0,
        met: false,
      };
      push({ t: at, kind: ARRIVAL, lead, n: 0 });
      return lead;
    });

  const repOf = (ownerId: string, calendar: BusinessCalendar): Rep => {
    let rep = reps.get(ownerId);
    if (!rep) {
      // A direct owner outside the teams (existing or account owner): simulated on the decision's calendar.
      rep = newRep(ownerId, calendar, touch);
      reps.set(ownerId, rep);
    }
    return rep;
  };

  const startNext = (rep: Rep, now: number) => {
    if (rep.job || rep.wakeAt !== undefined || rep.queue.length === 0) return;
    const open = nextOpening(now, rep.calendar);
    if (open > now) {
      rep.wakeAt = open;
      push({ t: open, kind: WAKE, rep, n: 0 });
      return;
    }
    let k = 0;
    for (let i = 1; i < rep.queue.length; i++) {
      const a = rep.queue[i] as SimLead;
      const b = rep.queue[k] as SimLead;
      if (a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.index < b.index)) k = i;
    }
    const [lead] = rep.queue.splice(k, 1) as [SimLead];
    const draw = mulberry32(hash32(opts.seed, 0x70c4, lead.index, lead.pickups++));
    const handling = Math.max(1, Math.round(lognormal(draw, rep.medianMs, touch.sigma)));
    rep.job = { lead, id: ++jobs };
    push({ t: add(now, handling, rep.calendar), kind: TOUCH, rep, n: rep.job.id });
  };

  const release = (lead: SimLead, now: number) => {
    if (lead.ownerId === undefined) return;
    if (lead.holdsSlot) state.openCounts[lead.ownerId] = (state.openCounts[lead.ownerId] ?? 1) - 1;
    lead.holdsSlot = false;
    const rep = reps.get(lead.ownerId);
    if (!rep) return;
    const at = rep.queue.indexOf(lead);
    if (at >= 0) rep.queue.splice(at, 1);
    if (rep.job?.lead === lead) {
      rep.job = undefined;
      startNext(rep, now);
    }
  };

  const assign = (lead: SimLead, d: RouteDecision, now: number, windowMs: number) => {
    if (d.cursor) state.cursors[d.cursor.teamId] = d.cursor.value;
    if (d.weights) state.weights[d.weights.teamId] = d.weights.value;
    lead.calendar = d.calendar;
    lead.dueAt = add(now, windowMs, tierCalendar(lead.tier, d.calendar));
    lead.gen++;
    push({ t: lead.dueAt, kind: DEADLINE, lead, n: lead.gen });
    if (d.kind === 'owner' && d.ownerId !== undefined) {
      // Pool and direct owners both take a slot (direct ones uncapped), as assign() does in production.
      lead.ownerId = d.ownerId;
      lead.teamId = d.teamId;
      lead.queueOwner = false;
      lead.holdsSlot = true;
      lead.owners.push(d.ownerId);
      state.openCounts[d.ownerId] = (state.openCounts[d.ownerId] ?? 0) + 1;
      const rep = repOf(d.ownerId, d.calendar);
      rep.queue.push(lead);
      startNext(rep, now);
    } else {
      // Kept as capture keeps it: a queued lead's reassignment looks in the team routing gave up on.
      lead.ownerId = undefined;
      lead.teamId = d.teamId;
      lead.queueOwner = d.ownerId !== undefined;
    }
  };

  const arrive = (lead: SimLead, now: number) => {
    const d = route(policy, { lead: lead.facts, tier: lead.tier, now, state });
    lead.segment =
      (d.ruleId !== undefined ? ruleTeam.get(d.ruleId) : undefined) ??
      d.teamId ??
      (d.kind === 'queue' ? `queue ${d.queueId}` : 'direct owners');
    lead.queued = d.kind === 'queue';
    assign(lead, d, now, lead.tier.windowMs);
    lead.firstDueAt = lead.dueAt;
    lead.firstCalendar = tierCalendar(lead.tier, d.calendar);
  };

  const breach = (lead: SimLead, now: number) => {
    lead.breaches++;
    // As the breach handler does: the rung is the breach count; a rung that cannot act passes to the next.
    for (let rung = lead.breaches; ; rung++) {
      const step = escalationStep(policy, rung, lead.tier.windowMs);
      const windowMs = step.windowMs ?? lead.tier.windowMs;
      // A notify rung keeps the owner; a lead in a queue without an owner has nobody to keep, so it parks.
      if (step.action === 'notify' && (lead.ownerId !== undefined || lead.queueOwner)) {
        lead.dueAt = add(now, windowMs, tierCalendar(lead.tier, lead.calendar));
        lead.gen++;
        push({ t: lead.dueAt, kind: DEADLINE, lead, n: lead.gen });
        return;
      }
      if (step.action === 'reassign') {
        const d = route(policy, {
          lead: lead.facts,
          tier: lead.tier,
          now,
          state,
          exclude: new Set(lead.owners),
          team: lead.teamId,
        });
        if (d.kind === 'owner' && d.ownerId !== undefined) {
          release(lead, now);
          assign(lead, d, now, windowMs);
          return;
        }
        continue; // nobody eligible: the next rung decides
      }
      release(lead, now);
      lead.status = 'parked';
      resolve();
      return;
    }
  };

  while (heap.length > 0) {
    const e = heapPop(heap);
    if (e.kind === ARRIVAL) arrive(e.lead as SimLead, e.t);
    else if (e.kind === DEADLINE) {
      const lead = e.lead as SimLead;
      if (lead.status === 'open' && lead.gen === e.n) breach(lead, e.t);
    } else if (e.kind === TOUCH) {
      const rep = e.rep as Rep;
      if (rep.job?.id !== e.n) continue; // the lead was taken away mid-work
      const lead = rep.job.lead;
      lead.status = 'touched';
      lead.touchedAt = e.t;
      lead.touchedBy = rep.ownerId;
      lead.met = lead.breaches === 0 && e.t <= lead.firstDueAt;
      if (lead.holdsSlot) state.openCounts[rep.ownerId] = (state.openCounts[rep.ownerId] ?? 1) - 1;
      lead.holdsSlot = false;
      rep.job = undefined;
      resolve();
      startNext(rep, e.t);
    } else {
      const rep = e.rep as Rep;
      rep.wakeAt = undefined;
      startNext(rep, e.t);
    }
  }

  return summarise(scenario, sims, opts);
}

function newRep(ownerId: string, calendar: BusinessCalendar, touch: TouchModel): Rep {
  return { ownerId, calendar, medianMs: touch.medianByOwner?.[ownerId] ?? touch.medianMs, queue: [] };
}

function summarise(scenario: Scenario, sims: readonly SimLead[], opts: SimulationOptions): SimulationResult {
  const { policy } = scenario;
  const reportZone = opts.reportZone ?? policy.defaultCalendar.timeZone;
  const outcomes: LeadOutcome[] = sims.map((l) => {
    const touched = l.touchedAt !== undefined;
    return {
      index: l.index,
      submittedAt: l.submitted,
      team: l.segment,
      tier: l.tier.id,
      status: l.status === 'parked' ? 'parked' : !touched ? 'open' : l.met ? 'met' : 'late',
      owners: l.owners,
      breaches: l.breaches,
      queued: l.queued,
      firstDueAt: l.firstDueAt,
      ...(touched
        ? {
            touchedAt: l.touchedAt,
            touchedBy: l.touchedBy,
            wallMs: (l.touchedAt as number) - l.submitted,
            businessMs: elapsed(l.submitted, l.touchedAt as number, l.firstCalendar),
          }
        : {}),
    };
  });
  const bySegment = new Map<string, LeadOutcome[]>();
  for (const o of outcomes) {
    const list = bySegment.get(o.team);
    if (list) list.push(o);
    else bySegment.set(o.team, [o]);
  }
  const order = [...policy.teams.keys()];
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  const teams = [...bySegment.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([team, list]) => ({ team, ...stats(list) }));

  const byHour = Array.from({ length: 24 }, () => ({ leads: 0, met: 0 }));
  const histogram = STL_BINS.map(() => 0);
  for (const o of outcomes) {
    const h = byHour[DateTime.fromMillis(o.submittedAt, { zone: reportZone }).hour] as {
      leads: number;
      met: number;
    };
    h.leads++;
    if (o.status === 'met') h.met++;
    if (o.businessMs !== undefined) {
      const bin = STL_BINS.findIndex((b) => (o.businessMs as number) < b);
      histogram[bin] = (histogram[bin] ?? 0) + 1;
    }
  }
  return {
    label: scenario.label,
    seed: opts.seed,
    overall: stats(outcomes),
    teams,
    byHour,
    reportZone,
    histogram,
    outcomes,
  };
}

/** Figures for a list of outcomes; percentiles are nearest-rank over touched leads. */
export function stats(list: readonly LeadOutcome[]): SimStats {
  const business: number[] = [];
  const wall: number[] = [];
  const s: SimStats = { leads: list.length, met: 0, late: 0, parked: 0, open: 0, breaches: 0, queued: 0 };
  for (const o of list) {
    s[o.status]++;
    s.breaches += o.breaches;
    if (o.queued) s.queued++;
    if (o.businessMs !== undefined) business.push(o.businessMs);
    if (o.wallMs !== undefined) wall.push(o.wallMs);
  }
  business.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  return {
    ...s,
    attainment: list.length ? s.met / list.length : undefined,
    medianBusinessMs: percentile(business, 0.5),
    p90BusinessMs: percentile(business, 0.9),
    medianWallMs: percentile(wall, 0.5),
    p90WallMs: percentile(wall, 0.9),
  };
}

/** Nearest-rank percentile of sorted values; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** `87.5%`, or `–` for no leads. */
export function formatPercent(x: number | undefined): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(1)}%`;
}

/** A duration for a table cell, or `–`. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : formatDuration(ms);
}

/** Plain-text tables for the terminal: per run and team, then a side-by-side comparison when there are several runs. */
export function formatResults(results: readonly SimulationResult[]): string {
  const head = [
    'team',
    'leads',
    'met',
    'attainment',
    'median biz',
    'p90 biz',
    'median wall',
    'p90 wall',
    'breaches',
    'parked',
    'queued',
  ];
  const row = (name: string, s: SimStats) => [
    name,
    String(s.leads),
    String(s.met),
    formatPercent(s.attainment),
    formatMs(s.medianBusinessMs),
    formatMs(s.p90BusinessMs),
    formatMs(s.medianWallMs),
    formatMs(s.p90WallMs),
    String(s.breaches),
    String(s.parked),
    String(s.queued),
  ];
  const blocks = results.map((r) =>
    [
      `run: ${r.label} (seed ${r.seed})`,
      table(head, [...r.teams.map((t) => row(t.team, t)), row('all', r.overall)]),
    ].join('\n'),
  );
  if (results.length > 1) {
    const segments = [...new Set(results.flatMap((r) => r.teams.map((t) => t.team)))];
    const cmpHead = ['run', 'attainment', 'median biz', 'p90 biz', 'breaches', 'parked', ...segments];
    const cmp = results.map((r) => [
      r.label,
      formatPercent(r.overall.attainment),
      formatMs(r.overall.medianBusinessMs),
      formatMs(r.overall.p90BusinessMs),
      String(r.overall.breaches),
      String(r.overall.parked),
      ...segments.map((s) => formatPercent(r.teams.find((t) => t.team === s)?.attainment)),
    ]);
    blocks.push(['comparison (attainment per team on the right)', table(cmpHead, cmp)].join('\n'));
  }
  return blocks.join('\n\n');
}

function table(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  // Numbers align right, the first column (a name) left.
  const fmt = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.t < b.t || (a.t === b.t && (a.kind < b.kind || (a.kind === b.kind && a.seq < b.seq)));
}

function heapPush(heap: SimEvent[], e: SimEvent): void {
  heap.push(e);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(e, heap[parent] as SimEvent)) break;
    heap[i] = heap[parent] as SimEvent;
    i = parent;
  }
  heap[i] = e;
}

function heapPop(heap: SimEvent[]): SimEvent {
  const top = heap[0] as SimEvent;
  const last = heap.pop() as SimEvent;
  if (heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const r = l + 1;
    const child = r < heap.length && before(heap[r] as SimEvent, heap[l] as SimEvent) ? r : l;
    if (!before(heap[child] as SimEvent, last)) break;
    heap[i] = heap[child] as SimEvent;
    i = child;
  }
  heap[i] = last;
  return top;
}
