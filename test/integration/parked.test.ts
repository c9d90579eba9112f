/**
 * Parked leads never stall silently: one handed to a rep in HubSpot is timed again and back in play, and
 * one a rep touches moves to that rep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL, type LocalStack } from '../../infra/local/stack.ts';
import { scheduleName } from '../../shared/adapters/scheduler-timers.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, markTold, NOW, startStack } from '../helpers/live.ts';
import { basePolicy } from '../helpers/policy-builder.ts';

/** One rung: park at once. */
const policy = basePolicy({
  escalation: { verifyInHubSpot: false, ladder: [{ action: 'park', queue: 'breach', notify: [] }] },
});
const LATER = NOW + 2 * 3_600_000;

describe('parked leads', () => {
  const clock = manualClock(NOW);
  let stack: LocalStack;
  let n = 0;
  beforeAll(async () => {
    stack = await startStack({ policy, clock, consumeSync: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function parkedLead(): Promise<{ leadId: string; ownerId: string }> {
    clock.set(NOW);
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: `parked.${++n}@queue.example`, intent: 'demo', channel: 'form' },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    const lead = JSON.parse(res.body ?? '{}');
    // The sync queue is not consumed here: the owner is told as crm-sync would (issue 12 defers the
    // breach of an owner who was not told).
    await markTold(stack, lead.leadId);
    clock.set(LATER);
    expect(await handleBreach(stack.rt, { leadId: lead.leadId, attempt: 1 })).toMatchObject({
      action: 'park',
    });
    expect((await stack.rt.store.getLead(lead.leadId))?.status).toBe('parked');
    return lead;
  }

  it('times a parked lead again when it is handed to a rep in HubSpot', async () => {
    // Prepare
    const lead = await parkedLead();
    const rep = lead.ownerId === '1' ? '2' : '1';

    // Act: a workflow (not a person) assigns the contact to a rep.
    const result = await applyChange(stack.rt, lead.leadId, {
      kind: 'owner_changed',
      at: new Date(LATER + 60_000).toISOString(),
      ownerId: rep,
      byUser: false,
    });

    // Assess: routed to the rep on a new attempt, with a new deadline and an armed timer.
    expect(result).toBe('applied');
    const after = await stack.rt.store.getLead(lead.leadId);
    expect(after).toMatchObject({ status: 'routed', ownerId: rep, attempt: 2, timer: 'armed' });
    expect(Date.parse(after!.dueAt)).toBeGreaterThan(LATER);
    expect(stack.scheduler.get(LOCAL.scheduleGroup, scheduleName(lead.leadId, 2))).toBeDefined();
  });

  it('moves a touched parked lead to the rep who touched it', async () => {
    // Prepare
    const lead = await parkedLead();
    const rep = lead.ownerId === '3' ? '2' : '3';

    // Act
    await applyChange(stack.rt, lead.leadId, {
      kind: 'touch',
      at: new Date(LATER + 60_000).toISOString(),
      by: rep,
      via: 'api',
    });

    // Assess
    const after = await stack.rt.store.getLead(lead.leadId);
    expect(after).toMatchObject({ status: 'touched', ownerId: rep, touchedBy: rep, teamId: 'sales' });
    expect(after?.previousOwners).toContain(lead.ownerId);
  });
});
