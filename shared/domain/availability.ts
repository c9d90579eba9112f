/**
 * The availability overlay: what managers change at run time on top of the policy (pause and resume,
 * out today, PTO, a cap or weight, a new hire, a leaver), each with who and when. Pure: the caller loads
 * the overlay, this module folds changes into it, derives the effective policy and says why a rep is
 * held, in words a manager recognises ("paused by Mara Keller at 09:12 UTC").
 */
import { DateTime } from 'luxon';
import type { Member, Policy, Team } from './compile.ts';

/** Who changed something, and when (ISO 8601). */
export interface Stamp {
  by: string;
  at: string;
}

/** One rep's overrides. Absent fields mean "as the policy says". */
export interface OwnerOverlay {
  ownerId: string;
  paused?: Stamp & { until?: string; reason?: string; kind?: 'pause' | 'out_today' | 'auto' };
  pto?: (Stamp & { from: string; to: string })[];
  maxOpen?: Stamp & { value: number };
  weight?: Stamp & { value: number };
  hire?: Stamp & { teamId: string; name: string; email?: string };
  left?: Stamp;
  /** SLAs missed in a row since the last met one (teams with `autoPauseAfterMisses`). */
  missesInARow?: number;
}

/** The whole overlay, by owner id. */
export type Overlay = ReadonlyMap<string, OwnerOverlay>;

/** What a manager can change. */
export type AvailabilityChange =
  | { action: 'pause'; ownerId: string; until?: string; reason?: string }
  | { action: 'resume'; ownerId: string }
  | { action: 'out_today'; ownerId: string }
  | { action: 'add_pto'; ownerId: string; from: string; to: string }
  | { action: 'remove_pto'; ownerId: string; from: string; to: string }
  | { action: 'set_cap'; ownerId: string; maxOpen: number | null }
  | { action: 'set_weight'; ownerId: string; weight: number | null }
  | { action: 'new_hire'; ownerId: string; teamId: string; name: string; email?: string }
  | { action: 'leaver'; ownerId: string };

export const ACTIONS = [
  'pause',
  'resume',
  'out_today',
  'add_pto',
  'remove_pto',
  'set_cap',
  'set_weight',
  'new_hire',
  'leaver',
] as const;

/** A refused change: the field and what is wrong. */
export interface ChangeProblem {
  field: string;
  message: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function str(b: Record<string, unknown>, field: string, max = 256): string | ChangeProblem {
  const v = b[field];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max)
    return { field, message: `expected a non-empty string of at most ${max} characters` };
  return v.trim();
}

function time(b: Record<string, unknown>, field: string): string | ChangeProblem {
  const v = b[field];
  if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v)))
    return { field, message: 'expected an ISO 8601 date or date-time' };
  return new Date(v).toISOString();
}

const bad = (x: unknown): x is ChangeProblem => typeof x === 'object' && x !== null && 'field' in x;

/** Parses an API body into a change and who made it; the first problem names its field. */
export function parseChange(
  body: unknown,
  policy: Policy,
  overlay: Overlay,
): { change: AvailabilityChange; by: string } | { problem: ChangeProblem } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { problem: { field: '(body)', message: 'expected an object' } };
  const b = body as Record<string, unknown>;
  const action = b.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))
    return { problem: { field: 'action', message: `expected one of ${ACTIONS.join(', ')}` } };
  const by = str(b, 'by', 128);
  if (bad(by)) return { problem: { field: 'by', message: 'expected the name of who makes the change' } };
  const ownerId = str(b, 'ownerId', 64);
  if (bad(ownerId)) return { problem: ownerId };
  const known = memberOf(policy, overlay, ownerId);
  if (action !== 'new_hire' && !known)
    return { problem: { field: 'ownerId', message: `no rep ${ownerId} in the policy or the overlay` } };
  switch (action) {
    case 'pause': {
      const until = b.until === undefined ? undefined : time(b, 'until');
      if (bad(until)) return { problem: until };
      const reason = b.reason === undefined ? undefined : str(b, 'reason');
      if (bad(reason)) return { problem: reason };
      return { change: { action, ownerId, until, reason }, by };
    }
    case 'add_pto':
    case 'remove_pto': {
      const from = time(b, 'from');
      if (bad(from)) return { problem: from };
      const to = time(b, 'to');
      if (bad(to)) return { problem: to };
      if (Date.parse(to) <= Date.parse(from))
        return { problem: { field: 'to', message: 'must be after from' } };
      return { change: { action, ownerId, from, to }, by };
    }
    case 'set_cap':
    case 'set_weight': {
      const field = action === 'set_cap' ? 'maxOpen' : 'weight';
      const v = b[field];
      const max = action === 'set_cap' ? 10_000 : 100;
      if (v !== null && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max))
        return {
          problem: { field, message: `expected an integer from 0 to ${max}, or null for the policy's value` },
        };
      return action === 'set_cap'
        ? { change: { action, ownerId, maxOpen: v as number | null }, by }
        : { change: { action, ownerId, weight: v as number | null }, by };
    }
    case 'new_hire': {
      const teamId = str(b, 'teamId', 64);
      if (bad(teamId)) return { problem: teamId };
      if (!policy.teams.has(teamId))
        return { problem: { field: 'teamId', message: `no team ${teamId} in the policy` } };
      if (known && !overlay.get(ownerId)?.left)
        return {
          problem: { field: 'ownerId', message: `rep ${ownerId} is already on team ${known.team.id}` },
        };
      const name = str(b, 'name', 128);
      if (bad(name)) return { problem: name };
      const email = b.email === undefined ? undefined : str(b, 'email', 254);
      if (bad(email)) return { problem: email };
      return { change: { action, ownerId, teamId, name, email }, by };
    }
    default:
      return { change: { action: action as 'resume' | 'out_today' | 'leaver', ownerId }, by };
  }
}

/** Folds a change into a rep's overlay. */
export function applyAvailability(
  entry: OwnerOverlay | undefined,
  change: AvailabilityChange,
  stamp: Stamp,
  policy: Policy,
): OwnerOverlay {
  const e: OwnerOverlay = { ...(entry ?? { ownerId: change.ownerId }) };
  switch (change.action) {
    case 'pause':
      e.paused = { ...stamp, kind: 'pause', until: change.until, reason: change.reason };
      break;
    case 'out_today': {
      const zone = memberOf(policy, new Map([[e.ownerId, e]]), e.ownerId)?.member.calendar.timeZone ?? 'UTC';
      const until = DateTime.fromISO(stamp.at, { zone }).plus({ days: 1 }).startOf('day').toUTC().toISO();
      e.paused = { ...stamp, kind: 'out_today', until: until ?? undefined };
      break;
    }
    case 'resume':
      delete e.paused;
      break;
    case 'add_pto':
      e.pto = [
        ...(e.pto ?? []).filter((p) => p.from !== change.from || p.to !== change.to),
        { ...stamp, from: change.from, to: change.to },
      ];
      break;
    case 'remove_pto':
      e.pto = (e.pto ?? []).filter((p) => p.from !== change.from || p.to !== change.to);
      break;
    case 'set_cap':
      if (change.maxOpen === null) delete e.maxOpen;
      else e.maxOpen = { ...stamp, value: change.maxOpen };
      break;
    case 'set_weight':
      if (change.weight === null) delete e.weight;
      else e.weight = { ...stamp, value: change.weight };
      break;
    case 'new_hire':
      e.hire = { ...stamp, teamId: change.teamId, name: change.name, email: change.email };
      delete e.left;
      break;
    case 'leaver':
      e.left = stamp;
      delete e.paused;
      break;
  }
  return e;
}

/** A time as managers read it in a "why": `09:12 UTC` today, else with the date. */
function when(iso: string, now: number): string {
  const t = new Date(iso).toISOString();
  const today = new Date(now).toISOString().slice(0, 10);
  return t.slice(0, 10) === today ? `${t.slice(11, 16)} UTC` : `${t.slice(0, 10)} ${t.slice(11, 16)} UTC`;
}

/** Why the overlay holds `ownerId` back at `now`, or undefined. */
export function heldBy(overlay: Overlay, ownerId: string, now: number): string | undefined {
  const e = overlay.get(ownerId);
  if (!e) return undefined;
  if (e.left) return `left the team (marked by ${e.left.by} at ${when(e.left.at, now)})`;
  const p = e.paused;
  if (p && (p.until === undefined || now < Date.parse(p.until))) {
    const what = p.kind === 'out_today' ? 'out today' : p.kind === 'auto' ? 'paused automatically' : 'paused';
    const by = p.kind === 'auto' ? '' : ` by ${p.by}`;
    const until = p.until && p.kind !== 'out_today' ? ` until ${when(p.until, now)}` : '';
    return `${what}${by} at ${when(p.at, now)}${until}${p.reason ? ` (${p.reason})` : ''}`;
  }
  for (const t of e.pto ?? [])
    if (Date.parse(t.from) <= now && now < Date.parse(t.to))
      return `on PTO until ${when(t.to, now)} (added by ${t.by} at ${when(t.at, now)})`;
  return undefined;
}

/** When a pause or PTO of the overlay ends next after `now` (a rep coming back), if any. */
export function nextReturn(overlay: Overlay, now: number): number | undefined {
  let next: number | undefined;
  const consider = (iso: string | undefined) => {
    const t = iso ? Date.parse(iso) : Number.NaN;
    if (t > now && (next === undefined || t < next)) next = t;
  };
  for (const e of overlay.values()) {
    consider(e.paused?.until);
    for (const p of e.pto ?? []) consider(p.to);
  }
  return next;
}

function memberOf(
  policy: Policy,
  overlay: Overlay,
  ownerId: string,
): { team: Team; member: Member } | undefined {
  for (const team of policy.teams.values()) {
    const member = team.members.find((m) => m.ownerId === ownerId);
    if (member) return { team, member };
  }
  const hire = overlay.get(ownerId)?.hire;
  const team = hire ? policy.teams.get(hire.teamId) : undefined;
  if (hire && team) return { team, member: hireMember(team, ownerId, hire) };
  return undefined;
}

function hireMember(team: Team, ownerId: string, hire: NonNullable<OwnerOverlay['hire']>): Member {
  // A new hire starts like a default member of the team: its calendar, weight 1, the cap of its peers.
  const peerCap = team.members[0]?.maxOpen ?? 10;
  return {
    ownerId,
    name: hire.name,
    email: hire.email,
    weight: 1,
    maxOpen: peerCap,
    calendar: team.calendar,
    active: true,
    pto: [],
    channels: ['email', 'sms'],
    smsHours: team.calendar,
  };
}

/**
 * The policy as routing should see it: caps and weights overridden, new hires added to their team.
 * Pauses, PTO and leavers are not folded in here: routing asks {@link heldBy}, so its "why" names them.
 */
export function effectivePolicy(policy: Policy, overlay: Overlay): Policy {
  if (overlay.size === 0) return policy;
  const teams = new Map<string, Team>();
  for (const [id, team] of policy.teams) {
    const members = team.members.map((m) => override(m, overlay.get(m.ownerId)));
    for (const e of overlay.values()) {
      if (e.hire?.teamId !== id || members.some((m) => m.ownerId === e.ownerId)) continue;
      members.push(override(hireMember(team, e.ownerId, e.hire), e));
    }
    teams.set(id, { ...team, members });
  }
  return { ...policy, teams };
}

function override(m: Member, e: OwnerOverlay | undefined): Member {
  if (!e || (e.maxOpen === undefined && e.weight === undefined)) return m;
  return { ...m, maxOpen: e.maxOpen?.value ?? m.maxOpen, weight: e.weight?.value ?? m.weight };
}

/** The overlay as the admin API shows it: each rep's overrides with who and when, and what holds them now. */
export function describeOverlay(overlay: Overlay, now: number) {
  return [...overlay.values()].map((e) => ({ ...e, heldNow: heldBy(overlay, e.ownerId, now) ?? null }));
}
