/**
 * One bad record never blocks its batch: HubSpot refuses a whole batch for one bad input (400
 * VALIDATION_ERROR), so crm-sync splits it, fails only the bad item, and sends a lead whose owner HubSpot
 * refuses to the next eligible owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, ownersOf } from '../../infra/local/stack.ts';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { type Crm, CrmRefusedError } from '../../shared/app/ports.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, NOW, startStack } from '../helpers/live.ts';
import { basePolicy, member } from '../helpers/policy-builder.ts';

/** Four reps in round robin; HubSpot never had owner 99 (a typo in the policy, or a deleted user). */
const policy = basePolicy({
  defaults: { calendar: 'utc', queue: 'unassigned', maxOpen: 100 },
  teams: { sales: { calendar: 'utc', members: [member('1'), member('2'), member('3'), member('99')] } },
});

const rep2 = ownersOf(policy).find((o) => o.id === '2')!;

describe('crm-sync with a poison record in a batch of 8', () => {
  const clock = manualClock(NOW);
  let stack: LocalStack;
  let n = 0;
  beforeAll(async () => {
    stack = await startStack({
      policy,
      clock,
      consumeSync: false,
      sandbox: { owners: ownersOf(policy).filter((o) => o.id !== '99') },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function captureEight(): Promise<{ leadId: string; ownerId: string }[]> {
    const out: { leadId: string; ownerId: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await runRoute(
        captureRoute(stack.rt),
        postEvent(
          '/leads',
          { email: `poison.${++n}@batch.example`, intent: 'demo', channel: 'form' },
          { authorization: `Bearer ${stack.ingestKey}` },
        ),
      );
      expect(res.statusCode).toBe(202);
      out.push(JSON.parse(res.body ?? '{}'));
    }
    return out;
  }
  const items = (leads: { leadId: string }[]) =>
    leads.map((l) => ({
      id: `m-${l.leadId}`,
      body: JSON.stringify({ leadId: l.leadId, reason: 'assigned', attempt: 1 }),
      receiveCount: 1,
    }));

  it('syncs all 8 when HubSpot refuses an owner archived since the last accounts sync and one it never had, rerouting their leads', async () => {
    // Prepare: rep 2 is archived in HubSpot after routing; rep 99 never existed there.
    const leads = await captureEight();
    expect(new Set(leads.map((l) => l.ownerId))).toEqual(new Set(['1', '2', '3', '99']));
    stack.sandbox!.upsertOwner({ ...rep2, archived: true });

    // Act
    const failed = await syncBatch(stack.rt, items(leads));

    // Assess: nothing left to retry; every lead synced, on an owner HubSpot accepts, with one task each.
    expect(failed).toEqual([]);
    for (const l of leads) {
      const after = await stack.rt.store.getLead(l.leadId);
      expect(after).toMatchObject({ sync: 'synced', notifiedAttempt: 1 });
      expect(['1', '3']).toContain(after?.ownerId);
      const contact = stack.sandbox!.contact(after!.hubspotContactId!);
      expect(contact?.properties.hubspot_owner_id).toBe(after?.ownerId);
      const tasks = stack.sandbox!.tasksFor(after!.hubspotContactId!);
      expect(tasks.map((t) => t.properties.hubspot_owner_id)).toEqual([after?.ownerId]);
      if (!['1', '3'].includes(l.ownerId)) {
        const events = await stack.rt.store.listEvents(l.leadId);
        expect(events.find((e) => e.type === 'rerouted')?.data).toMatchObject({ from: l.ownerId });
      }
    }
    const state = await stack.rt.store.loadRoutingState(['sales'], ['1', '2', '3', '99']);
    expect([...state.inactiveOwners].sort()).toEqual(['2', '99']);
  });

  it('fails only the one lead HubSpot refuses for another reason, and syncs the other 7', async () => {
    // Prepare: HubSpot refuses any batch that carries the poisoned lead (a value it will not take).
    stack.sandbox!.upsertOwner({ ...rep2, archived: false });
    await stack.rt.store.setInactiveOwners(['99']);
    const leads = await captureEight();
    const poisoned = leads[5]!.leadId;
    const batchesSent: number[] = [];
    const real = stack.rt.crm;
    const crm = new Proxy(real, {
      get(t, k) {
        if (k === 'upsertContacts')
          return async (inputs: Parameters<Crm['upsertContacts']>[0]) => {
            batchesSent.push(inputs.length);
            if (inputs.some((i) => i.properties.leadclock_lead_id === poisoned))
              throw new CrmRefusedError('Property values were not valid', { invalidOwner: false });
            return real.upsertContacts(inputs);
          };
        const v = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });

    // Act
    const failed = await syncBatch({ ...stack.rt, crm }, items(leads));

    // Assess
    expect(failed).toEqual([`m-${poisoned}`]);
    for (const l of leads) {
      const after = await stack.rt.store.getLead(l.leadId);
      expect(after?.sync).toBe(l.leadId === poisoned ? 'queued' : 'synced');
    }
    expect(batchesSent[0]).toBe(8);
    expect(batchesSent.length).toBeLessThanOrEqual(7);
  });
});
