/**
 * What the SLA board shows (issue 17), pure: the day and week in a time zone, the day's event-based
 * figures (a breach counts on the day it happened, whatever day the lead came in), and the per-rep view
 * (open leads, cap, shift, today's and this week's assignments, round-robin position, fair share).
 * Time is a parameter; nothing here reads a clock.
 */
import { DateTime, IANAZone } from 'luxon';
import { isOpen } from './clock.ts';
import type { Policy } from './compile.ts';
import { quantile } from './kpi.ts';
import type { RoutingState } from './routing.ts';

/** A business day (and its week) in a zone: [dayFrom, dayTo), [weekFrom, dayTo). */
export interface BoardPeriod {
  zone: string;
  /** `policy` when the policy's default calendar gave the zone, `viewer` when the viewer asked for theirs. */
  zoneSource: 'policy' | 'viewer';
  date: string;
  dayFrom: number;
  dayTo: number;
  /** Monday 00:00 of the ISO week holding the day. */
  weekFrom: number;
  /** Whether the day has open hours in the policy's default calendar. */
  businessDay: boolean;
}

/** Whether `zone` is an IANA zone Luxon knows. */
export function validZone(zone: string): boolean {
  return zone.length <= 64 && IANAZone.isValidZone(zone);
}

/** Today (at `now`) in `viewerZone` when given, else in the policy's default calendar zone. */
export function boardPeriod(policy: Policy, now: number, viewerZone?: string): BoardPeriod {
  const zone = viewerZone ?? policy.defaultCalendar.timeZone;
  const t = DateTime.fromMillis(now, { zone });
  const day = t.startOf('day');
  const dayFrom = day.toMillis();
  const dayTo = day.plus({ days: 1 }).toMillis();
  const cal = policy.defaultCalendar;
  let businessDay = cal.always;
  for (let h = dayFrom; !businessDay && h < dayTo; h += 900_000) businessDay = isOpen(h, cal);
  return {
    zone,
    zoneSource: viewerZone ? 'viewer' : 'policy',
    date: day.toISODate() ?? '',
    dayFrom,
    dayTo,
    weekFrom: t.startOf('week').toMillis(),
    businessDay,
  };
}

/** The lead fields the day's figures read (a LeadRecord is one). */
export interface BoardLead {
  leadId: string;
  status: string;
  ownerId?: string;
  teamId?: string;
  queueId?: string;
  alert: boolean;
  submittedAt: string;
  assignedAt?: string;
  dueAt: string;
  breachCount: number;
  breachedAt?: string;
  firstTouchAt?: string;
  speedMs?: number;
  speedWallMs?: number;
  slaOutcome?: 'met' | 'late';
  recoveredAt?: string;
  previousOwners?: readonly string[];
}

/** The day's figures; counts are of events in [dayFrom, dayTo), durations in ms (null: nothing measured). */
export interface DayFigures {
  /** Leads submitted today. */
  received: number;
  /** First touches today. */
  touched: number;
  /** Leads whose first breach happened today, whenever they came in. */
  breaches: number;
  /** SLA outcomes decided today: touched in time today (met), first breach or late touch today (missed). */
  met: number;
  missed: number;
  attainment: number | null;
  speedBusinessMedianMs: number | null;
  speedWallMedianMs: number | null;
  /** Recovered today (touched after a breach). */
  recovered: number;
  recoveryMedianMs: number | null;
  /** Now: parked leads, and open leads that no rep owns (unroutable, in a queue, parked). */
  parked: number;
  unassigned: number;
}

const OPEN = new Set(['received', 'routed', 'breached', 'reassigned', 'unroutable', 'parked']);
const inRange = (iso: string | undefined, a: number, b: number): boolean => {
  if (iso === undefined) return false;
  const t = Date.parse(iso);
  return t >= a && t < b;
};

/** Whether a lead is open and no rep owns it (the waiting room or a queue). */
export function unassigned(l: BoardLead): boolean {
  return (
    OPEN.has(l.status) && l.firstTouchAt === undefined && (l.alert || l.status === 'parked' || !l.ownerId)
  );
}

/** The day's event-based figures over `leads` (read over a window wide enough to hold today's events). */
export function dayFigures(leads: Iterable<BoardLead>, from: number, to: number): DayFigures {
  let received = 0;
  let met = 0;
  let missed = 0;
  let breaches = 0;
  let parked = 0;
  let open = 0;
  const speedB: number[] = [];
  const speedW: number[] = [];
  const recovery: number[] = [];
  for (const l of leads) {
    if (inRange(l.submittedAt, from, to)) received++;
    const breachedToday = inRange(l.breachedAt, from, to);
    if (breachedToday) breaches++;
    const touchedToday = inRange(l.firstTouchAt, from, to);
    if (touchedToday) {
      if (l.speedMs !== undefined) speedB.push(l.speedMs);
      const wall = l.speedWallMs ?? Date.parse(l.firstTouchAt as string) - Date.parse(l.submittedAt);
      speedW.push(Math.max(0, wall));
    }
    const isMet = l.slaOutcome === 'met' || (l.slaOutcome === undefined && l.breachCount === 0);
    if (touchedToday && isMet) met++;
    else if (breachedToday || (touchedToday && l.breachedAt === undefined)) missed++;
    const recoveredAt = l.recoveredAt ?? (l.breachedAt ? l.firstTouchAt : undefined);
    if (l.breachedAt && inRange(recoveredAt, from, to))
      recovery.push(Date.parse(recoveredAt as string) - Date.parse(l.breachedAt));
    if (l.status === 'parked') parked++;
    if (unassigned(l)) open++;
  }
  const sort = (v: number[]) => Float64Array.from(v).sort();
  return {
    received,
    touched: speedW.length,
    breaches,
    met,
    missed,
    attainment: met + missed === 0 ? null : Math.round((met / (met + missed)) * 10_000) / 10_000,
    speedBusinessMedianMs: quantile(sort(speedB), 0.5),
    speedWallMedianMs: quantile(sort(speedW), 0.5),
    recovered: recovery.length,
    recoveryMedianMs: quantile(sort(recovery), 0.5),
    parked,
    unassigned: open,
  };
}

/** One rep on the per-rep view. */
export interface RepView {
  ownerId: string;
  name: string;
  teamId: string;
  open: number;
  maxOpen: number;
  atCap: boolean;
  /** Outside their calendar's hours, on PTO or inactive now. */
  offShift: boolean;
  /** Paused at run time (availability overlay, issue 14); absent when no overlay is wired. */
  paused?: boolean;
  today: number;
  week: number;
  /** Breaches today of leads this rep held when the deadline passed. */
  breachesToday: number;
  /** 1 = next to receive a lead in the team's rotation. */
  rotationPosition: number;
  /** This week's share of the team's assignments ÷ the rep's weight share (1 = exactly fair). */
  fairness: number | null;
}

/** The owner who held a lead when its first deadline passed. */
export function breachedOwner(l: BoardLead): string | undefined {
  if (l.breachCount === 0) return undefined;
  return l.previousOwners?.[0] ?? l.ownerId;
}

/**
 * Owners who were assigned a lead, with when: the current owner at assignedAt, the first owner at
 * submission, later previous owners at the first breach (the record keeps no other reassignment times).
 */
function assignments(l: BoardLead): [string, number][] {
  const out: [string, number][] = [];
  const previous = l.previousOwners ?? [];
  for (const [i, o] of previous.entries())
    out.push([o, Date.parse(i > 0 && l.breachedAt ? l.breachedAt : l.submittedAt)]);
  if (l.ownerId && !l.alert) out.push([l.ownerId, Date.parse(l.assignedAt ?? l.submittedAt)]);
  return out;
}

/** The per-rep view of every team member of the policy. */
export function repViews(
  policy: Policy,
  leads: Iterable<BoardLead>,
  state: RoutingState,
  period: BoardPeriod,
  now: number,
  paused?: ReadonlySet<string>,
): RepView[] {
  const today = new Map<string, number>();
  const week = new Map<string, number>();
  const breaches = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const l of leads) {
    for (const [o, at] of assignments(l)) {
      if (at >= period.dayFrom && at < period.dayTo) inc(today, o);
      if (at >= period.weekFrom && at < period.dayTo) inc(week, o);
    }
    const who = breachedOwner(l);
    if (who && inRange(l.breachedAt, period.dayFrom, period.dayTo)) inc(breaches, who);
  }
  const out: RepView[] = [];
  for (const team of policy.teams.values()) {
    const n = team.members.length;
    const cursor = ((state.cursors[team.id] ?? 0) % Math.max(n, 1)) + 0;
    const weightSum = team.members.reduce((s, m) => s + m.weight, 0);
    const teamWeek = team.members.reduce((s, m) => s + (week.get(m.ownerId) ?? 0), 0);
    team.members.forEach((m, i) => {
      const open = state.openCounts[m.ownerId] ?? 0;
      const pto = m.pto.some(([a, b]) => a <= now && now < b);
      const share = teamWeek === 0 ? null : (week.get(m.ownerId) ?? 0) / teamWeek;
      out.push({
        ownerId: m.ownerId,
        name: m.name,
        teamId: team.id,
        open,
        maxOpen: m.maxOpen,
        atCap: open >= m.maxOpen,
        offShift: !m.active || pto || state.inactiveOwners.has(m.ownerId) || !isOpen(now, m.calendar),
        ...(paused ? { paused: paused.has(m.ownerId) } : {}),
        today: today.get(m.ownerId) ?? 0,
        week: week.get(m.ownerId) ?? 0,
        breachesToday: breaches.get(m.ownerId) ?? 0,
        rotationPosition: ((i - cursor + n) % n) + 1,
        fairness:
          share === null || weightSum === 0 ? null : Math.round((share / (m.weight / weightSum)) * 100) / 100,
      });
    });
  }
  return out;
}
