import { readFileSync } from 'node:fs';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import { sweep } from '../../shared/app/sweeper.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { memoryLog, waitFor } from '../helpers/wait.ts';

const policy = loadPolicy(readFileSync('test/fixtures/policies/breach.yaml', 'utf8'));
let n = 0;
const email = () => `lead${++n}.${Date.now()}@acme-${n}.example`;

async function capture(stack: LocalStack, body: Record<string, unknown>) {
  const res = await runRoute(
    captureRoute(stack.rt),
    postEvent(
      '/leads',
      { channel: 'form', intent: 'demo', ...body },
      { authorization: `Bearer ${stack.ingestKey}` },
    ),
  );
  expect(res.statusCode).toBe(202);
  return JSON.parse(res.body ?? '{}') as { leadId: string; ownerId: string; dueAt: string };
}

const breachNotes = (stack: LocalStack, leadEmailPart?: string) =>
  stack.sns
    .outbox()
    .filter(
      (m) =>
        m.attributes.type?.StringValue === 'breach' && (!leadEmailPart || m.message.includes(leadEmailPart)),
    );

describe('SLA breach and escalation (2-second SLAs)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      policy,
      policyPath: 'test/fixtures/policies/breach.yaml',
      // The Scheduler's minute scaled down to a second (it still fires anywhere within it).
      scheduler: { deliverTwice: true, tickMs: 50, precisionMs: 1000 },
      log: memoryLog(),
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('breaches once when the Scheduler delivers twice, reassigns to another rep with a new task and timer, and pages only the right manager', async () => {
    // Prepare
    const e = email();
    const lead = await capture(stack, { email: e, firstName: 'Breach', lastName: 'Once', country: 'DE' });

    // Act: the deadline passes untouched; the emulator fires the timer twice.
    const after = await waitFor(async () => {
      const l = await stack.rt.store.getLead(lead.leadId);
      return l && l.attempt === 2 && l.sync === 'synced' ? l : undefined;
    }, 15_000);
    await stack.timersSettled();

    // Assess
    expect(after.status).toBe('routed');
    expect(after.breachCount).toBe(1);
    expect(after.ownerId).not.toBe(lead.ownerId);
    expect(after.previousOwners).toEqual([lead.ownerId]);
    const events = await stack.rt.store.listEvents(lead.leadId);
    expect(events.filter((x) => x.type === 'breached')).toHaveLength(1);
    expect(events.filter((x) => x.type === 'reassigned')).toHaveLength(1);
    expect(stack.scheduler.get('leadclock', `lc-${lead.leadId}-2`)?.expression).toBe(
      `at(${new Date(Math.ceil(Date.parse(after.dueAt) / 1000) * 1000).toISOString().slice(0, 19)})`,
    );
    const contactId = after.hubspotContactId as string;
    const tasks = stack.sandbox!.tasksFor(contactId);
    expect(tasks.map((t) => [t.properties.hubspot_owner_id, t.properties.hs_task_status])).toEqual([
      [lead.ownerId, 'COMPLETED'],
      [after.ownerId, 'NOT_STARTED'],
    ]);
    const pages = stack.sns
      .outbox()
      .filter(
        (m) =>
          m.attributes.type?.StringValue === 'breach' &&
          m.attributes.ownerId?.StringValue === lead.ownerId &&
          m.message.includes('Breach'),
      );
    expect(pages).toHaveLength(1);
    expect(pages[0]!.deliveredTo.sort()).toEqual(
      [
        '+4915100000001',
        'emma.manager@example.com',
        // The Slack channel (AWS Chatbot's HTTPS subscription) hears of every breach.
        'https://global.sns-api.chatbot.amazonaws.com',
        `rep.${['one', 'two', 'three'][Number(lead.ownerId) - 501]}@example.com`,
      ].sort(),
    );
    expect(
      stack.sns.deliveries('nate.manager@example.com').filter((d) => d.message.includes('Breach')),
    ).toHaveLength(0);
    expect(
      stack.sns.deliveries('dora.director@example.com').filter((d) => d.message.includes('Breach')),
    ).toHaveLength(0);
    const sms = JSON.parse(pages[0]!.message).sms as string;
    expect(sms.length).toBeLessThanOrEqual(160);
  });

  it('does not breach a lead touched one second before its deadline', async () => {
    // Prepare
    const lead = await capture(stack, { email: email(), country: 'DE' });

    // Act
    await applyChange(stack.rt, lead.leadId, {
      kind: 'touch',
      at: new Date(Date.parse(lead.dueAt) - 1000).toISOString(),
      via: 'api',
    });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lead.dueAt) - Date.now()) + 1500));
    await stack.timersSettled();

    // Assess
    const after = await stack.rt.store.getLead(lead.leadId);
    expect(after).toMatchObject({ status: 'touched', slaOutcome: 'met', breachCount: 0 });
    expect((await stack.rt.store.listEvents(lead.leadId)).map((e) => e.type)).not.toContain('breached');
    expect(stack.scheduler.get('leadclock', `lc-${lead.leadId}-1`)).toBeUndefined();
  });

  it('records a late touch and pages nobody when HubSpot shows activity at breach time', async () => {
    // Prepare: the sync gives the lead a contact; a call is logged in HubSpot, but no webhook arrives.
    const lead = await capture(stack, { email: email(), firstName: 'Called', country: 'DE' });
    const synced = await waitFor(async () => {
      const l = await stack.rt.store.getLead(lead.leadId);
      return l?.hubspotContactId ? l : undefined;
    });
    stack.sandbox!.logActivity(synced.hubspotContactId as string, 'call', new Date());
    const pagesBefore = breachNotes(stack).length;

    // Act
    const after = await waitFor(async () => {
      const l = await stack.rt.store.getLead(lead.leadId);
      return l?.status === 'touched' ? l : undefined;
    }, 10_000);
    await stack.timersSettled();

    // Assess
    expect(after.breachCount).toBe(0);
    const types = (await stack.rt.store.listEvents(lead.leadId)).map((e) => e.type);
    expect(types).toContain('late_touch');
    expect(types).not.toContain('breached');
    expect(breachNotes(stack).length).toBe(pagesBefore);
  });

  it('parks on rung 2, notifying manager and director, with the breach queue as owner', async () => {
    // Prepare
    const lead = await capture(stack, { email: email(), firstName: 'Twice', country: 'DE' });

    // Act: nobody touches it through two deadlines.
    const after = await waitFor(async () => {
      const l = await stack.rt.store.getLead(lead.leadId);
      return l?.status === 'parked' && l.sync === 'synced' ? l : undefined;
    }, 20_000);

    // Assess
    expect(after).toMatchObject({ breachCount: 2, queueId: 'breach', ownerId: '902' });
    const rung2 = stack.sns
      .outbox()
      .filter((m) => m.attributes.rung?.StringValue === '2' && m.message.includes('Twice'));
    expect(rung2).toHaveLength(1);
    expect(rung2[0]!.deliveredTo).toContain('dora.director@example.com');
    expect(rung2[0]!.deliveredTo).toContain('emma.manager@example.com');
    expect(stack.sandbox!.contact(after.hubspotContactId as string)!.properties).toMatchObject({
      hubspot_owner_id: '902',
      leadclock_sla_status: 'parked',
      leadclock_breach_count: '2',
    });
  });

  it('skips to the next rung when everyone in the pool is excluded', async () => {
    // Prepare: the solo team has one rep, who is the one that breached.
    const lead = await capture(stack, { email: email(), firstName: 'Solo', country: 'US' });

    // Act: wait for the park to finish (its event follows the status change).
    const types = await waitFor(async () => {
      const t = (await stack.rt.store.listEvents(lead.leadId)).map((e) => e.type);
      return t.includes('parked') ? t : undefined;
    }, 10_000);
    const after = await stack.rt.store.getLead(lead.leadId);

    // Assess
    expect(after).toMatchObject({
      status: 'parked',
      breachCount: 1,
      queueId: 'breach',
      previousOwners: ['601'],
    });
    expect(types).toEqual(expect.arrayContaining(['breached', 'escalation_skipped', 'parked']));
  });

  it('the sweeper fires the breach for a lead whose timer was deleted', async () => {
    // Prepare: a lead with its timer removed behind leadclock's back.
    const lead = await capture(stack, {
      email: email(),
      firstName: 'Lost',
      country: 'DE',
      intent: 'content',
    });
    const client = new SchedulerClient({
      endpoint: stack.scheduler.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await client.send(new DeleteScheduleCommand({ Name: `lc-${lead.leadId}-1`, GroupName: 'leadclock' }));
    client.destroy();
    const later = Date.parse(lead.dueAt) + 4 * 60_000;
    // The owner has been told (the sync ran): a breach may page.
    await stack.sqs.drain(10_000);

    // Act
    const report = await sweep({ ...stack.rt, clock: { now: () => later } });

    // Assess
    expect(report.breachesFired).toBeGreaterThanOrEqual(1);
    const after = await stack.rt.store.getLead(lead.leadId);
    expect(after).toMatchObject({ breachCount: 1, attempt: 2 });
  });

  it('a breach and a touch racing end in exactly one outcome, every time', async () => {
    // Prepare: leads with a one-hour window so the Scheduler stays out of it; the race is driven by hand.
    const leads = await Promise.all(
      Array.from({ length: 25 }, () => capture(stack, { email: email(), country: 'DE', intent: 'content' })),
    );

    const touchedAt = new Map<string, number>();

    // Act
    await Promise.all(
      leads.map(async (l, i) => {
        const at = Date.parse(l.dueAt) + 1000;
        const rt = { ...stack.rt, clock: { now: () => at } };
        const touchAt = at - (i % 2 ? 2000 : 0);
        touchedAt.set(l.leadId, touchAt);
        const touch = () =>
          applyChange(rt, l.leadId, { kind: 'touch', at: new Date(touchAt).toISOString(), via: 'api' });
        const breach = () => handleBreach(rt, { leadId: l.leadId, attempt: 1 });
        await Promise.all(i % 3 ? [touch(), breach(), breach()] : [breach(), touch(), touch()]);
      }),
    );

    // Assess
    for (const l of leads) {
      const lead = await stack.rt.store.getLead(l.leadId);
      const events = await stack.rt.store.listEvents(l.leadId);
      const breached = events.filter((e) => e.type === 'breached').length;
      const touched = events.filter((e) => e.type === 'touched').length;
      expect(breached).toBeLessThanOrEqual(1);
      expect(touched).toBe(1);
      expect(lead?.status).toBe('touched');
      // A touch made before the deadline is met even if its webhook lost the race; one after it is late.
      expect(lead?.slaOutcome).toBe(
        (touchedAt.get(l.leadId) as number) <= Date.parse(l.dueAt) ? 'met' : 'late',
      );
      // A page goes out only for a breach that won, and at most once.
      expect(events.filter((e) => e.type === 'breach_notified').length).toBeLessThanOrEqual(breached);
    }
  });
});
