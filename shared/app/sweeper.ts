/**
 * The sweeper (every 5 minutes): repairs what a lost message or a crash left behind. Fires the breach
 * for leads past their deadline with no breach yet, re-arms timers that were never armed, and re-queues
 * CRM syncs that are stuck. Every action is the idempotent use case itself, so it can run alongside them.
 */

import { CLOCK_RUNNING } from '../domain/lead.ts';
import { type BreachDeps, handleBreaches } from './breach.ts';
import type { LeadRecord } from './ports.ts';

/** What one sweep did. */
export interface SweepReport {
  breachesFired: number;
  timersRearmed: number;
  syncsRequeued: number;
  /** Open-lead memberships added or removed by the reconciler. */
  slotsReconciled: number;
  errors: number;
}

/**
 * A deadline this long past with the lead still running means its timer was lost. A timer armed at the
 * whole minute after the deadline fires up to 59 s into that minute: up to 2 minutes after the deadline.
 */
export const LOST_TIMER_MS = 3 * 60_000;
/** A timer still pending this long after assignment was never armed. */
const UNARMED_MS = 60_000;
/** A sync not done this long after it was requested is stuck. */
export const STUCK_SYNC_MS = 15 * 60_000;

/** One sweep at `deps.clock.now()`. */
export async function sweep(deps: BreachDeps): Promise<SweepReport> {
  const now = deps.clock.now();
  const report: SweepReport = {
    breachesFired: 0,
    timersRearmed: 0,
    syncsRequeued: 0,
    slotsReconciled: 0,
    errors: 0,
  };
  const guard = async (leadId: string, what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      report.errors++;
      deps.log.error(`sweeper: ${what} failed`, { leadId, error: String(e) });
    }
  };

  const overdue = await deps.store.findDue(new Date(now - LOST_TIMER_MS), 3);
  // A hundred at a time, as the timer queue delivers them: one batched HubSpot verification each.
  for (let i = 0; i < overdue.length; i += 100) {
    const chunk = overdue.slice(i, i + 100);
    const results = await handleBreaches(
      deps,
      chunk.map((l) => ({ leadId: l.leadId, attempt: l.attempt })),
    );
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') {
        if (r.value.kind !== 'noop') report.breachesFired++;
        return;
      }
      report.errors++;
      deps.log.error('sweeper: breach failed', { leadId: chunk[k]?.leadId, error: String(r.reason) });
    });
  }

  const running = await deps.store.findRunning(new Date(now), 1, 7);
  for (const lead of running) {
    if (
      lead.timer !== 'pending' ||
      now - Date.parse(lead.assignedAt) < UNARMED_MS ||
      Date.parse(lead.dueAt) < now - LOST_TIMER_MS
    )
      continue;
    await guard(lead.leadId, 're-arm', async () => {
      await deps.timers.arm(lead.leadId, lead.attempt, new Date(lead.dueAt));
      await deps.store.updateLead(lead.leadId, { attempt: lead.attempt }, { timer: 'armed' });
      report.timersRearmed++;
    });
  }

  // By sync state, not submission day: a lead submitted last week and touched today whose sync failed is found.
  const unsynced = await deps.store.findUnsynced(new Date(now - STUCK_SYNC_MS));
  for (const lead of unsynced) {
    if (lead.sync === 'synced' || !isStuck(lead, now)) continue;
    await guard(lead.leadId, 're-queue sync', async () => {
      // Marked before the send, so a sync that finishes first is not marked queued (and stuck) after it.
      await deps.store.updateLead(
        lead.leadId,
        {},
        { sync: 'queued', syncRequestedAt: new Date(now).toISOString() },
      );
      try {
        await deps.queue.send([
          {
            leadId: lead.leadId,
            reason: lead.tasks[String(lead.attempt)] ? 'status' : 'assigned',
            attempt: lead.attempt,
          },
        ]);
      } catch (e) {
        // Still stuck, so the next sweep tries again.
        await deps.store
          .updateLead(lead.leadId, {}, { sync: lead.sync, syncRequestedAt: lead.syncRequestedAt ?? null })
          .catch(() => undefined);
        throw e;
      }
      report.syncsRequeued++;
    });
  }
  try {
    report.slotsReconciled = await reconcileOpenLeads(deps, running, now);
  } catch (e) {
    report.errors++;
    deps.log.error('sweeper: open-lead reconcile failed', { error: String(e) });
  }
  if (
    report.breachesFired ||
    report.timersRearmed ||
    report.syncsRequeued ||
    report.slotsReconciled ||
    report.errors
  )
    deps.log.info('sweep', { ...report });
  return report;
}

function isStuck(lead: LeadRecord, now: number): boolean {
  const since = Date.parse(lead.syncRequestedAt ?? lead.receivedAt);
  return now - since >= STUCK_SYNC_MS;
}

/** A membership that looks wrong is removed only when it still looks wrong this long after it was first seen (in-flight captures and reassignments settle well within it). */
export const SUSPECT_CONFIRM_MS = 60_000;
/** A suspicion older than this belongs to an earlier episode and starts over. */
const SUSPECT_FORGET_MS = 3_600_000;

function holdsFor(lead: LeadRecord | undefined, owner: string): boolean {
  return !!lead && lead.ownerId === owner && lead.holdsSlot && CLOCK_RUNNING.has(lead.status);
}

/**
 * Makes each owner's set of open leads match the leads that hold a slot with them: adds the missing ones
 * (a crash between a reassignment's commit and its slot), and removes the ones that do not belong (a
 * failed create, a process that died before releasing) once the mismatch has outlived an in-flight write.
 */
export async function reconcileOpenLeads(
  deps: BreachDeps,
  running: readonly LeadRecord[],
  now: number,
): Promise<number> {
  const { store } = deps;
  const owners = new Set<string>();
  for (const t of deps.policy.teams.values()) for (const m of t.members) owners.add(m.ownerId);
  const holding = new Map<string, Set<string>>();
  for (const l of running) {
    if (!l.ownerId) continue;
    owners.add(l.ownerId);
    if (!l.holdsSlot) continue;
    const set = holding.get(l.ownerId) ?? new Set<string>();
    set.add(l.leadId);
    holding.set(l.ownerId, set);
  }
  let fixed = 0;
  for (const owner of owners) {
    const members = new Set(await store.openLeads(owner));
    for (const id of members) {
      if (holding.get(owner)?.has(id)) continue;
      const lead = await store.getLead(id);
      if (holdsFor(lead, owner)) continue;
      if (!lead && (await store.held(`capture:${id}`))) continue;
      const marker = `open-suspect:${owner}:${id}`;
      const since = Date.parse((await store.getMarker(marker)) ?? '');
      if (Number.isNaN(since) || now - since > SUSPECT_FORGET_MS) {
        await store.setMarker(marker, new Date(now).toISOString());
        continue;
      }
      if (now - since < SUSPECT_CONFIRM_MS) continue;
      await store.releaseSlot(owner, id);
      deps.log.warn('open-lead count corrected: removed a lead that holds no slot', {
        ownerId: owner,
        leadId: id,
      });
      fixed++;
    }
    for (const id of holding.get(owner) ?? []) {
      if (members.has(id)) continue;
      // Re-read: a touch that just released the slot must not be counted back in.
      if (!holdsFor(await store.getLead(id), owner)) continue;
      await store.takeSlot(owner, undefined, id);
      deps.log.warn('open-lead count corrected: added a lead that holds a slot', {
        ownerId: owner,
        leadId: id,
      });
      fixed++;
    }
  }
  return fixed;
}
