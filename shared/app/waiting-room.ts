/**
 * The waiting room: a lead nobody in its team can take (everyone full, paused, or off shift where the
 * tier needs on-shift reps) waits in the team's ordered queue instead of paging a manager per lead. It
 * drains to the next rep who frees a slot, comes on duty or is resumed: hottest tier first, then oldest.
 * Managers get one digest per team per interval; a lead waiting past its tier's window escalates once.
 */
import { add } from '../domain/clock.ts';
import { type Policy, tierCalendar } from '../domain/compile.ts';
import { enrich } from '../domain/enrich.ts';
import type { LeadFacts } from '../domain/lead.ts';
import { assign } from './assign.ts';
import type {
  Clock,
  LeadRecord,
  LeadStore,
  Log,
  Notifier,
  SyncQueue,
  Timers,
  WaitingEntry,
  WaitingRoom,
} from './ports.ts';

/** What the waiting room needs. */
export interface WaitingDeps {
  policy: Policy;
  store: LeadStore;
  waiting: WaitingRoom;
  timers: Timers;
  queue: SyncQueue;
  notifier: Notifier;
  clock: Clock;
  log: Log;
  /** Seconds between two digests of one team (default 900). */
  digestEverySeconds?: number;
}

/** What one pass did. */
export interface DrainReport {
  drained: { leadId: string; ownerId: string; teamId: string }[];
  waiting: Record<string, number>;
  digests: string[];
  escalated: string[];
}

const DEFAULT_DIGEST_SECONDS = 900;

/** The waiting-room position of a lead that routing could not place in `teamId`. */
export function waitingKey(tierRank: number, submittedAt: string, leadId: string): string {
  return `${String(tierRank).padStart(4, '0')}#${submittedAt}#${leadId}`;
}

/** Drains every team's waiting room (or just `teamIds`), sends due digests and escalations. */
export async function tickWaitingRoom(
  deps: WaitingDeps,
  teamIds?: readonly string[],
  opts: { notify?: boolean } = {},
): Promise<DrainReport> {
  const report: DrainReport = { drained: [], waiting: {}, digests: [], escalated: [] };
  for (const teamId of teamIds ?? [...deps.policy.teams.keys()]) {
    const left = await drainTeam(deps, teamId, report);
    if (left.length) report.waiting[teamId] = left.length;
    if (left.length === 0 || opts.notify === false) continue;
    await escalateOverdue(deps, left, report);
    await digest(deps, teamId, left, report);
  }
  return report;
}

async function drainTeam(deps: WaitingDeps, teamId: string, report: DrainReport): Promise<WaitingEntry[]> {
  const entries = await deps.waiting.listWaiting(teamId, 500);
  const left: WaitingEntry[] = [];
  let full = false;
  for (const e of entries) {
    const lead = await deps.store.getLead(e.leadId);
    if (lead?.status !== 'unroutable' || lead.waiting?.key !== e.key) {
      // Touched, closed, parked or assigned by hand while it waited: it leaves the room.
      await deps.waiting.leaveWaiting(teamId, e.key);
      continue;
    }
    if (full) {
      left.push(e);
      continue;
    }
    const placed = await place(deps, lead, teamId);
    if (placed) report.drained.push({ leadId: lead.leadId, ownerId: placed, teamId });
    else {
      // Order is kept: once the first lead finds nobody, the ones behind it wait too.
      full = true;
      left.push(e);
    }
  }
  return left;
}

/** Routes a waiting lead within its team; returns the new owner, or undefined when nobody can take it. */
async function place(deps: WaitingDeps, lead: LeadRecord, teamId: string): Promise<string | undefined> {
  const { store, clock } = deps;
  const policy = deps.policy;
  const now = clock.now();
  const tier = policy.tierById.get(lead.tier) ?? policy.defaultTier;
  const facts: LeadFacts = { ...enrich(policy, lead.input) };
  const { decision: d, holdsSlot } = await assign(policy, store, {
    lead: facts,
    tier,
    now,
    leadId: lead.leadId,
    team: teamId,
  });
  if (d.kind !== 'owner' || !d.ownerId) return undefined;
  const attempt = lead.attempt + 1;
  const cal = tierCalendar(tier, d.calendar);
  const dueAt = new Date(add(now, lead.windowMs, cal)).toISOString();
  const waitedMs = now - Date.parse(lead.waiting?.since ?? lead.receivedAt);
  const next = await store.updateLead(
    lead.leadId,
    { status: ['unroutable'], attempt: lead.attempt },
    {
      status: 'routed',
      ownerId: d.ownerId,
      ownerName: d.ownerName ?? null,
      teamId: d.teamId ?? teamId,
      queueId: null,
      alert: false,
      attempt,
      assignedAt: new Date(now).toISOString(),
      dueAt,
      calendarId: cal.id,
      holdsSlot,
      trail: [...lead.trail, `left the waiting room after ${Math.round(waitedMs / 1000)} s`, ...d.trail],
      timer: 'pending',
      sync: 'queued',
      syncRequestedAt: new Date(now).toISOString(),
      waiting: null,
    },
  );
  if (!next) {
    if (holdsSlot) await store.releaseSlot(d.ownerId, lead.leadId);
    return undefined;
  }
  if (lead.waiting) await deps.waiting.leaveWaiting(teamId, lead.waiting.key);
  await store.putEvent({
    leadId: lead.leadId,
    at: next.assignedAt,
    type: 'routed',
    ref: String(attempt),
    data: { from: 'waiting_room', ownerId: d.ownerId, teamId, dueAt, waitedMs, trail: d.trail },
  });
  await deps.timers.cancel(lead.leadId, lead.attempt).catch(() => undefined);
  try {
    await deps.timers.arm(lead.leadId, attempt, new Date(dueAt));
    await store.updateLead(lead.leadId, { attempt }, { timer: 'armed' });
  } catch (e) {
    deps.log.error('arming the drained lead’s timer failed; the sweeper will re-arm', {
      leadId: lead.leadId,
      error: String(e),
    });
  }
  try {
    await deps.queue.send([{ leadId: lead.leadId, reason: 'assigned', attempt }]);
  } catch (e) {
    await store.updateLead(lead.leadId, { attempt }, { sync: 'pending' }).catch(() => undefined);
    deps.log.error('queueing the drained lead’s sync failed; the sweeper will re-queue', {
      leadId: lead.leadId,
      error: String(e),
    });
  }
  return d.ownerId;
}

/**
 * After a change that may have freed a slot (a touch, a close, a reassignment): drain the waiting rooms
 * now, best effort (the periodic tick retries). Every team's, since the freed rep may be another team's
 * backup. Digests and escalations stay with the tick.
 */
export async function drainAfterChange(
  deps: Omit<WaitingDeps, 'waiting' | 'notifier'> & { waiting?: WaitingRoom; notifier?: Notifier },
): Promise<void> {
  if (!deps.waiting) return;
  try {
    await tickWaitingRoom({ ...deps, waiting: deps.waiting, notifier: NO_NOTIFIER }, undefined, {
      notify: false,
    });
  } catch (e) {
    deps.log.warn('draining the waiting room failed; the next tick will', { error: String(e) });
  }
}

const NO_NOTIFIER: Notifier = {
  publish: async () => {
    throw new Error('no notifier on this path');
  },
};

/** A lead waiting longer than its tier's window escalates once (managers and directors). */
async function escalateOverdue(deps: WaitingDeps, left: WaitingEntry[], report: DrainReport): Promise<void> {
  const now = deps.clock.now();
  for (const e of left) {
    const tier = deps.policy.tierById.get(e.tier) ?? deps.policy.defaultTier;
    if (now - Date.parse(e.enteredAt) <= tier.windowMs) continue;
    if (!(await deps.store.once(`waiting-escalated:${e.leadId}`, 30 * 86_400))) continue;
    const minutes = Math.round((now - Date.parse(e.enteredAt)) / 60_000);
    try {
      await deps.notifier.publish({
        type: 'alert',
        subject: `Lead waiting ${minutes} min in ${e.teamId}: past the ${tier.label} window`,
        body: `Lead ${e.leadId} (${tier.label}) has waited ${minutes} minutes for a rep in ${e.teamId}, longer than its window. Free a slot, resume a rep or assign it by hand.`,
        sms: `leadclock: ${tier.label} lead waiting ${minutes} min in ${e.teamId}`.slice(0, 160),
        attributes: { teamId: e.teamId, tier: e.tier, audience: ['manager', 'director'] },
      });
      report.escalated.push(e.leadId);
    } catch (err) {
      await deps.store.forget(`waiting-escalated:${e.leadId}`);
      throw err;
    }
  }
}

/** One digest per team per interval, naming how many wait and the first in line. */
async function digest(
  deps: WaitingDeps,
  teamId: string,
  left: WaitingEntry[],
  report: DrainReport,
): Promise<void> {
  const every = deps.digestEverySeconds ?? DEFAULT_DIGEST_SECONDS;
  const now = deps.clock.now();
  const bucket = Math.floor(now / (every * 1000));
  const key = `waiting-digest:${teamId}:${bucket}`;
  if (!(await deps.store.once(key, every * 2))) return;
  const label = deps.policy.teams.get(teamId)?.label ?? teamId;
  const oldest = Math.max(...left.map((e) => now - Date.parse(e.enteredAt)));
  const byTier = new Map<string, number>();
  for (const e of left) byTier.set(e.tier, (byTier.get(e.tier) ?? 0) + 1);
  const tiers = [...byTier].map(([t, n]) => `${n} ${t}`).join(', ');
  const n = left.length;
  try {
    await deps.notifier.publish({
      type: 'alert',
      subject: `${label}: ${n} lead${n === 1 ? '' : 's'} waiting for a rep`,
      body: [
        `${n} lead${n === 1 ? '' : 's'} wait in the ${label} waiting room (${tiers}); the oldest for ${Math.round(oldest / 60_000)} min.`,
        'Nobody in the team can take them (everyone at cap, paused or off shift). They go to the next rep who frees a slot, comes on duty or is resumed.',
        `First in line: ${left
          .slice(0, 5)
          .map((e) => e.leadId)
          .join(', ')}`,
      ].join('\n'),
      sms: `leadclock: ${n} lead${n === 1 ? '' : 's'} waiting in ${label}`.slice(0, 160),
      attributes: { teamId, audience: ['manager'] },
    });
    report.digests.push(teamId);
  } catch (err) {
    await deps.store.forget(key);
    throw err;
  }
}
