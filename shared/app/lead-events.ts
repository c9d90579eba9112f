/**
 * What happens to a lead after capture, from HubSpot webhooks or POST /leads/{id}/events: first touch
 * (stops the clock), further attempts, acceptance, rejection and recycling, and manual reassignment.
 * Every change is a conditional write, so duplicates and races end in exactly one outcome.
 */
import { ALWAYS, add, type BusinessCalendar, elapsed } from '../domain/clock.ts';
import { type Policy, tierCalendar } from '../domain/compile.ts';
import { CLOCK_RUNNING, type LeadState } from '../domain/lead.ts';
import { noteSlaResult } from './auto-pause.ts';
import type {
  AvailabilityStore,
  Clock,
  LeadRecord,
  LeadStore,
  Log,
  Metrics,
  SyncQueue,
  Timers,
} from './ports.ts';

/** What the event use cases need. */
export interface EventDeps {
  policy: Policy;
  store: LeadStore;
  timers: Timers;
  queue: SyncQueue;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
  /** The availability overlay: a met SLA resets the rep's run of misses (auto-pause). */
  availability?: AvailabilityStore;
}

/** A change to apply to a lead. */
export type LeadChange =
  | { kind: 'touch'; at: string; by?: string; via: string }
  | { kind: 'accepted' | 'rejected' | 'recycled'; at: string; reason?: string; status?: string }
  | { kind: 'owner_changed'; at: string; ownerId: string | undefined; byUser: boolean };

/** The outcome of applying a change. */
export type ChangeResult = 'applied' | 'duplicate' | 'ignored';

const UPDATE_RETRIES = 5;

/** The calendar a lead's clock runs in. */
export function leadCalendar(policy: Policy, lead: Pick<LeadRecord, 'calendarId'>): BusinessCalendar {
  if (lead.calendarId === ALWAYS.id) return ALWAYS;
  return policy.calendars.get(lead.calendarId) ?? policy.defaultCalendar;
}

/** Applies one change; re-reads and retries on a concurrent update, so nothing is lost and nothing doubles. */
export async function applyChange(
  deps: EventDeps,
  leadId: string,
  change: LeadChange,
): Promise<ChangeResult> {
  for (let i = 0; i < UPDATE_RETRIES; i++) {
    const lead = await deps.store.getLead(leadId);
    if (!lead) return 'ignored';
    const r = await applyOnce(deps, lead, change);
    if (r !== 'conflict') return r;
  }
  throw new Error(`lead ${leadId} kept changing under us; giving up after ${UPDATE_RETRIES} tries`);
}

async function applyOnce(
  deps: EventDeps,
  lead: LeadRecord,
  change: LeadChange,
): Promise<ChangeResult | 'conflict'> {
  switch (change.kind) {
    case 'touch':
      return touch(deps, lead, change);
    case 'owner_changed':
      return ownerChanged(deps, lead, change);
    default:
      return close(deps, lead, change);
  }
}

/** A touch earlier than the recorded first touch (webhooks arrive out of order): the first touch moves back. */
async function earlierTouch(
  deps: EventDeps,
  lead: LeadRecord,
  c: Extract<LeadChange, { kind: 'touch' }>,
): Promise<ChangeResult | 'conflict'> {
  const first = lead.firstTouchAt as string;
  const at = Date.parse(c.at) < Date.parse(lead.submittedAt) ? lead.submittedAt : c.at;
  if (at >= first) return 'duplicate';
  const cal = leadCalendar(deps.policy, lead);
  const speedMs = Math.max(0, elapsed(Date.parse(lead.submittedAt), Date.parse(at), cal));
  const slaOutcome = at <= (lead.slaDueAt ?? lead.dueAt) ? 'met' : 'late';
  const next = await deps.store.updateLead(
    lead.leadId,
    { version: lead.version },
    {
      firstTouchAt: at,
      speedMs,
      speedWallMs: Date.parse(at) - Date.parse(lead.submittedAt),
      slaOutcome,
      firstAttemptAt: at,
      // The touch recorded first is now a later attempt.
      attemptsLogged: lead.attemptsLogged + 1,
      ...(lead.recoveredAt ? { recoveredAt: at } : {}),
    },
  );
  if (!next) return 'conflict';
  // The touch recorded first becomes an attempt, keyed as one, so a redelivery of it is not counted again.
  const previous = (await deps.store.listEvents(lead.leadId)).find(
    (e) => e.type === 'touched' && e.at === first,
  );
  const previousVia = String(previous?.data?.via ?? 'unknown');
  await deps.store.putEvent({
    leadId: lead.leadId,
    at: first,
    type: 'attempt',
    ref: previousVia,
    data: { via: previousVia, by: previous?.data?.by },
  });
  await deps.store.putEvent({
    leadId: lead.leadId,
    at,
    type: 'first_touch_corrected',
    ref: '0',
    data: { via: c.via, by: c.by, previous: first, speedMs, outcome: slaOutcome },
  });
  return 'applied';
}

async function touch(
  deps: EventDeps,
  lead: LeadRecord,
  c: Extract<LeadChange, { kind: 'touch' }>,
): Promise<ChangeResult | 'conflict'> {
  const { store, policy } = deps;
  if (lead.firstTouchAt) {
    // The earliest touch wins: a touch delivered out of order moves the first touch back.
    if (c.at < lead.firstTouchAt) return earlierTouch(deps, lead, c);
    // Later attempts are counted (recycling needs a minimum number over a minimum span).
    if (c.at === lead.firstTouchAt) return 'duplicate';
    const fresh = await store.putEvent({
      leadId: lead.leadId,
      at: c.at,
      type: 'attempt',
      ref: c.via,
      data: { via: c.via, by: c.by },
    });
    if (!fresh) return 'duplicate';
    const next = await store.updateLead(
      lead.leadId,
      { version: lead.version },
      { attemptsLogged: lead.attemptsLogged + 1 },
    );
    return next ? 'applied' : 'conflict';
  }
  if (!CLOCK_RUNNING.has(lead.status) && lead.status !== 'parked') return 'ignored';
  const at = Date.parse(c.at) < Date.parse(lead.submittedAt) ? lead.submittedAt : c.at;
  const cal = leadCalendar(policy, lead);
  const speedMs = Math.max(0, elapsed(Date.parse(lead.submittedAt), Date.parse(at), cal));
  // Met when the first touch came by the lead's SLA deadline, even if a delayed webhook let a breach fire first.
  const slaOutcome = at <= (lead.slaDueAt ?? lead.dueAt) ? 'met' : 'late';
  const next = await store.updateLead(
    lead.leadId,
    { version: lead.version },
    {
      status: 'touched',
      firstTouchAt: at,
      touchedBy: c.by ?? lead.ownerId,
      speedMs,
      speedWallMs: Date.parse(at) - Date.parse(lead.submittedAt),
      slaOutcome,
      attemptsLogged: 1,
      firstAttemptAt: at,
      holdsSlot: false,
      ...(lead.breachedAt ? { recoveredAt: at } : {}),
      // A parked lead someone picked up is theirs now.
      ...(lead.status === 'parked' && c.by && c.by !== lead.ownerId ? takenBy(policy, lead, c.by) : {}),
      ...syncRequested(deps),
    },
  );
  if (!next) return 'conflict';
  if (slaOutcome === 'met') await noteSlaResult(deps, lead, false);
  deps.metrics?.count(slaOutcome === 'met' ? 'SlaMet' : 'SlaMissed');
  deps.metrics?.seconds('SpeedToLeadSeconds', speedMs / 1000);
  await Promise.all([
    lead.holdsSlot && lead.ownerId ? store.releaseSlot(lead.ownerId, lead.leadId) : undefined,
    deps.timers.cancel(lead.leadId, lead.attempt).catch((e) =>
      deps.log.warn('timer cancel failed; the breach handler will see the touch', {
        leadId: lead.leadId,
        error: String(e),
      }),
    ),
    store.putEvent({
      leadId: lead.leadId,
      at,
      type: 'touched',
      ref: '0',
      data: {
        via: c.via,
        by: next.touchedBy,
        speedMs,
        speedWallMs: next.speedWallMs,
        outcome: slaOutcome,
        dueAt: lead.dueAt,
      },
    }),
    lead.breachedAt
      ? store.putEvent({
          leadId: lead.leadId,
          at,
          type: 'recovered',
          ref: '0',
          data: { by: next.touchedBy, recoveryMs: Date.parse(at) - Date.parse(lead.breachedAt) },
        })
      : undefined,
  ]);
  await sendRequestedSync(deps, next, lead.syncRequestedAt);
  return 'applied';
}

/** The owner fields of a lead moving to `ownerId` (a parked lead touched by a rep). */
function takenBy(policy: EventDeps['policy'], lead: LeadRecord, ownerId: string) {
  const team = [...policy.teams.values()].find((t) => t.members.some((m) => m.ownerId === ownerId));
  return {
    ownerId,
    ownerName: team?.members.find((m) => m.ownerId === ownerId)?.name ?? null,
    teamId: team?.id ?? null,
    queueId: null,
    previousOwners: lead.ownerId ? [...lead.previousOwners, lead.ownerId] : lead.previousOwners,
  };
}

async function close(
  deps: EventDeps,
  lead: LeadRecord,
  c: Extract<LeadChange, { kind: 'accepted' | 'rejected' | 'recycled' }>,
): Promise<ChangeResult | 'conflict'> {
  const to: LeadState = c.kind;
  if (lead.status === to) return 'duplicate';
  const from: LeadState[] =
    c.kind === 'accepted'
      ? ['touched', 'routed', 'breached', 'parked', 'unroutable']
      : ['touched', 'accepted', 'routed', 'breached', 'parked', 'unroutable'];
  if (!from.includes(lead.status)) return 'ignored';
  const { minAttempts, minSpanMs } = deps.policy.recycle;
  const span = lead.firstAttemptAt ? Date.parse(c.at) - Date.parse(lead.firstAttemptAt) : 0;
  const premature = c.kind !== 'accepted' && (lead.attemptsLogged < minAttempts || span < minSpanMs);
  const untouched = !lead.firstTouchAt;
  const cal = leadCalendar(deps.policy, lead);
  const touchFields = untouched
    ? {
        firstTouchAt: c.at,
        touchedBy: lead.ownerId,
        speedMs: Math.max(0, elapsed(Date.parse(lead.submittedAt), Date.parse(c.at), cal)),
        speedWallMs: Date.parse(c.at) - Date.parse(lead.submittedAt),
        slaOutcome: (c.at <= (lead.slaDueAt ?? lead.dueAt) ? 'met' : 'late') as 'met' | 'late',
        holdsSlot: false,
      }
    : {};
  const next = await deps.store.updateLead(
    lead.leadId,
    { version: lead.version },
    {
      status: to,
      ...touchFields,
      ...(c.kind === 'accepted'
        ? { acceptedAt: lead.acceptedAt ?? c.at }
        : { closedAt: c.at, closeReason: c.reason ?? c.status }),
      ...syncRequested(deps),
    },
  );
  if (!next) return 'conflict';
  await deps.store.putEvent({
    leadId: lead.leadId,
    at: c.at,
    type: c.kind,
    ref: '0',
    data: {
      reason: c.reason,
      status: c.status,
      attempts: lead.attemptsLogged,
      premature: c.kind === 'accepted' ? undefined : premature,
    },
  });
  if (untouched) {
    if (lead.holdsSlot && lead.ownerId) await deps.store.releaseSlot(lead.ownerId, lead.leadId);
    await deps.timers.cancel(lead.leadId, lead.attempt).catch(() => undefined);
  }
  // The contact's pointer stays on the closed lead: their next inquiry finds it stopped and becomes a new
  // lead linked to this one (capture joins only a lead whose clock runs).
  await sendRequestedSync(deps, next, lead.syncRequestedAt);
  return 'applied';
}

async function ownerChanged(
  deps: EventDeps,
  lead: LeadRecord,
  c: Extract<LeadChange, { kind: 'owner_changed' }>,
): Promise<ChangeResult | 'conflict'> {
  // leadclock's own writes and workflow changes are not misroutes; but a parked lead handed to a rep, by a
  // person or a workflow, is back in play (leadclock's own write of a parked lead is its queue's owner).
  const parked = lead.status === 'parked';
  if ((!c.byUser && !parked) || !c.ownerId || c.ownerId === lead.ownerId) return 'ignored';
  // A change made before the current assignment (a breach reassignment, or a later change delivered first)
  // was overtaken by it: applying it would reassign twice and write an older owner over a newer one.
  if (c.at < lead.assignedAt) return 'ignored';
  const { policy, store } = deps;
  // A parked lead handed over is timed again, like a running one moved by hand.
  const running = CLOCK_RUNNING.has(lead.status) || parked;
  const team = [...policy.teams.values()].find((t) => t.members.some((m) => m.ownerId === c.ownerId));
  const member = team?.members.find((m) => m.ownerId === c.ownerId);
  const tier = policy.tierById.get(lead.tier) ?? policy.defaultTier;
  const cal = tierCalendar(tier, member?.calendar ?? policy.defaultCalendar);
  const now = deps.clock.now();
  const openTask = lead.tasks[String(lead.attempt)];
  const patch = running
    ? {
        status: 'routed' as const,
        ownerId: c.ownerId,
        ownerName: member?.name ?? null,
        teamId: team?.id ?? null,
        queueId: null,
        attempt: lead.attempt + 1,
        previousOwners: lead.ownerId ? [...lead.previousOwners, lead.ownerId] : lead.previousOwners,
        assignedAt: c.at,
        dueAt: new Date(add(Math.max(Date.parse(c.at), now), tier.windowMs, cal)).toISOString(),
        calendarId: cal.id,
        holdsSlot: true,
        timer: 'pending' as const,
        notifiedAttempt: lead.attempt + 1,
        // The previous owner's task goes with the lead: the next sync completes it, as a breach reassignment does.
        closeTasks: openTask ? [...(lead.closeTasks ?? []), openTask] : (lead.closeTasks ?? null),
      }
    : { ownerId: c.ownerId, ownerName: member?.name ?? null, teamId: team?.id ?? null };
  const withinFirstHour = Date.parse(c.at) - Date.parse(lead.assignedAt) <= 3_600_000;
  const misrouted = withinFirstHour && !lead.misroutedAt ? { misroutedAt: c.at } : {};
  const next = await store.updateLead(
    lead.leadId,
    { version: lead.version },
    { ...patch, ...misrouted, ...syncRequested(deps) },
  );
  if (!next) return 'conflict';
  await store.putEvent({
    leadId: lead.leadId,
    at: c.at,
    type: parked ? 'handed_over' : 'misroute',
    ref: c.ownerId,
    data: {
      from: lead.ownerId,
      to: c.ownerId,
      retimed: running,
      dueAt: next.dueAt,
      withinFirstHour,
    },
  });
  if (running) {
    if (lead.holdsSlot && lead.ownerId) await store.releaseSlot(lead.ownerId, lead.leadId);
    await store.takeSlot(c.ownerId, undefined, lead.leadId);
    await deps.timers.cancel(lead.leadId, lead.attempt).catch(() => undefined);
    try {
      await deps.timers.arm(lead.leadId, next.attempt, new Date(next.dueAt));
      await markArmed(deps, lead.leadId, next.attempt);
    } catch (e) {
      deps.log.error('re-arming after a manual reassignment failed; the sweeper will re-arm', {
        leadId: lead.leadId,
        error: String(e),
      });
    }
  }
  await sendRequestedSync(deps, next, lead.syncRequestedAt);
  return 'applied';
}

/**
 * Records that the timer of `attempt` is armed. A touch (or another reassignment) that landed between the
 * reassignment and the arming has already cancelled that attempt's timer, before it existed: the timer
 * just armed is then cancelled here, so a stopped clock never keeps a running timer.
 */
export async function markArmed(
  deps: Pick<EventDeps, 'store' | 'timers'>,
  leadId: string,
  attempt: number,
): Promise<void> {
  const running = await deps.store.updateLead(
    leadId,
    { attempt, status: [...CLOCK_RUNNING] },
    { timer: 'armed' },
  );
  if (!running) await deps.timers.cancel(leadId, attempt);
}

/**
 * Marks a status sync requested, written with the change that needs it (one write, not two). Marked before
 * the send: marked after it, a sync done first had its 'synced' overwritten, and the lead looked stuck
 * until the sweeper synced it again.
 */
export function syncRequested(deps: Pick<EventDeps, 'clock'>) {
  return { sync: 'queued' as const, syncRequestedAt: new Date(deps.clock.now()).toISOString() };
}

/**
 * Sends the status sync a change marked (`syncRequested`); a failure marks the lead pending, with the
 * request time it had before (`before`), for the sweeper.
 */
export async function sendRequestedSync(
  deps: Pick<EventDeps, 'queue' | 'store' | 'log'>,
  lead: LeadRecord,
  before: string | undefined,
): Promise<void> {
  try {
    await deps.queue.send([{ leadId: lead.leadId, reason: 'status', attempt: lead.attempt }]);
  } catch (e) {
    deps.log.error('queueing a status sync failed; the sweeper will re-queue it', {
      leadId: lead.leadId,
      error: String(e),
    });
    await deps.store
      .updateLead(lead.leadId, {}, { sync: 'pending', syncRequestedAt: before ?? null })
      .catch(() => undefined);
  }
}

/** Queues a status sync; a failure leaves the lead pending for the sweeper. */
export async function requestSync(
  deps: Pick<EventDeps, 'queue' | 'store' | 'clock' | 'log'>,
  lead: LeadRecord,
): Promise<void> {
  try {
    // Marked before the send: marked after it, a sync done first had its 'synced' overwritten, and the
    // lead looked stuck until the sweeper synced it again.
    await deps.store.updateLead(
      lead.leadId,
      {},
      { sync: 'queued', syncRequestedAt: new Date(deps.clock.now()).toISOString() },
    );
    await deps.queue.send([{ leadId: lead.leadId, reason: 'status', attempt: lead.attempt }]);
  } catch (e) {
    deps.log.error('queueing a status sync failed; the sweeper will re-queue it', {
      leadId: lead.leadId,
      error: String(e),
    });
    await deps.store
      .updateLead(lead.leadId, {}, { sync: 'pending', syncRequestedAt: lead.syncRequestedAt ?? null })
      .catch(() => undefined);
  }
}
