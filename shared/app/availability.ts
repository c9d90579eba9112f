/**
 * Managers change the team at run time: pause and resume, out today, PTO, caps and weights, new hires and
 * leavers. Each change is validated against the policy, written with who and when, and the team's waiting
 * room is drained at once (a resumed rep or a raised cap takes the next lead without waiting for a tick).
 */
import {
  type AvailabilityChange,
  applyAvailability,
  describeOverlay,
  type OwnerOverlay,
  parseChange,
} from '../domain/availability.ts';
import type { AvailabilityStore } from './ports.ts';
import { tickWaitingRoom, type WaitingDeps } from './waiting-room.ts';

/** What a change needs. */
export type AvailabilityDeps = Omit<WaitingDeps, 'waiting'> & {
  availability: AvailabilityStore;
  waiting?: WaitingDeps['waiting'];
};

/** A refused change (400), naming the field. */
export class AvailabilityError extends Error {
  override readonly name = 'AvailabilityError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const TRIES = 5;

/** Applies one change from an API body; returns the rep's overlay after it. */
export async function changeAvailability(
  deps: AvailabilityDeps,
  body: unknown,
): Promise<{ change: AvailabilityChange; entry: OwnerOverlay; drained: number }> {
  for (let i = 0; i < TRIES; i++) {
    const overlay = await deps.availability.loadAvailability();
    const parsed = parseChange(body, deps.policy, overlay);
    if ('problem' in parsed) throw new AvailabilityError(parsed.problem.field, parsed.problem.message);
    const { change, by } = parsed;
    const at = new Date(deps.clock.now()).toISOString();
    const current = await deps.availability.availabilityEntry(change.ownerId);
    const entry = applyAvailability(current.entry, change, { by, at }, deps.policy);
    if (!(await deps.availability.saveAvailability(entry, current.version, { at, by, change }))) continue;
    deps.log.info('availability changed', { action: change.action, ownerId: change.ownerId });
    // Whatever was changed, a waiting lead may now have a rep (a cap raised, a rep resumed or hired).
    let drained = 0;
    if (deps.waiting) {
      try {
        const r = await tickWaitingRoom({ ...deps, waiting: deps.waiting });
        drained = r.drained.length;
      } catch (e) {
        deps.log.error('draining the waiting room after a change failed; the next tick will', {
          error: String(e),
        });
      }
    }
    return { change, entry, drained };
  }
  throw new Error('the availability of this rep keeps changing concurrently; try again');
}

/** The overlay and the latest changes, for the admin API and the board. */
export async function availabilityView(deps: Pick<AvailabilityDeps, 'availability' | 'clock'>) {
  const [overlay, log] = await Promise.all([
    deps.availability.loadAvailability(),
    deps.availability.availabilityLog(50),
  ]);
  return { reps: describeOverlay(overlay, deps.clock.now()), changes: log };
}
