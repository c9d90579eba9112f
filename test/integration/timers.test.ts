/**
 * SLA timers against the Scheduler emulator at AWS's fidelity: a one-time schedule fires anywhere within
 * its minute, including before the seconds of its expression (docs/aws-emulators.md). A timer that fires
 * early is put back, never lost.
 */
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL, type LocalStack } from '../../infra/local/stack.ts';
import { scheduleName } from '../../shared/adapters/scheduler-timers.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, markTold, startStack } from '../helpers/live.ts';
import { basePolicy } from '../helpers/policy-builder.ts';

/** The base policy (PT1H in UTC office hours), with no HubSpot verification: the timers are the subject. */
const policy = basePolicy({
  escalation: { verifyInHubSpot: false, ladder: [{ action: 'reassign', notify: [] }] },
});
/** Captured 17 seconds into the minute, so the deadline carries seconds: due 10:00:17. */
const CAPTURED = Date.parse('2030-01-07T09:00:17Z');
const DUE = Date.parse('2030-01-07T10:00:17Z');

describe('SLA timers at the Scheduler’s one-minute precision', () => {
  const clock = manualClock(CAPTURED);
  let stack: LocalStack;
  let client: SchedulerClient;
  let n = 0;
  beforeAll(async () => {
    // jitter 0: every schedule fires at the first millisecond of its minute, the earliest AWS allows.
    stack = await startStack({
      policy,
      clock,
      consumeSync: false,
      scheduler: { autoFire: false, now: () => clock.now(), jitter: () => 0 },
    });
    client = new SchedulerClient({
      endpoint: stack.scheduler.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await stack?.close();
  });

  async function capture(): Promise<{ leadId: string; dueAt: string }> {
    clock.set(CAPTURED);
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: `early.${++n}@timers.example`, intent: 'demo', channel: 'form' },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    expect(res.statusCode).toBe(202);
    const lead = JSON.parse(res.body ?? '{}');
    // The sync queue is not consumed here: record that the owner was told, as crm-sync would (issue 12
    // defers a breach while the owner has not been told).
    await markTold(stack, lead.leadId);
    return lead;
  }

  it('arms at the whole minute after the deadline, so the earliest fire is not before it, and breaches on that fire', async () => {
    // Prepare
    const lead = await capture();
    expect(Date.parse(lead.dueAt)).toBe(DUE);
    const name = scheduleName(lead.leadId, 1);

    // Act: the minute of the deadline (10:00:00–10:00:59) passes, then the next one starts.
    clock.set(DUE - 17_000);
    const inDeadlineMinute = await stack.scheduler.fireDue(DUE + 42_000);
    clock.set(Date.parse('2030-01-07T10:01:00Z'));
    const next = await stack.scheduler.fireDue();
    await stack.timersSettled();

    // Assess
    expect(inDeadlineMinute).toBe(0);
    expect(next).toBe(1);
    const after = await stack.rt.store.getLead(lead.leadId);
    expect(after).toMatchObject({ attempt: 2, breachCount: 1 });
    expect(stack.scheduler.get(LOCAL.scheduleGroup, name)).toBeUndefined();
    expect(stack.scheduler.get(LOCAL.scheduleGroup, scheduleName(lead.leadId, 2))?.expression).toBe(
      'at(2030-01-07T11:01:00)',
    );
  });

  it('puts back a timer that fired early after its schedule deleted itself, and breaches when it fires again', async () => {
    // Prepare: the timer fires at 09:30 (a deadline moved later, or a precision the rounding did not
    // cover); AWS has already deleted the one-time schedule (ActionAfterCompletion DELETE).
    const lead = await capture();
    const name = scheduleName(lead.leadId, 1);
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: LOCAL.scheduleGroup }));
    clock.set(Date.parse('2030-01-07T09:30:00Z'));

    // Act
    const early = await handleBreach(stack.rt, { leadId: lead.leadId, attempt: 1 });
    const rearmed = stack.scheduler.get(LOCAL.scheduleGroup, name);
    clock.set(Date.parse('2030-01-07T10:01:00Z'));
    const fired = await stack.scheduler.fireDue();
    await stack.timersSettled();

    // Assess
    expect(early).toEqual({ kind: 'early', dueAt: lead.dueAt });
    expect(rearmed).toMatchObject({ expression: 'at(2030-01-07T10:01:00)', fired: false });
    expect(fired).toBe(1);
    expect(await stack.rt.store.getLead(lead.leadId)).toMatchObject({ attempt: 2, breachCount: 1 });
  });

  it('puts back a timer the emulator fires before its deadline while the schedule still exists', async () => {
    // Prepare
    const lead = await capture();
    const name = scheduleName(lead.leadId, 1);
    clock.set(Date.parse('2030-01-07T09:59:30Z'));

    // Act: fired now, 47 s early, by the emulator itself (the schedule is updated during its own delivery).
    await stack.scheduler.fireNow(name, LOCAL.scheduleGroup);
    await stack.timersSettled();
    const afterEarly = await stack.rt.store.getLead(lead.leadId);
    const kept = stack.scheduler.get(LOCAL.scheduleGroup, name);
    clock.set(Date.parse('2030-01-07T10:01:00Z'));
    await stack.scheduler.fireDue();
    await stack.timersSettled();

    // Assess
    expect(afterEarly).toMatchObject({ attempt: 1, breachCount: 0, status: 'routed' });
    expect(kept).toMatchObject({ expression: 'at(2030-01-07T10:01:00)', fired: false });
    expect(await stack.rt.store.getLead(lead.leadId)).toMatchObject({ attempt: 2, breachCount: 1 });
  });
});
