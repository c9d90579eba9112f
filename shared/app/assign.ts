/**
 * Assignment: the routing decision taken against stored state. A pool pick takes an atomic ticket of its
 * team's rotation (fair under any concurrency) and the chosen owner's open-lead slot is taken by adding the
 * lead id to their set of open leads, conditional on its size (exact, idempotent caps) and, with a daily
 * quota, on the owner's count for their day.
 */
import { effectivePolicy, heldBy, type Overlay } from '../domain/availability.ts';
import type { Policy, Tier } from '../domain/compile.ts';
import type { LeadFacts } from '../domain/lead.ts';
import { type RouteDecision, route, routingScope } from '../domain/routing.ts';
import type { LeadStore } from './ports.ts';

/** A decision plus whether the chosen owner's open-lead slot was taken for it. */
export interface Assignment {
  decision: RouteDecision;
  holdsSlot: boolean;
  /** Persists a make-up turn's state (tickets need no saving); a no-op otherwise. */
  saveRotation(): Promise<void>;
}

const nothing = async () => {};

/** Attempts before a pool member who raced to their cap is given up on and routing moves on. */
const MAX_RACES = 5;
/** Least-loaded races on every concurrent pick (not only at the cap), so it may retry more. */
const MAX_LOAD_RACES = 64;

/**
 * Routes `lead` for `leadId` with the current counters and fresh tickets. A pool owner's slot is taken
 * with a conditional add (`size(leads) < maxOpen`); losing that race marks them full and routes again
 * with the same ticket. Least loaded also races on the load it saw, so concurrent picks spread instead of
 * piling onto the one owner they all saw as least loaded. Direct owners (existing, account) take an
 * uncapped slot; queues take none.
 */
export async function assign(
  basePolicy: Policy,
  store: LeadStore,
  req: {
    lead: LeadFacts;
    tier: Tier;
    now: number;
    leadId: string;
    exclude?: ReadonlySet<string>;
    team?: string;
    windowMs?: number;
  },
  opts: { deferRotation?: boolean } = {},
): Promise<Assignment> {
  // The availability overlay (managers' run-time changes) on top of the policy, when the store keeps one.
  const overlay: Overlay = (await store.loadAvailability?.()) ?? new Map();
  const policy = effectivePolicy(basePolicy, overlay);
  const held = overlay.size ? (ownerId: string) => heldBy(overlay, ownerId, req.now) : undefined;
  const scope = routingScope(policy, req.lead, req.team);
  const loaded = await store.loadRoutingState(scope.teamIds, scope.ownerIds);
  const openCounts = { ...loaded.openCounts };
  const tickets: Record<string, number> = { ...loaded.tickets };
  const state = { ...loaded, openCounts, tickets };
  for (let race = 0; ; race++) {
    const decision = route(policy, { ...req, state, held });
    if (decision.kind === 'queue' || decision.ownerId === undefined)
      return { decision, holdsSlot: false, saveRotation: nothing };
    const pool = decision.pool;
    if (pool && !pool.ticketed) {
      // The first pick from this pool only told us which pool: take its ticket and pick again with it.
      tickets[pool.teamId] = (await store.takeTicket(pool.teamId)) - 1;
      race--;
      continue;
    }
    const member = decision.teamId
      ? policy.teams.get(decision.teamId)?.members.find((m) => m.ownerId === decision.ownerId)
      : undefined;
    const seen = openCounts[decision.ownerId] ?? 0;
    // Pool picks respect the cap; direct owners (existing/account/specific) are counted but never capped.
    const maxOpen = pool ? member?.maxOpen : undefined;
    const cap =
      pool?.strategy === 'least_loaded' && maxOpen !== undefined ? Math.min(maxOpen, seen + 1) : maxOpen;
    if (await store.takeSlot(decision.ownerId, cap, req.leadId, pool ? decision.quota : undefined)) {
      // Tickets need no saving; a make-up turn's state does (after the lead exists, when deferred).
      const { makeUp } = decision;
      const saveRotation = makeUp
        ? async () => store.saveRotation(makeUp.teamId, { makeUp: makeUp.value })
        : nothing;
      if (opts.deferRotation) return { decision, holdsSlot: true, saveRotation };
      await saveRotation();
      return { decision, holdsSlot: true, saveRotation: nothing };
    }
    const full = maxOpen === undefined || cap === maxOpen;
    openCounts[decision.ownerId] = full ? (maxOpen ?? Number.POSITIVE_INFINITY) : seen + 1;
    if (race >= (pool?.strategy === 'least_loaded' ? MAX_LOAD_RACES : MAX_RACES)) {
      const fallback = route(policy, {
        ...req,
        held,
        state: { ...state, openCounts: saturate(openCounts, scope.ownerIds) },
      });
      return { decision: fallback, holdsSlot: false, saveRotation: nothing };
    }
  }
}

/** Every owner in scope at cap: after repeated races the pool is treated as full and the fallback chain decides. */
function saturate(counts: Record<string, number>, owners: readonly string[]): Record<string, number> {
  const out = { ...counts };
  for (const o of owners) out[o] = Number.POSITIVE_INFINITY;
  return out;
}

/**
 * Gives back the slot a losing write took for `leadId` with `ownerId`, unless the lead (as it is now)
 * holds that very slot: membership is a set, so a concurrent winner that chose the same owner added the
 * same member, and releasing it would undercount.
 */
export async function releaseUnlessHeld(store: LeadStore, ownerId: string, leadId: string): Promise<void> {
  const lead = await store.getLead(leadId);
  if (lead?.ownerId === ownerId && lead.holdsSlot) return;
  await store.releaseSlot(ownerId, leadId);
}
