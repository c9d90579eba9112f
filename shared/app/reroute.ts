/**
 * HubSpot refused a lead's owner (archived, deactivated, or an id it never had, since the last accounts
 * sync): that owner leaves every pool now, and the lead goes to the next eligible owner, or to the
 * default queue with an alert, keeping its deadline. Conditional on the version the sync read.
 */
import type { Policy } from '../domain/compile.ts';
import type { LeadFacts } from '../domain/lead.ts';
import { assign } from './assign.ts';
import type { Clock, LeadRecord, LeadStore, Log } from './ports.ts';

/** Whether the lead was moved off the refused owner (false: it changed meanwhile, the caller re-reads it). */
export async function rerouteRefusedOwner(
  deps: { policy: Policy; store: LeadStore; clock: Clock; log: Log },
  lead: LeadRecord,
  version: number,
): Promise<boolean> {
  const { policy, store } = deps;
  const refused = lead.ownerId;
  if (!refused) return false;
  await store.addInactiveOwner(refused);
  const tier = policy.tierById.get(lead.tier) ?? policy.defaultTier;
  const facts: LeadFacts = {
    ...lead.input,
    region: lead.region,
    domain: lead.domain,
    freeMail: lead.freeMail,
    targetAccount: lead.targetAccount,
  };
  const { decision, holdsSlot } = await assign(policy, store, {
    lead: facts,
    tier,
    now: deps.clock.now(),
    leadId: lead.leadId,
    exclude: new Set([refused]),
    team: lead.teamId,
  });
  const why = `HubSpot refused owner ${refused} (archived or deactivated): marked inactive, rerouted`;
  const owner = decision.kind === 'owner' && decision.ownerId && decision.ownerId !== refused;
  const queueId = decision.queueId ?? policy.defaultQueue;
  const next = await store.updateLead(
    lead.leadId,
    { version },
    owner
      ? {
          ownerId: decision.ownerId,
          ownerName: decision.ownerName ?? null,
          teamId: decision.teamId ?? lead.teamId ?? null,
          holdsSlot,
          trail: [...lead.trail, why, ...decision.trail],
        }
      : {
          status: 'unroutable',
          ownerId: policy.queues.get(queueId)?.ownerId ?? null,
          ownerName: null,
          queueId,
          holdsSlot: false,
          trail: [...lead.trail, why, ...decision.trail],
        },
  );
  if (!next) {
    if (owner && holdsSlot && decision.ownerId) await store.releaseSlot(decision.ownerId, lead.leadId);
    return false;
  }
  if (lead.holdsSlot) await store.releaseSlot(refused, lead.leadId);
  await store.putEvent({
    leadId: lead.leadId,
    at: new Date(deps.clock.now()).toISOString(),
    type: 'rerouted',
    ref: `${lead.attempt}:${refused}`,
    data: {
      from: refused,
      to: next.ownerId,
      queue: owner ? undefined : queueId,
      reason: 'owner refused by HubSpot',
    },
  });
  deps.log.warn('HubSpot refused the owner: marked inactive, lead rerouted', {
    leadId: lead.leadId,
    from: refused,
    to: next.ownerId,
  });
  return true;
}
