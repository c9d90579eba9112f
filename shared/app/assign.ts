/** Assignment: the routing decision taken against stored state, with the open-lead cap enforced by a conditional counter. */
import { effectivePolicy, heldBy, type Overlay } from '../domain/availability.ts';
import type { Policy, Tier } from '../domain/compile.ts';
import type { LeadFacts } from '../domain/lead.ts';
import { type RouteDecision, route, routingScope } from '../domain/routing.ts';
import type { LeadStore } from './ports.ts';

/** A decision plus whether the chosen owner's open-lead slot was taken for it. */
export interface Assignment {
  decision: RouteDecision;
  holdsSlot: boolean;
  /** Saves the pool cursor/weights the decision advanced: done already unless `deferRotation` was asked for. */
  saveRotation(): Promise<void>;
}

const nothing = async () => {};

/** Attempts before a pool member who raced to their cap is given up on and routing moves on. */
const MAX_RACES = 5;

/**
 * Routes `lead` with the current cursors and counters. A pool owner's slot is taken with a conditional
 * increment (`open < maxOpen`); losing that race marks them full and routes again. Direct owners
 * (existing, account) take an uncapped slot; queues take none.
 */
export async function assign(
  basePolicy: Policy,
  store: LeadStore,
  req: {
    lead: LeadFacts;
    tier: Tier;
    now: number;
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
  const state = { ...loaded, openCounts };
  for (let race = 0; ; race++) {
    const decision = route(policy, { ...req, state, held });
    if (decision.kind === 'queue' || decision.ownerId === undefined)
      return { decision, holdsSlot: false, saveRotation: nothing };
    const member = decision.teamId
      ? policy.teams.get(decision.teamId)?.members.find((m) => m.ownerId === decision.ownerId)
      : undefined;
    // Pool picks respect the cap; direct owners (existing/account/specific) are counted but never capped.
    const pooled = decision.cursor || decision.weights || decision.makeUp;
    const cap = pooled ? member?.maxOpen : undefined;
    if (await store.takeSlot(decision.ownerId, cap, pooled ? decision.quota : undefined)) {
      const { cursor, weights, makeUp } = decision;
      const saveRotation = async () => {
        if (cursor) await store.saveRotation(cursor.teamId, { cursor: cursor.value });
        if (weights) await store.saveRotation(weights.teamId, { weights: weights.value });
        if (makeUp) await store.saveRotation(makeUp.teamId, { makeUp: makeUp.value });
      };
      if (opts.deferRotation) return { decision, holdsSlot: true, saveRotation };
      await saveRotation();
      return { decision, holdsSlot: true, saveRotation: nothing };
    }
    openCounts[decision.ownerId] = cap ?? Number.POSITIVE_INFINITY;
    if (race >= MAX_RACES) {
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
