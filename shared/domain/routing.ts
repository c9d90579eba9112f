/**
 * The routing engine: ordered rules, first match wins, exactly one accountable owner (or a queue), and a
 * human-readable trail of why. Pure: cursors, weights and open-lead counts come in as state and changes
 * go out in the decision, for the caller to persist.
 */
import { add, type BusinessCalendar, isOpen, localDate, nextOpening } from './clock.ts';
import { type Member, type Policy, type Team, type Tier, tierCalendar } from './compile.ts';
import type { LeadFacts } from './lead.ts';

/** Routing state read before a decision. Missing entries mean zero / start of rotation. */
export interface RoutingState {
  /** Round-robin cursor per team: the member index to consider first. */
  cursors: Readonly<Record<string, number>>;
  /** Smooth weighted round-robin current weights per team, by owner id. */
  weights: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Open (untouched) leads per owner id. */
  openCounts: Readonly<Record<string, number>>;
  /** Owner ids archived or deactivated in HubSpot (from the accounts sync). */
  inactiveOwners: ReadonlySet<string>;
  /**
   * Atomic round-robin tickets per team (0-based), taken for this one decision. With a ticket the pool's
   * rotation position comes from it, not from the shared cursor/weights: concurrent decisions each hold a
   * different ticket, so round robin, weighted and least-loaded tie-breaks stay fair under any concurrency.
   */
  tickets?: Readonly<Record<string, number>>;
  /** Leads assigned per owner per local day (`YYYY-MM-DD` in the owner's zone), for daily quotas. */
  dayCounts?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Make-up state per team (teams with `makeUp`). */
  makeUp?: Readonly<Record<string, MakeUpState>>;
}

/** Per team: leads owed to members who were away, and the make-up each took on their last make-up day. */
export interface MakeUpState {
  owed: Readonly<Record<string, number>>;
  taken: Readonly<Record<string, { day: string; n: number }>>;
}

/** An empty routing state. */
export function emptyRoutingState(): RoutingState {
  return { cursors: {}, weights: {}, openCounts: {}, inactiveOwners: new Set() };
}

/** What to route. */
export interface RouteRequest {
  lead: LeadFacts;
  tier: Tier;
  /** Decision time (epoch ms): eligibility (shift, PTO) is judged here. */
  now: number;
  state: RoutingState;
  /** Owners that must not be chosen (previous owners on reassignment). */
  exclude?: ReadonlySet<string>;
  /** Skip the rules and pick from this team (reassignment within the team that had the lead). */
  team?: string;
  /** Why the availability overlay holds an owner back now (paused, out today, PTO, left), if it does. */
  held?: (ownerId: string) => string | undefined;
  /** The SLA window the new owner gets (a reassign rung's own window); the tier's when absent. */
  windowMs?: number;
}

/** The outcome: an owner from a team, a direct owner, or a queue. */
export interface RouteDecision {
  kind: 'owner' | 'queue';
  /** The HubSpot owner id; for a queue, the queue's owner when it has one. */
  ownerId?: string;
  ownerName?: string;
  queueId?: string;
  teamId?: string;
  ruleId?: string;
  /** The calendar the SLA deadline runs in (the owner's, or the queue's). */
  calendar: BusinessCalendar;
  /** True when the lead fell back to the default queue: someone must be alerted. */
  alert: boolean;
  mode: 'live' | 'shadow';
  /** Why, step by step: rules tried, members skipped with the reason, the choice. */
  trail: string[];
  /** New round-robin cursor to persist, if the pool used one. */
  cursor?: { teamId: string; value: number };
  /** New smooth-WRR weights to persist, if the pool was weighted. */
  weights?: { teamId: string; value: Record<string, number> };
  /** New make-up state to persist, if the team has make-up. */
  makeUp?: { teamId: string; value: MakeUpState };
  /** The chosen owner's local day and quota, for the caller's conditional daily count. */
  quota?: { day: string; max: number };
  /** The team whose pool rotation picked the owner (absent for direct owners and queues). */
  pool?: { teamId: string; strategy: Team['strategy']; ticketed: boolean };
}

/** Routes a lead: rules in order, first match wins; a pool with nobody eligible falls back to its backup team, then the default queue with an alert. */
export function route(policy: Policy, req: RouteRequest): RouteDecision {
  const trail: string[] = [];
  if (req.team !== undefined) {
    const team = policy.teams.get(req.team);
    if (team) return fromTeam(policy, req, team, trail, undefined);
    trail.push(`team ${req.team} is no longer in the policy`);
    return toQueue(policy, policy.defaultQueue, trail, true, undefined);
  }
  let unmatched: string[] = [];
  const flushUnmatched = () => {
    if (unmatched.length) trail.push(`no match: ${unmatched.join(', ')}`);
    unmatched = [];
  };
  for (const rule of policy.rules) {
    if (!rule.matches(req.lead)) {
      unmatched.push(rule.id);
      continue;
    }
    if (rule.activeAt && !rule.activeAt(req.now)) {
      unmatched.push(`${rule.id} (applies only ${rule.window})`);
      continue;
    }
    flushUnmatched();
    const t = rule.target;
    if ('team' in t) {
      trail.push(`rule ${rule.id}: matched → team ${t.team}`);
      return fromTeam(policy, req, policy.teams.get(t.team) as Team, trail, rule.id);
    }
    if ('queue' in t) {
      trail.push(`rule ${rule.id}: matched → queue ${t.queue}`);
      return toQueue(policy, t.queue, trail, false, rule.id);
    }
    const [ownerId, what] =
      'existingOwner' in t
        ? [req.lead.existingOwnerId, 'existing owner']
        : 'accountOwner' in t
          ? [req.lead.accountOwnerId, 'account owner']
          : [t.owner, 'owner'];
    if (ownerId === undefined) {
      trail.push(`rule ${rule.id}: matched, but the lead has no ${what}; next rule`);
      continue;
    }
    const why = directOwnerBlocked(policy, req, ownerId);
    if (why) {
      trail.push(`rule ${rule.id}: ${what} ${ownerId} ${why}; next rule`);
      continue;
    }
    const found = findMember(policy, ownerId);
    trail.push(`rule ${rule.id}: ${what} ${found ? `${found.member.name} (${ownerId})` : ownerId}`);
    return {
      kind: 'owner',
      ownerId,
      ownerName: found?.member.name,
      teamId: found?.team.id,
      ruleId: rule.id,
      calendar: found?.member.calendar ?? policy.defaultCalendar,
      alert: false,
      mode: found?.team.mode ?? policy.mode,
      trail,
    };
  }
  flushUnmatched();
  trail.push('no rule routed the lead');
  return toQueue(policy, policy.defaultQueue, trail, true, undefined);
}

function toQueue(
  policy: Policy,
  queueId: string,
  trail: string[],
  alert: boolean,
  ruleId: string | undefined,
): RouteDecision {
  const q = policy.queues.get(queueId);
  trail.push(`→ queue ${queueId}${alert ? ' (alert raised)' : ''}`);
  return {
    kind: 'queue',
    queueId,
    ownerId: q?.ownerId,
    ruleId,
    calendar: q?.calendar ?? policy.defaultCalendar,
    alert,
    mode: policy.mode,
    trail,
  };
}

/** Why a directly named owner (existing, account, specific) cannot take the lead, or undefined. Caps do not apply: the relationship wins. */
function directOwnerBlocked(policy: Policy, req: RouteRequest, ownerId: string): string | undefined {
  if (req.state.inactiveOwners.has(ownerId)) return 'is archived or deactivated in HubSpot';
  if (req.exclude?.has(ownerId)) return 'already had this lead';
  const found = findMember(policy, ownerId);
  if (found && !found.member.active) return 'is inactive in the policy';
  const held = req.held?.(ownerId);
  if (held) return `is ${held}`;
  if (found && onPto(found.member, req.now)) return 'is on PTO';
  const away = found && ptoBeforeDeadline(found.member, req);
  if (away) return away;
  return undefined;
}

function findMember(policy: Policy, ownerId: string): { team: Team; member: Member } | undefined {
  for (const team of policy.teams.values()) {
    const member = team.members.find((m) => m.ownerId === ownerId);
    if (member) return { team, member };
  }
  return undefined;
}

function onPto(m: Member, now: number): boolean {
  for (const [from, to] of m.pto) if (from <= now && now < to) return true;
  return false;
}

/** ISO date-time to the minute, for the trail. */
const iso = (t: number) => `${new Date(t).toISOString().slice(0, 16)}Z`;

/**
 * When `m` is next on duty at or after `t`: the next opening of their calendar that is not inside their
 * PTO (the calendar knows hours and holidays, not leave).
 */
export function nextOnDuty(m: Member, t: number): number {
  let at = nextOpening(t, m.calendar);
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of m.pto) {
      if (from <= at && at < to) {
        at = nextOpening(to, m.calendar);
        moved = true;
      }
    }
  }
  return at;
}

/** The deadline `m` would get for this lead: the window from now in the tier's clock and the member's calendar. */
function deadlineFor(m: Member, req: RouteRequest): number {
  return add(req.now, req.windowMs ?? req.tier.windowMs, tierCalendar(req.tier, m.calendar));
}

/** Why `m` must not take the lead because leave starts before its deadline would fall; undefined otherwise. */
function ptoBeforeDeadline(m: Member, req: RouteRequest): string | undefined {
  let upcoming = Number.POSITIVE_INFINITY;
  for (const [from] of m.pto) if (from > req.now && from < upcoming) upcoming = from;
  if (upcoming === Number.POSITIVE_INFINITY) return undefined;
  const due = deadlineFor(m, req);
  return due > upcoming ? `PTO from ${iso(upcoming)} begins before the deadline ${iso(due)}` : undefined;
}

/** Why a pool member is not eligible, ignoring shift; undefined when eligible. */
function ineligible(m: Member, req: RouteRequest): string | undefined {
  if (!m.active) return 'inactive in the policy';
  const held = req.held?.(m.ownerId);
  if (held) return held;
  if (req.state.inactiveOwners.has(m.ownerId)) return 'archived or deactivated in HubSpot';
  if (req.exclude?.has(m.ownerId)) return 'already had this lead';
  if (onPto(m, req.now)) return 'on PTO';
  const open = req.state.openCounts[m.ownerId] ?? 0;
  if (open >= m.maxOpen) return `at cap (${open}/${m.maxOpen} open)`;
  if (m.maxPerDay !== undefined) {
    const day = localDate(req.now, m.calendar);
    const today = req.state.dayCounts?.[m.ownerId]?.[day] ?? 0;
    if (today >= m.maxPerDay) return `daily quota reached (${today}/${m.maxPerDay} on ${day}, their day)`;
  }
  return ptoBeforeDeadline(m, req);
}

/** Whether a member is away (PTO, inactive in the policy or in HubSpot): their missed turns are owed under make-up. */
function away(m: Member, req: RouteRequest): boolean {
  return !m.active || req.state.inactiveOwners.has(m.ownerId) || onPto(m, req.now);
}

/**
 * Make-up after absence: the member owed the most (then the rotation) among those with make-up left today
 * goes first. Returns the pick and the new state, or undefined to let the strategy choose.
 */
function makeUpPick(
  team: Team,
  req: RouteRequest,
  pool: readonly number[],
  order: (i: number) => number,
): { index: number; why: string } | undefined {
  const rule = team.makeUp;
  if (!rule) return undefined;
  const st = req.state.makeUp?.[team.id];
  let best = -1;
  let bestOwed = 0;
  let bestLeft = 0;
  for (const i of pool) {
    const m = team.members[i] as Member;
    const owed = st?.owed[m.ownerId] ?? 0;
    if (owed <= 0) continue;
    const day = localDate(req.now, m.calendar);
    const taken = st?.taken[m.ownerId];
    const used = taken && taken.day === day ? taken.n : 0;
    if (used >= rule.extraPerDay) continue;
    if (best < 0 || owed > bestOwed || (owed === bestOwed && order(i) < order(best))) {
      best = i;
      bestOwed = owed;
      bestLeft = rule.extraPerDay - used;
    }
  }
  if (best < 0) return undefined;
  return {
    index: best,
    why: `make-up after absence (${bestOwed} owed; ${bestLeft} of ${rule.extraPerDay} left today)`,
  };
}

/** The make-up state after `chosen` took a lead: paid if it was make-up, and one more owed to each member away. */
function nextMakeUp(
  team: Team,
  req: RouteRequest,
  chosen: Member,
  madeUp: boolean,
): { teamId: string; value: MakeUpState } | undefined {
  const rule = team.makeUp;
  if (!rule) return undefined;
  const st = req.state.makeUp?.[team.id];
  const owed: Record<string, number> = { ...(st?.owed ?? {}) };
  const taken: Record<string, { day: string; n: number }> = { ...(st?.taken ?? {}) };
  if (madeUp) {
    owed[chosen.ownerId] = Math.max(0, (owed[chosen.ownerId] ?? 0) - 1);
    const day = localDate(req.now, chosen.calendar);
    const prev = taken[chosen.ownerId];
    taken[chosen.ownerId] = { day, n: prev && prev.day === day ? prev.n + 1 : 1 };
  }
  for (const m of team.members)
    if (m !== chosen && away(m, req)) owed[m.ownerId] = Math.min(rule.maxOwed, (owed[m.ownerId] ?? 0) + 1);
  return { teamId: team.id, value: { owed, taken } };
}

/** The chosen member's daily quota for the caller's conditional count, if they have one. */
function quotaOf(m: Member, req: RouteRequest): RouteDecision['quota'] {
  return m.maxPerDay === undefined ? undefined : { day: localDate(req.now, m.calendar), max: m.maxPerDay };
}

/**
 * For a round-the-clock tier whose policy says `offDuty: on_duty`: why an off-duty member cannot take the
 * lead (they come on duty after its deadline); undefined when they can.
 */
function offDutyPastDeadline(m: Member, req: RouteRequest): string | undefined {
  if (req.tier.clock !== 'always' || req.tier.offDuty !== 'on_duty') return undefined;
  const due = deadlineFor(m, req);
  const on = nextOnDuty(m, req.now);
  return on >= due ? `off duty until ${iso(on)}, after the deadline ${iso(due)}` : undefined;
}

/** On a round-the-clock tier, says in the trail when the chosen owner comes on duty only after the deadline (`offDuty: ladder`). */
function noteOffDuty(m: Member, req: RouteRequest, trail: string[]): void {
  if (req.tier.clock !== 'always' || isOpen(req.now, m.calendar)) return;
  const due = deadlineFor(m, req);
  const on = nextOnDuty(m, req.now);
  if (on >= due)
    trail.push(`  ${m.name} is on duty at ${iso(on)}, after the deadline ${iso(due)}: the ladder runs then`);
}

function fromTeam(
  policy: Policy,
  req: RouteRequest,
  start: Team,
  trail: string[],
  ruleId: string | undefined,
): RouteDecision {
  const visited = new Set<string>();
  let team: Team | undefined = start;
  while (team && !visited.has(team.id)) {
    visited.add(team.id);
    const pick = pickFromPool(team, req, trail);
    // The mode is the segment's (the team the rule chose): a shadow pilot's overflow must not write to
    // HubSpot or page anyone, and a live lead spilling into a shadow backup must still be assigned.
    if (pick) return { ...pick, mode: start.mode, ruleId, trail };
    if (team.backup) trail.push(`nobody eligible in ${team.id}; backup team ${team.backup}`);
    else trail.push(`nobody eligible in ${team.id}`);
    team = team.backup ? policy.teams.get(team.backup) : undefined;
  }
  // The exhausted team stays on the decision, so its managers hear about the unassigned lead.
  return { ...toQueue(policy, policy.defaultQueue, trail, true, ruleId), mode: start.mode, teamId: start.id };
}

function pickFromPool(
  team: Team,
  req: RouteRequest,
  trail: string[],
): Omit<RouteDecision, 'trail'> | undefined {
  const n = team.members.length;
  const candidates: number[] = [];
  const offShift: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = team.members[i] as Member;
    const why = ineligible(m, req) ?? offDutyPastDeadline(m, req);
    if (why) {
      trail.push(`  skipped ${m.name} (${m.ownerId}): ${why}`);
      continue;
    }
    if (req.tier.onShift !== 'ignored' && !isOpen(req.now, m.calendar)) {
      offShift.push(i);
      continue;
    }
    candidates.push(i);
  }
  let pool = candidates;
  if (pool.length === 0 && offShift.length > 0 && req.tier.onShift === 'preferred') {
    // Nobody on shift: the lead goes to whoever comes on duty first.
    let soonest = Number.POSITIVE_INFINITY;
    const opens = offShift.map((i) => nextOnDuty(team.members[i] as Member, req.now));
    for (const o of opens) soonest = Math.min(soonest, o);
    pool = offShift.filter((_, k) => opens[k] === soonest);
    trail.push(`  nobody on shift in ${team.id}; next on duty at ${new Date(soonest).toISOString()}`);
  } else {
    for (const i of offShift) {
      const m = team.members[i] as Member;
      trail.push(`  skipped ${m.name} (${m.ownerId}): off shift`);
    }
  }
  if (pool.length === 0) return undefined;

  const ticket = req.state.tickets?.[team.id];
  const base = {
    kind: 'owner' as const,
    teamId: team.id,
    alert: false,
    mode: team.mode,
    pool: { teamId: team.id, strategy: team.strategy, ticketed: ticket !== undefined },
  };
  // A ticket counts turns among the members who can take this lead (the pool), so a member who is out
  // (paused, at cap, off shift) does not hand their turn to the next one in line as an extra lead.
  const cursor =
    ticket === undefined
      ? (((req.state.cursors[team.id] ?? 0) % n) + n) % n
      : (pool[((ticket % pool.length) + pool.length) % pool.length] as number);
  // Rotation order from the cursor: round robin takes the first; least loaded the first of the least loaded.
  const order = (i: number) => (i - cursor + n) % n;
  const owed = makeUpPick(team, req, pool, order);
  if (owed) {
    // A make-up turn is extra: the rotation (cursor, weights) stays where it was.
    const chosen = team.members[owed.index] as Member;
    trail.push(`chose ${chosen.name} (${chosen.ownerId}): ${owed.why}`);
    noteOffDuty(chosen, req, trail);
    return {
      ...base,
      ownerId: chosen.ownerId,
      ownerName: chosen.name,
      calendar: chosen.calendar,
      makeUp: nextMakeUp(team, req, chosen, true),
      quota: quotaOf(chosen, req),
    };
  }
  if (team.strategy === 'weighted' && ticket !== undefined) {
    const chosen = weightedByTicket(team, pool, ticket);
    trail.push(
      `chose ${chosen.name} (${chosen.ownerId}): weighted rotation, weight ${chosen.weight}, ticket ${ticket + 1}`,
    );
    return {
      ...base,
      ownerId: chosen.ownerId,
      ownerName: chosen.name,
      calendar: chosen.calendar,
      makeUp: nextMakeUp(team, req, chosen, false),
      quota: quotaOf(chosen, req),
    };
  }
  if (team.strategy === 'weighted') {
    const prev = req.state.weights[team.id] ?? {};
    const next: Record<string, number> = {};
    for (const m of team.members) next[m.ownerId] = prev[m.ownerId] ?? 0;
    let total = 0;
    let best = -1;
    for (const i of pool) {
      const m = team.members[i] as Member;
      next[m.ownerId] = (next[m.ownerId] ?? 0) + m.weight;
      total += m.weight;
      if (best < 0 || (next[m.ownerId] as number) > (next[(team.members[best] as Member).ownerId] as number))
        best = i;
    }
    const chosen = team.members[best] as Member;
    next[chosen.ownerId] = (next[chosen.ownerId] as number) - total;
    trail.push(
      `chose ${chosen.name} (${chosen.ownerId}): weighted rotation, weight ${chosen.weight} of ${total}`,
    );
    noteOffDuty(chosen, req, trail);
    return {
      ...base,
      ownerId: chosen.ownerId,
      ownerName: chosen.name,
      calendar: chosen.calendar,
      weights: { teamId: team.id, value: next },
      makeUp: nextMakeUp(team, req, chosen, false),
      quota: quotaOf(chosen, req),
    };
  }

  let best = -1;
  for (const i of pool) {
    if (best < 0) best = i;
    else if (team.strategy === 'least_loaded') {
      const a = req.state.openCounts[(team.members[i] as Member).ownerId] ?? 0;
      const b = req.state.openCounts[(team.members[best] as Member).ownerId] ?? 0;
      if (a < b || (a === b && order(i) < order(best))) best = i;
    } else if (order(i) < order(best)) best = i;
  }
  const chosen = team.members[best] as Member;
  const why =
    team.strategy === 'least_loaded'
      ? `least loaded (${req.state.openCounts[chosen.ownerId] ?? 0} open)`
      : 'next in rotation';
  trail.push(`chose ${chosen.name} (${chosen.ownerId}): ${why}`);
  noteOffDuty(chosen, req, trail);
  return {
    ...base,
    ownerId: chosen.ownerId,
    ownerName: chosen.name,
    calendar: chosen.calendar,
    ...(ticket === undefined ? { cursor: { teamId: team.id, value: (best + 1) % n } } : {}),
    makeUp: nextMakeUp(team, req, chosen, false),
    quota: quotaOf(chosen, req),
  };
}

/**
 * Smooth weighted round robin, replayed from its zero state to position `ticket`. The sequence repeats
 * every `sum(weights)` picks, so ticket k gets pick k mod total: any set of consecutive tickets is within
 * one lead per weight unit of the exact shares, however the tickets were interleaved.
 */
function weightedByTicket(team: Team, pool: readonly number[], ticket: number): Member {
  const members = pool.map((i) => team.members[i] as Member);
  const total = members.reduce((s, m) => s + m.weight, 0);
  const current = members.map(() => 0);
  const steps = (((ticket % total) + total) % total) + 1;
  let best = 0;
  for (let s = 0; s < steps; s++) {
    best = 0;
    for (let k = 0; k < members.length; k++) {
      current[k] = (current[k] as number) + (members[k] as Member).weight;
      if ((current[k] as number) > (current[best] as number)) best = k;
    }
    current[best] = (current[best] as number) - total;
  }
  return members[best] as Member;
}

/** The teams (with their backup chains) and direct owners a routing decision for `lead` may touch, so the caller can load just their state. */
export function routingScope(
  policy: Policy,
  lead: LeadFacts,
  team?: string,
): { teamIds: string[]; ownerIds: string[] } {
  const teamIds: string[] = [];
  const ownerIds = new Set<string>();
  const addChain = (start: string | undefined) => {
    for (
      let t = start ? policy.teams.get(start) : undefined;
      t && !teamIds.includes(t.id);
      t = t.backup ? policy.teams.get(t.backup) : undefined
    ) {
      teamIds.push(t.id);
      for (const m of t.members) ownerIds.add(m.ownerId);
    }
  };
  if (team !== undefined) addChain(team);
  else {
    for (const rule of policy.rules) {
      if (!rule.matches(lead)) continue;
      const t = rule.target;
      // A rule with a time window may not apply at the decision time: the rules after it may decide.
      const final = rule.activeAt === undefined;
      if ('team' in t) {
        addChain(t.team);
        if (final) break;
        continue;
      }
      if ('queue' in t) {
        if (final) break;
        continue;
      }
      const id =
        'existingOwner' in t ? lead.existingOwnerId : 'accountOwner' in t ? lead.accountOwnerId : t.owner;
      if (id !== undefined) ownerIds.add(id);
    }
  }
  return { teamIds, ownerIds: [...ownerIds] };
}
