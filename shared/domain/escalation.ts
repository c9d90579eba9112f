/** Escalation: given the ladder and how many times a lead has breached, what happens next. */
import type { Member, Policy, Rung, Team } from './compile.ts';
import type { Person } from './policy.ts';

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
  /** Human-readable summary for the event log. */
  summary: string;
}

/**
 * The step for breach number `breachCount` (1-based), or for the rung after one that could not act
 * (a reassign with nobody eligible falls through). Past the end of the ladder the lead is parked in
 * the last park rung's queue, or the default queue.
 */
export function escalationStep(policy: Policy, breachCount: number, tierWindowMs: number): EscalationStep {
  const ladder = policy.ladder;
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
      summary: `rung ${rung.rung}: ${who}, park in ${rung.queue}`,
    };
  }
  return {
    rung: rung.rung,
    action: 'notify',
    notify: rung.notify,
    windowMs: rung.windowMs ?? tierWindowMs,
    oldTask: 'keep',
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
      if (m) out.push({ name: m.name, email: m.email, phone: m.phone, role });
    } else {
      for (const p of role === 'manager' ? team.managers : team.directors)
        if (forRung(p)) out.push({ ...p, role });
    }
  }
  return out;
}
