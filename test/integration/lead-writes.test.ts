/**
 * How often a lead is written on its way from capture to its status sync (each write of the state item is
 * charged whole: README, Cost): capture stores it once with its timer, crm-sync writes it twice (the task
 * lease, with a new contact's id, and the synced mark), a first touch once with its status sync marked.
 * The version counts the writes (every update bumps it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute, hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, NOW, propertyChange, startStack, webhookEvent } from '../helpers/live.ts';

describe('writes of a lead from capture to its status sync', () => {
  const clock = manualClock(NOW);
  let stack: LocalStack;
  let n = 0;

  beforeAll(async () => {
    stack = await startStack({ clock, consumeSync: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function capture(): Promise<string> {
    n++;
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        {
          email: `writes.${n}@company${n}.example`,
          firstName: 'Wri',
          lastName: `Tes ${n}`,
          country: 'US',
          intent: 'demo',
          channel: 'form',
          sourceEventId: `writes-${n}`,
        },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    expect(res.statusCode).toBe(202);
    return JSON.parse(res.body ?? '{}').leadId as string;
  }

  const sync = (leadId: string, reason: string) =>
    syncBatch(stack.rt, [
      { id: `${reason}-${leadId}`, body: JSON.stringify({ leadId, reason, attempt: 1 }), receiveCount: 1 },
    ]);

  it('stores a new lead in one write, its timer armed before it and its sync queued', async () => {
    // Act
    const leadId = await capture();

    // Assess
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead).toMatchObject({ version: 1, timer: 'armed', sync: 'queued', attempt: 1 });
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)).toBeDefined();
  });

  it('stores the lead with its timer pending, for the sweeper, when the Scheduler refuses it', async () => {
    // Prepare
    const arm = stack.rt.timers.arm;
    stack.rt.timers.arm = async () => {
      throw new Error('ThrottlingException: Rate exceeded');
    };

    // Act
    let leadId: string;
    try {
      leadId = await capture();
    } finally {
      stack.rt.timers.arm = arm;
    }

    // Assess
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      version: 1,
      timer: 'pending',
      sync: 'queued',
    });
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)).toBeUndefined();
  });

  it('syncs a lead with a new contact in two writes: the task lease with the contact id, then synced', async () => {
    // Prepare
    const leadId = await capture();

    // Act
    const failed = await sync(leadId, 'assigned');

    // Assess
    expect(failed).toEqual([]);
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead).toMatchObject({ version: 3, sync: 'synced', notifiedAttempt: 1 });
    expect(lead?.hubspotContactId).toBeDefined();
    expect(lead?.tasks['1']).toBeDefined();
    expect(lead).not.toHaveProperty('taskPending');
    expect(lead).not.toHaveProperty('taskLeaseUntil');
    expect(await stack.rt.store.getPointer('contact', lead?.hubspotContactId as string)).toBe(leadId);
  });

  it('records a first touch in one write that also marks its status sync', async () => {
    // Prepare
    const leadId = await capture();
    await sync(leadId, 'assigned');
    const before = await stack.rt.store.getLead(leadId);
    clock.set(NOW + 60_000);

    // Act
    const res = await runRoute(
      hubspotWebhookRoute(stack.rt),
      webhookEvent(
        stack,
        [
          propertyChange({
            eventId: 7_000_000 + n,
            contactId: before?.hubspotContactId as string,
            property: 'hs_lead_status',
            value: 'ATTEMPTED_TO_CONTACT',
            occurredAt: NOW + 60_000,
          }),
        ],
        NOW + 60_000,
      ),
    );

    // Assess
    expect(res.statusCode).toBe(204);
    const after = await stack.rt.store.getLead(leadId);
    expect(after).toMatchObject({
      status: 'touched',
      version: (before?.version ?? 0) + 1,
      sync: 'queued',
      syncRequestedAt: new Date(NOW + 60_000).toISOString(),
    });
    expect(await sync(leadId, 'status')).toEqual([]);
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      version: (before?.version ?? 0) + 2,
      sync: 'synced',
    });
  });
});
