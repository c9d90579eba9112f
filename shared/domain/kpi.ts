/**
 * SLA KPIs over a period (issue 7): pure maths over lead records, grouped by tier, channel, form, team,
 * owner or segment. The period is a submission cohort: the leads whose `submittedAt` is in [from, to).
 * Every KPI is computed from fields of the lead record; where a record lacks an outcome field (the
 * proposed `acceptedAt`, `meetingAt`, `contactedAt`, `contactAttempts`, `misroutedAt`, `repeatCount`),
 * the lead's events can stand in for it. Time is a parameter (`now`).
 */
import type { LeadState } from './lead.ts';
import { type DealFact, dealTotals } from './outcomes.ts';

/** Dimensions a report can be grouped by; `segment` is the lead's region. */
export const GROUP_BY = ['tier', 'channel', 'form', 'team', 'owner', 'segment', 'speed', 'none'] as const;

/**
 * Speed-to-lead buckets (wall clock, submission to first touch): the team's own five-minute rule, read
 * against its contact and meeting rates. Leads never touched fall in `untouched`.
 */
export const SPEED_BUCKETS = ['<5m', '5-30m', '30m-4h', '>4h', 'untouched'] as const;

/** The speed bucket of a wall-clock speed to lead (undefined: never touched). */
export function speedBucket(wallMs: number | undefined): (typeof SPEED_BUCKETS)[number] {
  if (wallMs === undefined) return 'untouched';
  if (wallMs < 5 * 60_000) return '<5m';
  if (wallMs < 30 * 60_000) return '5-30m';
  if (wallMs < 4 * 3_600_000) return '30m-4h';
  return '>4h';
}

/** A report grouping. */
export type GroupBy = (typeof GROUP_BY)[number];

/** One line per KPI: what counts, and which timestamps (README, "KPI definitions", is generated from it). */
export const KPI_DEFINITIONS = {
  leads:
    'Leads: leads whose submittedAt is in [from, to); this submission cohort is what every other KPI counts, whenever its later timestamps fall.',
  percentiles:
    'Percentiles: medians and p90s interpolate linearly between the sorted values (at p × (n − 1)), rounded to whole ms; null when nothing was measured.',
  speedToLead:
    "Speed-to-lead: firstTouchAt − submittedAt over touched leads, median and p90, in business time of the lead's calendar (speedMs) and wall-clock (speedWallMs).",
  timeToMeeting:
    'Time to meeting: meetingAt (first meeting booked: a HubSpot meeting created for the contact, or a meeting_booked event) − submittedAt, wall-clock, median and p90.',
  contactRate:
    'Contact rate: leads with contactedAt (first real conversation: a call whose disposition is Connected, a reply from the lead, lead status set to connected by a user, or a connected event) ÷ outcome-tracked leads.',
  meetingsPer100:
    'Meetings per 100 leads: leads with meetingAt (a meeting booked for the contact, by a rep or through a meetings link) × 100 ÷ leads.',
  timeToQualification:
    'Time to qualification: qualifiedAt (the lifecycle stage first reaching SQL or opportunity, or a qualified event) − submittedAt, wall-clock, median and p90.',
  pipelinePerLead:
    'Pipeline per lead: the summed amounts of every deal associated with the lead (its contact or company), whatever became of them ÷ leads.',
  wonRevenuePerLead:
    'Won revenue per lead: the summed amounts of those deals that reached closed won ÷ leads.',
  attemptsBeforeContact:
    'Attempts before contact: mean of contactAttempts (attempts logged up to and including the one that reached the lead) over contacted leads.',
  timeToAssignment:
    "Time to assignment (system delay): receivedAt − submittedAt for leads routed to an owner (capture assigns at receivedAt); median and p90. The system's clock: a late delivery (a HubSpot retry, a workflow delay) shows here, flagged lateArrival past 5 minutes, and never shortens the rep's window; the human delay is speed-to-lead.",
  slaAttainment:
    "SLA attainment: leads first touched at or before their SLA deadline, slaDueAt (the rep's clock: the tier window from assignment, pulled in by a hotter repeat inquiry; slaOutcome met; a breach fired by a delayed webhook does not undo a touch made in time) ÷ leads due, i.e. cohort leads whose outcome is decided at now (touched, breached, or dueAt ≤ now).",
  breachRate: 'Breach rate: leads with breachCount ≥ 1 (the timer fired untouched) ÷ leads due.',
  breachRecoveryTime:
    'Breach recovery time: recoveredAt (else firstTouchAt) − breachedAt (first breach), median over breached leads touched since.',
  parked:
    'Parked: leads in status parked at now (escalation ladder exhausted, untouched, in the breach queue).',
  unownedRate:
    'Unowned lead rate: leads with alert set (no rule or eligible owner: unroutable, sent to the default queue) ÷ leads.',
  misrouteRate:
    'Misroute %: leads whose owner a person changed in HubSpot within an hour of the assignment it overrode (misroutedAt) ÷ outcome-tracked leads routed to an owner.',
  duplicateRate:
    'Duplicate rate: repeat inquiries (repeatCount: submissions from a contact whose lead was still open) ÷ (leads + repeat inquiries), over outcome-tracked leads.',
  acceptanceRate: 'Acceptance rate: leads accepted (acceptedAt, else status accepted) ÷ leads.',
  timeToAcceptance:
    'Time to acceptance: acceptedAt − submittedAt, wall-clock, median over leads with acceptedAt.',
  rejections:
    'Rejections: leads in status rejected ÷ leads; top N closeReason (the reason given, else the HubSpot lead status) and counts per ISO week of submittedAt.',
  recycles:
    'Recycles: leads in status recycled ÷ leads; top N closeReason and counts per ISO week of submittedAt.',
  prematureRecycles:
    'Premature recycles: recycled leads with attemptsLogged < recycle.minAttempts or closedAt − firstAttemptAt < recycle.minSpan (policy).',
  overdueOpen:
    'Overdue open leads: leads with no first touch, still open (received, routed, breached, reassigned, unroutable, parked) and dueAt < now.',
  outcomeTracked:
    'Outcome-tracked leads: records carrying the outcome fields (repeatCount present) or whose events were supplied; the denominator of contact, misroute and duplicate rates.',
} as const;

/** A KPI name. */
export type KpiName = keyof typeof KPI_DEFINITIONS;

/** The lead fields the KPIs read; a stored LeadRecord is one. The last six are proposed record fields. */
export interface KpiLead {
  leadId: string;
  status: LeadState;
  tier: string;
  input: { channel: string; formId?: string; formTitle?: string };
  region?: string;
  teamId?: string;
  ownerId?: string;
  queueId?: string;
  alert: boolean;
  submittedAt: string;
  receivedAt: string;
  dueAt: string;
  firstTouchAt?: string;
  speedMs?: number;
  speedWallMs?: number;
  slaOutcome?: 'met' | 'late';
  breachCount: number;
  breachedAt?: string;
  /** The owners whose deadlines passed untouched, one per breach, in order (owner at breach time). */
  missedBy?: string[];
  recoveredAt?: string;
  attemptsLogged: number;
  firstAttemptAt?: string;
  closedAt?: string;
  closeReason?: string;
  /** Proposed: first acceptance (status accepted may be overwritten by a later recycle or rejection). */
  acceptedAt?: string;
  /** Proposed: first meeting booked for the contact. */
  meetingAt?: string;
  /** Proposed: first real conversation (CONNECTED lead status, connected call). */
  contactedAt?: string;
  /** Proposed: attemptsLogged when contactedAt was set. */
  contactAttempts?: number;
  /** Proposed: first manual owner change within an hour of the assignment it overrode. */
  misroutedAt?: string;
  /** Proposed: repeat inquiries recorded on this lead; 0 at capture, so its presence marks a tracked record. */
  repeatCount?: number;
  /** First time the lifecycle stage reached SQL or opportunity. */
  qualifiedAt?: string;
  /** Deals associated with the lead, by id. */
  deals?: Record<string, DealFact>;
}

/** A lead event as the KPIs read it (LeadEvent without the key parts). */
export interface KpiEvent {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** What to compute. */
export interface KpiQuery {
  /** Inclusive start of the period. */
  from: Date;
  /** Exclusive end of the period. */
  to: Date;
  groupBy: GroupBy;
  /** The instant "right now" (SLA decisions, overdue leads, parked). */
  now: Date;
  /** The policy's recycle rule; premature recycles are measured against it. */
  recycle?: { minAttempts: number; minSpanMs: number };
  /** How many reasons to list per group; 5 unless given. */
  topN?: number;
  /** Group keys that must appear even with no leads (the policy's tiers, teams …). */
  keys?: readonly string[];
}

/** A reason and how many leads gave it. */
export interface ReasonCount {
  reason: string;
  count: number;
}

/** Reasons in one ISO week (the top N reasons, the rest under `(other)`). */
export interface WeekReasons {
  week: string;
  total: number;
  reasons: Record<string, number>;
}

/** The KPIs of one group (or of the whole period). Rates are 0..1, durations ms; null when undefined. */
export interface Kpis {
  leads: number;
  touched: number;
  speedBusinessMedianMs: number | null;
  speedBusinessP90Ms: number | null;
  speedWallMedianMs: number | null;
  speedWallP90Ms: number | null;
  meetings: number;
  timeToMeetingMedianMs: number | null;
  timeToMeetingP90Ms: number | null;
  meetingsPer100: number | null;
  qualified: number;
  timeToQualificationMedianMs: number | null;
  timeToQualificationP90Ms: number | null;
  deals: number;
  wonDeals: number;
  pipeline: number;
  wonRevenue: number;
  pipelinePerLead: number | null;
  wonRevenuePerLead: number | null;
  outcomeTracked: number;
  contacted: number;
  contactRate: number | null;
  attemptsBeforeContact: number | null;
  assigned: number;
  timeToAssignmentMedianMs: number | null;
  timeToAssignmentP90Ms: number | null;
  slaDue: number;
  slaMet: number;
  slaAttainment: number | null;
  breached: number;
  breachRate: number | null;
  recovered: number;
  breachRecoveryMedianMs: number | null;
  parked: number;
  unowned: number;
  unownedRate: number | null;
  misrouted: number;
  misrouteRate: number | null;
  repeatInquiries: number;
  duplicateRate: number | null;
  accepted: number;
  acceptanceRate: number | null;
  timeToAcceptanceMedianMs: number | null;
  rejected: number;
  rejectionRate: number | null;
  recycled: number;
  recycleRate: number | null;
  prematureRecycles: number;
  overdueOpen: number;
  rejectReasons: ReasonCount[];
  recycleReasons: ReasonCount[];
  rejectTrend: WeekReasons[];
  recycleTrend: WeekReasons[];
}

/** One group of a report. */
export interface KpiGroup {
  key: string;
  /** A readable name where the key is an id (a form's title). */
  label?: string;
  kpis: Kpis;
}

/** KPIs over a period: the whole cohort and each group. */
export interface KpiReport {
  from: string;
  to: string;
  now: string;
  groupBy: GroupBy;
  total: Kpis;
  groups: KpiGroup[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const DEFAULT_RECYCLE = { minAttempts: 6, minSpanMs: 10 * DAY_MS };
const OPEN: ReadonlySet<LeadState> = new Set([
  'received',
  'routed',
  'breached',
  'reassigned',
  'unroutable',
  'parked',
]);
const NO_REASON = '(none)';
const OTHER = '(other)';

/** Outcome facts of one lead, from its events (for records that lack the proposed fields). */
export function outcomeFacts(
  events: readonly KpiEvent[],
): Pick<
  KpiLead,
  | 'acceptedAt'
  | 'meetingAt'
  | 'contactedAt'
  | 'contactAttempts'
  | 'misroutedAt'
  | 'repeatCount'
  | 'qualifiedAt'
  | 'deals'
> {
  const sorted = [...events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let acceptedAt: string | undefined;
  let meetingAt: string | undefined;
  let contactedAt: string | undefined;
  let contactAttempts: number | undefined;
  let misroutedAt: string | undefined;
  let repeatCount = 0;
  let attempts = 0;
  let qualifiedAt: string | undefined;
  const deals: Record<string, DealFact> = {};
  for (const e of sorted) {
    const touch = e.type === 'touched' || e.type === 'attempt';
    if (touch) attempts++;
    if (e.type === 'accepted') acceptedAt ??= e.at;
    else if (e.type === 'repeat_inquiry') repeatCount++;
    else if (e.type === 'misroute' && e.data.withinFirstHour === true) misroutedAt ??= e.at;
    if (e.type === 'meeting_booked' || (touch && e.data.via === 'meeting')) meetingAt ??= e.at;
    if (e.type === 'qualified') qualifiedAt ??= e.at;
    if ((e.type === 'deal' || e.type === 'deal_won') && typeof e.data.dealId === 'string') {
      const old = deals[e.data.dealId];
      const amount = typeof e.data.amount === 'number' ? e.data.amount : old?.amount;
      deals[e.data.dealId] = {
        createdAt: old?.createdAt ?? e.at,
        ...(amount !== undefined ? { amount } : {}),
        ...(e.type === 'deal_won' || old?.wonAt ? { wonAt: old?.wonAt ?? e.at } : {}),
      };
    }
    const connected =
      e.type === 'contacted' || (touch && (e.data.connected === true || e.data.status === 'CONNECTED'));
    if (connected && contactedAt === undefined) {
      contactedAt = e.at;
      contactAttempts = Math.max(attempts, 1);
    }
  }
  return {
    acceptedAt,
    meetingAt,
    contactedAt,
    contactAttempts,
    misroutedAt,
    repeatCount,
    qualifiedAt,
    ...(Object.keys(deals).length ? { deals } : {}),
  };
}

/** The group a lead falls in. */
export function groupKey(lead: KpiLead, groupBy: GroupBy): string {
  switch (groupBy) {
    case 'tier':
      return lead.tier;
    case 'channel':
      return lead.input.channel;
    case 'form':
      return lead.input.formId ?? lead.input.formTitle ?? '(no form)';
    case 'team':
      return lead.teamId ?? '(no team)';
    case 'owner':
      return lead.ownerId ?? '(no owner)';
    case 'segment':
      return lead.region ?? '(no region)';
    case 'speed':
      return speedBucket(
        lead.firstTouchAt === undefined
          ? undefined
          : (lead.speedWallMs ?? Date.parse(lead.firstTouchAt) - Date.parse(lead.submittedAt)),
      );
    case 'none':
      return 'all';
  }
}

/** The ISO 8601 week (`2030-W02`) of an instant, in UTC. */
export function isoWeek(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday = 0
  const thursday = (day - weekday + 3) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The ISO weeks that overlap [from, to), in order. */
export function weeksOf(from: number, to: number): string[] {
  const out: string[] = [];
  for (let t = from; t < to; t += WEEK_MS) out.push(isoWeek(t));
  if (to > from) {
    const last = isoWeek(to - 1);
    if (out[out.length - 1] !== last) out.push(last);
  }
  return out;
}

/** The p-quantile (0..1) of ascending values, interpolated linearly; null for none. */
export function quantile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, n - 1)] as number;
  return Math.round(a + (h - lo) * (b - a));
}

/** What one lead contributes, derived once. */
interface Row {
  speedB: number | undefined;
  speedW: number | undefined;
  meeting: number | undefined;
  qualification: number | undefined;
  deals: number;
  wonDeals: number;
  pipeline: number;
  won: number;
  tracked: boolean;
  contacted: boolean;
  contactAttempts: number | undefined;
  assign: number | undefined;
  due: boolean;
  met: boolean;
  breached: boolean;
  recovery: number | undefined;
  parked: boolean;
  unowned: boolean;
  misrouted: boolean;
  repeats: number;
  accepted: boolean;
  acceptMs: number | undefined;
  rejected: string | undefined;
  recycled: string | undefined;
  premature: boolean;
  submitted: number;
  overdue: boolean;
}

interface Acc {
  leads: number;
  speedB: number[];
  speedW: number[];
  meeting: number[];
  qualification: number[];
  deals: number;
  wonDeals: number;
  pipeline: number;
  won: number;
  tracked: number;
  trackedRouted: number;
  contacted: number;
  attemptsSum: number;
  attemptsN: number;
  assign: number[];
  due: number;
  met: number;
  breached: number;
  recovery: number[];
  parked: number;
  unowned: number;
  misrouted: number;
  repeats: number;
  accepted: number;
  acceptMs: number[];
  rejected: Map<string, number[]>;
  recycled: Map<string, number[]>;
  premature: number;
  overdue: number;
}

function emptyAcc(): Acc {
  return {
    leads: 0,
    speedB: [],
    speedW: [],
    meeting: [],
    qualification: [],
    deals: 0,
    wonDeals: 0,
    pipeline: 0,
    won: 0,
    tracked: 0,
    trackedRouted: 0,
    contacted: 0,
    attemptsSum: 0,
    attemptsN: 0,
    assign: [],
    due: 0,
    met: 0,
    breached: 0,
    recovery: [],
    parked: 0,
    unowned: 0,
    misrouted: 0,
    repeats: 0,
    accepted: 0,
    acceptMs: [],
    rejected: new Map(),
    recycled: new Map(),
    premature: 0,
    overdue: 0,
  };
}

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

function rowOf(
  lead: KpiLead,
  submitted: number,
  now: number,
  recycle: { minAttempts: number; minSpanMs: number },
  events: readonly KpiEvent[] | undefined,
): Row {
  const facts = events ? { ...outcomeFacts(events), ...definedOutcomes(lead) } : lead;
  const tracked = events !== undefined || typeof lead.repeatCount === 'number';
  const touchedAt = ms(lead.firstTouchAt);
  const due = ms(lead.dueAt) as number;
  const breached = lead.breachCount > 0;
  const met =
    lead.slaOutcome === 'met' ||
    (lead.slaOutcome === undefined && touchedAt !== undefined && !breached && touchedAt <= due);
  const breachedAt = ms(lead.breachedAt);
  const recoveredAt = ms(lead.recoveredAt) ?? touchedAt;
  const meetingAt = ms(facts.meetingAt);
  const qualifiedAt = ms(facts.qualifiedAt);
  const money = dealTotals(facts.deals);
  const contactedAt = tracked ? facts.contactedAt : undefined;
  const acceptedAt = ms(facts.acceptedAt);
  const closedAt = ms(lead.closedAt) ?? now;
  const firstAttempt = ms(lead.firstAttemptAt);
  const reason = lead.closeReason?.trim() || NO_REASON;
  return {
    speedB: touchedAt === undefined ? undefined : lead.speedMs,
    speedW: touchedAt === undefined ? undefined : (lead.speedWallMs ?? Math.max(0, touchedAt - submitted)),
    meeting: meetingAt === undefined ? undefined : Math.max(0, meetingAt - submitted),
    qualification: qualifiedAt === undefined ? undefined : Math.max(0, qualifiedAt - submitted),
    deals: money.deals,
    wonDeals: money.wonDeals,
    pipeline: money.pipeline,
    won: money.won,
    tracked,
    contacted: contactedAt !== undefined,
    contactAttempts: contactedAt !== undefined ? facts.contactAttempts : undefined,
    assign: lead.alert ? undefined : Math.max(0, (ms(lead.receivedAt) as number) - submitted),
    due: touchedAt !== undefined || breached || due <= now,
    met,
    breached,
    recovery:
      breachedAt !== undefined && recoveredAt !== undefined && recoveredAt >= breachedAt
        ? recoveredAt - breachedAt
        : undefined,
    parked: lead.status === 'parked',
    unowned: lead.alert,
    misrouted: tracked && facts.misroutedAt !== undefined,
    repeats: tracked ? (facts.repeatCount ?? 0) : 0,
    accepted: acceptedAt !== undefined || lead.status === 'accepted',
    acceptMs: acceptedAt === undefined ? undefined : Math.max(0, acceptedAt - submitted),
    rejected: lead.status === 'rejected' ? reason : undefined,
    recycled: lead.status === 'recycled' ? reason : undefined,
    premature:
      lead.status === 'recycled' &&
      (lead.attemptsLogged < recycle.minAttempts ||
        (firstAttempt === undefined ? 0 : closedAt - firstAttempt) < recycle.minSpanMs),
    submitted,
    overdue: touchedAt === undefined && OPEN.has(lead.status) && due < now,
  };
}

/** The proposed fields a record does carry (they win over what its events say). */
function definedOutcomes(lead: KpiLead): Partial<KpiLead> {
  const out: Partial<KpiLead> = {};
  if (lead.acceptedAt !== undefined) out.acceptedAt = lead.acceptedAt;
  if (lead.meetingAt !== undefined) out.meetingAt = lead.meetingAt;
  if (lead.contactedAt !== undefined) out.contactedAt = lead.contactedAt;
  if (lead.contactAttempts !== undefined) out.contactAttempts = lead.contactAttempts;
  if (lead.misroutedAt !== undefined) out.misroutedAt = lead.misroutedAt;
  if (lead.repeatCount !== undefined) out.repeatCount = lead.repeatCount;
  if (lead.qualifiedAt !== undefined) out.qualifiedAt = lead.qualifiedAt;
  if (lead.deals !== undefined) out.deals = lead.deals;
  return out;
}

function add(acc: Acc, r: Row, routed: boolean): void {
  acc.leads++;
  if (r.speedB !== undefined) acc.speedB.push(r.speedB);
  if (r.speedW !== undefined) acc.speedW.push(r.speedW);
  if (r.meeting !== undefined) acc.meeting.push(r.meeting);
  if (r.qualification !== undefined) acc.qualification.push(r.qualification);
  acc.deals += r.deals;
  acc.wonDeals += r.wonDeals;
  acc.pipeline += r.pipeline;
  acc.won += r.won;
  if (r.tracked) {
    acc.tracked++;
    if (routed) acc.trackedRouted++;
  }
  if (r.contacted) {
    acc.contacted++;
    if (r.contactAttempts !== undefined) {
      acc.attemptsSum += r.contactAttempts;
      acc.attemptsN++;
    }
  }
  if (r.assign !== undefined) acc.assign.push(r.assign);
  if (r.due) {
    acc.due++;
    if (r.met) acc.met++;
  }
  if (r.breached) acc.breached++;
  if (r.recovery !== undefined) acc.recovery.push(r.recovery);
  if (r.parked) acc.parked++;
  if (r.unowned) acc.unowned++;
  if (r.misrouted && routed) acc.misrouted++;
  acc.repeats += r.repeats;
  if (r.accepted) acc.accepted++;
  if (r.acceptMs !== undefined) acc.acceptMs.push(r.acceptMs);
  if (r.rejected !== undefined) push(acc.rejected, r.rejected, r.submitted);
  if (r.recycled !== undefined) {
    push(acc.recycled, r.recycled, r.submitted);
    if (r.premature) acc.premature++;
  }
  if (r.overdue) acc.overdue++;
}

/** A breach charged to an owner who no longer holds the lead: due to them, and missed. */
function addMiss(acc: Acc): void {
  acc.due++;
  acc.breached++;
}

function push(m: Map<string, number[]>, reason: string, submitted: number): void {
  const list = m.get(reason);
  if (list) list.push(submitted);
  else m.set(reason, [submitted]);
}

const ratio = (n: number, d: number): number | null =>
  d === 0 ? null : Math.round((n / d) * 10_000) / 10_000;

function sorted(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function reasons(m: Map<string, number[]>, topN: number, weeks: readonly string[]) {
  const all: ReasonCount[] = [...m].map(([reason, at]) => ({ reason, count: at.length }));
  all.sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  const top = all.slice(0, topN);
  const named = new Set(top.map((t) => t.reason));
  const byWeek = new Map<string, WeekReasons>(weeks.map((w) => [w, { week: w, total: 0, reasons: {} }]));
  for (const [reason, at] of m) {
    const label = named.has(reason) ? reason : OTHER;
    for (const t of at) {
      const w = isoWeek(t);
      let entry = byWeek.get(w);
      if (!entry) {
        entry = { week: w, total: 0, reasons: {} };
        byWeek.set(w, entry);
      }
      entry.total++;
      entry.reasons[label] = (entry.reasons[label] ?? 0) + 1;
    }
  }
  const trend = [...byWeek.values()].sort((a, b) => (a.week < b.week ? -1 : 1));
  return { top, trend };
}

function finish(acc: Acc, topN: number, weeks: readonly string[]): Kpis {
  const speedB = sorted(acc.speedB);
  const speedW = sorted(acc.speedW);
  const meeting = sorted(acc.meeting);
  const qualification = sorted(acc.qualification);
  const assign = sorted(acc.assign);
  const rejected = reasons(acc.rejected, topN, weeks);
  const recycled = reasons(acc.recycled, topN, weeks);
  const rejectedCount = acc.rejected.size ? sum(acc.rejected) : 0;
  const recycledCount = acc.recycled.size ? sum(acc.recycled) : 0;
  return {
    leads: acc.leads,
    touched: speedW.length,
    speedBusinessMedianMs: quantile(speedB, 0.5),
    speedBusinessP90Ms: quantile(speedB, 0.9),
    speedWallMedianMs: quantile(speedW, 0.5),
    speedWallP90Ms: quantile(speedW, 0.9),
    meetings: meeting.length,
    timeToMeetingMedianMs: quantile(meeting, 0.5),
    timeToMeetingP90Ms: quantile(meeting, 0.9),
    meetingsPer100: acc.leads === 0 ? null : Math.round((meeting.length * 10_000) / acc.leads) / 100,
    qualified: qualification.length,
    timeToQualificationMedianMs: quantile(qualification, 0.5),
    timeToQualificationP90Ms: quantile(qualification, 0.9),
    deals: acc.deals,
    wonDeals: acc.wonDeals,
    pipeline: acc.pipeline,
    wonRevenue: acc.won,
    pipelinePerLead: acc.leads === 0 ? null : Math.round((acc.pipeline / acc.leads) * 100) / 100,
    wonRevenuePerLead: acc.leads === 0 ? null : Math.round((acc.won / acc.leads) * 100) / 100,
    outcomeTracked: acc.tracked,
    contacted: acc.contacted,
    contactRate: ratio(acc.contacted, acc.tracked),
    attemptsBeforeContact:
      acc.attemptsN === 0 ? null : Math.round((acc.attemptsSum / acc.attemptsN) * 100) / 100,
    assigned: assign.length,
    timeToAssignmentMedianMs: quantile(assign, 0.5),
    timeToAssignmentP90Ms: quantile(assign, 0.9),
    slaDue: acc.due,
    slaMet: acc.met,
    slaAttainment: ratio(acc.met, acc.due),
    breached: acc.breached,
    breachRate: ratio(acc.breached, acc.due),
    recovered: acc.recovery.length,
    breachRecoveryMedianMs: quantile(sorted(acc.recovery), 0.5),
    parked: acc.parked,
    unowned: acc.unowned,
    unownedRate: ratio(acc.unowned, acc.leads),
    misrouted: acc.misrouted,
    misrouteRate: ratio(acc.misrouted, acc.trackedRouted),
    repeatInquiries: acc.repeats,
    duplicateRate: ratio(acc.repeats, acc.tracked === 0 ? 0 : acc.tracked + acc.repeats),
    accepted: acc.accepted,
    acceptanceRate: ratio(acc.accepted, acc.leads),
    timeToAcceptanceMedianMs: quantile(sorted(acc.acceptMs), 0.5),
    rejected: rejectedCount,
    rejectionRate: ratio(rejectedCount, acc.leads),
    recycled: recycledCount,
    recycleRate: ratio(recycledCount, acc.leads),
    prematureRecycles: acc.premature,
    overdueOpen: acc.overdue,
    rejectReasons: rejected.top,
    recycleReasons: recycled.top,
    rejectTrend: rejected.trend,
    recycleTrend: recycled.trend,
  };
}

function sum(m: Map<string, number[]>): number {
  let n = 0;
  for (const v of m.values()) n += v.length;
  return n;
}

/**
 * Computes every KPI over the leads submitted in [from, to) (others are ignored), for the whole period
 * and per group. `events` (by lead id) stand in for outcome fields a record does not carry.
 */
export function computeKpis(
  leads: Iterable<KpiLead>,
  q: KpiQuery,
  events?: ReadonlyMap<string, readonly KpiEvent[]>,
): KpiReport {
  return computeKpisBy(
    leads,
    q,
    [{ groupBy: q.groupBy, ...(q.keys ? { keys: q.keys } : {}) }],
    events,
  )[0] as KpiReport;
}

/** One grouping of a multi-grouping computation, with the keys that must appear even when empty. */
export interface Grouping {
  groupBy: GroupBy;
  keys?: readonly string[];
}

/**
 * computeKpis for several groupings in one pass: each lead's contribution is derived once and added to
 * every grouping (the monthly review reads one month by team, tier, channel and speed at once).
 */
export function computeKpisBy(
  leads: Iterable<KpiLead>,
  q: Omit<KpiQuery, 'groupBy' | 'keys'>,
  groupings: readonly Grouping[],
  events?: ReadonlyMap<string, readonly KpiEvent[]>,
): KpiReport[] {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const now = q.now.getTime();
  const recycle = q.recycle ?? DEFAULT_RECYCLE;
  const topN = q.topN ?? 5;
  const total = emptyAcc();
  const sets = groupings.map((g) => {
    const groups = new Map<string, Acc>();
    for (const k of g.keys ?? []) groups.set(k, emptyAcc());
    return { ...g, groups, labels: new Map<string, string>() };
  });
  for (const lead of leads) {
    const submitted = Date.parse(lead.submittedAt);
    if (!(submitted >= from && submitted < to)) continue;
    const row = rowOf(lead, submitted, now, recycle, events?.get(lead.leadId));
    const routed = !lead.alert;
    add(total, row, routed);
    for (const set of sets) {
      if (set.groupBy === 'none') continue;
      const key = groupKey(lead, set.groupBy);
      const group = (k: string) => {
        let acc = set.groups.get(k);
        if (!acc) {
          acc = emptyAcc();
          set.groups.set(k, acc);
        }
        return acc;
      };
      if (set.groupBy === 'owner' && lead.missedBy?.length) {
        // A breach is the miss of the owner at breach time, not of the rep the lead went to afterwards.
        const missed = new Set(lead.missedBy);
        add(group(key), { ...row, breached: missed.has(key) }, routed);
        for (const owner of missed) if (owner !== key) addMiss(group(owner));
      } else add(group(key), row, routed);
      if (set.groupBy === 'form' && lead.input.formTitle && key !== lead.input.formTitle)
        set.labels.set(key, lead.input.formTitle);
    }
  }
  const weeks = weeksOf(from, to);
  const totalKpis = finish(total, topN, weeks);
  return sets.map((set) => ({
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    now: q.now.toISOString(),
    groupBy: set.groupBy,
    total: totalKpis,
    groups:
      set.groupBy === 'none'
        ? [{ key: 'all', kpis: totalKpis }]
        : [...set.groups.keys()]
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
            .map((key) => {
              const label = set.labels.get(key);
              return {
                key,
                ...(label ? { label } : {}),
                kpis: finish(set.groups.get(key) as Acc, topN, weeks),
              };
            }),
  }));
}

/** The definitions as a Markdown table, for the README. */
export function definitionsMarkdown(): string {
  const rows = Object.entries(KPI_DEFINITIONS).map(([name, line]) => {
    const [title, ...rest] = line.split(': ');
    return `| ${title} (\`${name}\`) | ${rest.join(': ').replaceAll('|', '\\|')} |`;
  });
  return ['| KPI | definition |', '|---|---|', ...rows].join('\n');
}
