/**
 * Auto-pause: in a team with `autoPauseAfterMisses: N`, a rep who misses N SLAs in a row is paused in the
 * availability overlay (by "leadclock", with the reason) and the team's managers are told. A met SLA ends
 * the run. Best effort: a failure here is logged and never fails the breach or the touch that caused it.
 */
import { applyAvailability, heldBy } from '../domain/availability.ts';
import type { Policy } from '../domain/compile.ts';
import type { AvailabilityStore, Clock, LeadRecord, Log, Notifier } from './ports.ts';

/** What auto-pause needs; without an availability store it does nothing. */
export interface AutoPauseDeps {
  policy: Policy;
  clock: Clock;
  log: Log;
  availability?: AvailabilityStore;
  notifier?: Notifier;
}

const TRIES = 5;

/** Records a missed (breach) or met SLA of the lead's owner. */
export async function noteSlaResult(deps: AutoPauseDeps, lead: LeadRecord, missed: boolean): Promise<void> {
  const team = lead.teamId ? deps.policy.teams.get(lead.teamId) : undefined;
  const limit = team?.autoPauseAfterMisses;
  const ownerId = lead.ownerId;
  if (!deps.availability || !limit || !ownerId || !team?.members.some((m) => m.ownerId === ownerId)) return;
  try {
    if (!missed) {
      // Most touches find no run of misses: the cached overlay answers without a write.
      const cached = (await deps.availability.loadAvailability()).get(ownerId);
      if (!cached?.missesInARow) return;
    }
    for (let i = 0; i < TRIES; i++) {
      const { entry, version } = await deps.availability.availabilityEntry(ownerId);
      const now = deps.clock.now();
      const at = new Date(now).toISOString();
      const count = missed ? (entry?.missesInARow ?? 0) + 1 : 0;
      if (!missed && !entry?.missesInARow) return;
      const held = entry ? heldBy(new Map([[ownerId, entry]]), ownerId, now) : undefined;
      const pause = missed && count >= limit && !held;
      const reason = `missed ${count} SLAs in a row`;
      const next = pause
        ? {
            ...applyAvailability(
              entry,
              { action: 'pause', ownerId, reason },
              { by: 'leadclock', at },
              deps.policy,
            ),
            paused: { by: 'leadclock', at, kind: 'auto' as const, reason },
            missesInARow: 0,
          }
        : { ...(entry ?? { ownerId }), missesInARow: count };
      const saved = await deps.availability.saveAvailability(
        next,
        version,
        pause
          ? { at, by: 'leadclock', change: { action: 'pause', ownerId, reason } }
          : { at, by: 'leadclock' },
      );
      if (!saved) continue;
      if (pause) {
        const name = team.members.find((m) => m.ownerId === ownerId)?.name ?? ownerId;
        deps.log.warn('rep paused automatically', { ownerId, teamId: team.id, misses: count });
        await deps.notifier?.publish({
          type: 'alert',
          subject: `${name} paused automatically: ${reason}`,
          body: `${name} (${ownerId}) missed ${count} SLAs in a row in ${team.label} and gets no new leads until resumed:\ncurl -X POST …/admin/availability -d '{"action":"resume","ownerId":"${ownerId}","by":"<you>"}'`,
          sms: `leadclock: ${name} paused automatically (${reason})`.slice(0, 160),
          attributes: { teamId: team.id, ownerId, audience: ['manager'] },
        });
      }
      return;
    }
  } catch (e) {
    deps.log.error('auto-pause bookkeeping failed', { ownerId, error: String(e) });
  }
}
