/**
 * Escalation: given the lead's ladder (its tier's, else its team's, else the default) and how many times
 * it has breached, what happens next, and who may be reached by SMS at that moment (quiet hours).
 */
import { add, type BusinessCalendar, elapsed, isOpen } from './clock.ts';
import type { Member, Policy, Rung, Team, Tier } from './compile.ts';
import type { Person } from './policy-schema.ts';

/** A role an escalation notifies. */
export type Role = 'rep' | 'manager' | 'director';

/** The next step for a breached lead. */
export interface EscalationStep {
  rung: number;
  action: 'reassign' | 'park' | 'notify';
  notify: readonly Role[];
  /** For reassign: the new owner's window (the rung's, else the tier's). */
  windowMs?: number;
  /** For park: the queue the lead goes to. */
  queue?: string;
  /** For reassign: close the breached owner's task or leave it open. */
  oldTask: 'complete' | 'keep';
  /** The channels the rung may use. */
  channels: readonly ('email' | 'sms')[];
  /** Human-readable summary for the event log. */
  summary: string;
}

/**
 * The step for breach number `breachCount` (1-based), or for the rung after one that could not act
 * (a reassign with nobody eligible falls through). Past the end of the ladder the lead is parked in
 * the last park rung's queue, or the default queue.
 */
export function escalationStep(
  policy: Policy,
  breachCount: number,
  tierWindowMs: number,
  ladder: readonly Rung[] = policy.ladder,
): EscalationStep {
  const rung: Rung | undefined = ladder[Math.max(1, breachCount) - 1];
  if (rung === undefined) {
    const lastPark = [...ladder].reverse().find((r) => r.action === 'park');
    const last = ladder[ladder.length - 1];
    const queue = lastPark?.queue ?? policy.defaultQueue;
    return {
      // Numbered as the last rung, so the people subscribed to it (e.g. directors on rung 2) still hear of it.
      rung: ladder.length,
      action: 'park',
      notify: last?.notify ?? ['manager'],
      queue,
      oldTask: 'keep',
      channels: last?.channels ?? ['email', 'sms'],
      summary: `ladder exhausted after ${ladder.length} rung${ladder.length === 1 ? '' : 's'}: park in ${queue}`,
    };
  }
  const who = rung.notify.length ? `notify ${rung.notify.join(' + ')}` : 'notify nobody';
  if (rung.action === 'reassign') {
    const windowMs = rung.windowMs ?? tierWindowMs;
    return {
      rung: rung.rung,
      action: 'reassign',
      notify: rung.notify,
      windowMs,
      oldTask: rung.oldTask,
      channels: rung.channels,
      summary: `rung ${rung.rung}: ${who}, reassign to the next eligible rep`,
    };
  }
  if (rung.action === 'park') {
    return {
      rung: rung.rung,
      action: 'park',
      notify: rung.notify,
      queue: rung.queue,
      oldTask: rung.oldTask,
      channels: rung.channels,
      summary: `rung ${rung.rung}: ${who}, park in ${rung.queue}`,
    };
  }
  return {
    rung: rung.rung,
    action: 'notify',
    notify: rung.notify,
    windowMs: rung.windowMs ?? tierWindowMs,
    oldTask: 'keep',
    channels: rung.channels,
    summary: `rung ${rung.rung}: ${who}, same owner`,
  };
}

/** The people a step reaches in a team: the rep (when a member), and managers/directors whose `rungs` include this rung. */
export function recipients(
  team: Team | undefined,
  ownerId: string | undefined,
  step: EscalationStep,
): (Person & { role: Role })[] {
  const out: (Person & { role: Role })[] = [];
  if (!team) return out;
  const forRung = (p: Person) => p.rungs === undefined || p.rungs.includes(step.rung);
  for (const role of step.notify) {
    if (role === 'rep') {
      const m: Member | undefined = team.members.find((x) => x.ownerId === ownerId);
      if (m)
        out.push({
          name: m.name,
          email: m.email,
          phone: m.phone,
          channels: m.channels as Person['channels'],
          role,
        });
    } else {
      for (const p of role === 'manager' ? team.managers : team.directors)
        if (forRung(p)) out.push({ ...p, role });
    }
  }
  return out;
}

/** The ladder a lead escalates on: its tier's, else its team's, else the policy's default ladder. */
export function ladderFor(
  policy: Policy,
  tier: Tier | undefined,
  teamId: string | undefined,
): readonly Rung[] {
  const named = tier?.ladder ?? (teamId ? policy.teams.get(teamId)?.ladder : undefined);
  return (named ? policy.ladders.get(named) : undefined) ?? policy.ladder;
}

/**
 * The key an SMS subscription filters on (`smsTo`): a hash of the phone number, so message attributes
 * and the local outbox never carry the number itself. FNV-1a, 32 bits, as 8 hex digits.
 */
export function smsKey(phone: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < phone.length; i++) {
    h ^= phone.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `p${h.toString(16).padStart(8, '0')}`;
}

/** Whether SMS may reach a person now: they take SMS, and it is within their hours (or the tier pages anytime). */
function smsNow(
  p: { phone?: string; channels?: readonly ('email' | 'sms')[] },
  hours: BusinessCalendar,
  now: number,
  tier: Tier | undefined,
): boolean {
  if (!p.phone || (p.channels && !p.channels.includes('sms'))) return false;
  return tier?.pageAnytime === true || isOpen(now, hours);
}

/**
 * The people a step may reach by SMS at `now` (their `smsKey`s): reached by the rung, the rung allows
 * SMS, the person takes SMS, and it is their hours (a rep's smsHours or calendar, a manager's smsHours or
 * the team's calendar) unless the tier pages anytime. Everyone else still gets email.
 */
export function smsRecipients(
  policy: Policy,
  team: Team | undefined,
  ownerId: string | undefined,
  step: Pick<EscalationStep, 'rung' | 'notify' | 'channels'>,
  tier: Tier | undefined,
  now: number,
): string[] {
  if (!team || !step.channels.includes('sms')) return [];
  const keys = new Set<string>();
  for (const p of recipients(team, ownerId, step as EscalationStep)) {
    if (p.role === 'rep') {
      const m = team.members.find((x) => x.ownerId === ownerId);
      if (m && smsNow(m, m.smsHours, now, tier)) keys.add(smsKey(m.phone as string));
    } else {
      const hours = (p.smsHours ? policy.calendars.get(p.smsHours) : undefined) ?? team.calendar;
      if (smsNow(p, hours, now, tier)) keys.add(smsKey(p.phone as string));
    }
  }
  return [...keys];
}

/** Whether SMS may reach a rep now (assignment messages): they take SMS and it is their hours, or the tier pages anytime. */
export function repSmsNow(m: Member, tier: Tier | undefined, now: number): boolean {
  return smsNow(m, m.smsHours, now, tier);
}

/** Scheduler fires within the minute: a reminder closer than this to the deadline is not worth a timer. */
const REMINDER_MIN_LEAD_MS = 120_000;

/**
 * When the rep is reminded: `tier.remindAt` of the window's open time from `start` (in the deadline's
 * calendar, so a Friday-evening window is not reminded on Sunday), or undefined when the tier has no
 * reminder or it would fall within two minutes of the deadline. One timer per lead and attempt stays
 * the rule: the lead's timer fires at the reminder first, then is put back to the deadline.
 */
export function reminderTime(
  tier: Tier,
  start: number,
  due: number,
  cal: BusinessCalendar,
): number | undefined {
  if (tier.remindAt === undefined || due <= start) return undefined;
  const at = add(start, elapsed(start, due, cal) * tier.remindAt, cal);
  return due - at >= REMINDER_MIN_LEAD_MS ? at : undefined;
}
