/**
 * A wave of breaches goes Scheduler → timer queue → sla-breach in batches, and each batch is verified in
 * HubSpot with batch reads (`Crm.contactActivities`): the same verdicts as one check per lead (a rep's
 * call stops the clock, the contact's own activity does not, deleted and merged contacts are answered), in
 * a handful of calls instead of four per lead. A batch HubSpot cannot answer pages nobody and comes back
 * a minute later.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL, type LocalStack } from '../../infra/local/stack.ts';
import { handleBreachMessages } from '../../shared/app/breach.ts';
import { bodyOf, contactLead, manualClock, NOW, startStack } from '../helpers/live.ts';
import { waitFor } from '../helpers/wait.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** Five minutes after NOW (the example policy's demo window for an existing owner). */
const DUE = NOW + 300_000;
/** When the timers are fired: inside the minute after the deadline, where the whole-minute `at()` fires. */
const FIRED = DUE + 61_000;

describe('breaches verified in HubSpot a batch at a time', () => {
  let stack: LocalStack;
  const clock = manualClock();
  let n = 0;

  /** A lead captured at NOW for owner 1001 on a new HubSpot contact, its timer armed (not synced yet). */
  async function leadFor(name: string) {
    const { res, contactId, leadId } = await contactLead(stack, name, 'batch.example');
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res).dueAt).toBe(iso(DUE));
    return { contactId, leadId };
  }
  /** Waits until crm-sync has told each lead's owner (a breach is never paged before that). */
  const toldAbout = (leads: { leadId: string }[]) =>
    waitFor(async () => {
      const all = await Promise.all(leads.map((l) => stack.rt.store.getLead(l.leadId)));
      return all.every((l) => (l?.notifiedAttempt ?? 0) >= 1);
    }, 20_000);
  const contactReads = (since: number) =>
    stack.sandbox!.requests.slice(since).filter((r) => r.path.startsWith('/crm/v3/objects/contacts'));
  const breachPages = () =>
    stack.sns.outbox().filter((m) => JSON.stringify(m.attributes.type ?? '').includes('"breach"'));

  beforeAll(async () => {
    stack = await startStack({
      clock,
      scheduler: { autoFire: false, now: () => clock.now(), jitter: () => 0 },
      // One batch takes the whole wave, as the deployed 2 s window does.
      breachBatchingWindowMs: 300,
    });
  });
  afterEach(() => {
    clock.set(NOW);
    stack.sandbox!.setFaults({});
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('gives each lead the verdict a single check would, in a few batch reads', async () => {
    // Prepare: 60 leads (more than one history batch of 50): two worked by a rep, one whose contact only
    // visited the site, one deleted, one merged into a contact a rep then called; the rest untouched
    const leads = [];
    for (let i = 0; i < 60; i++) leads.push(await leadFor(`wave${i}`));
    await stack.sqs.drain(30_000, [LOCAL.syncQueue]);
    const [called1, called2, visited, deleted, merged] = leads as [
      (typeof leads)[0],
      (typeof leads)[0],
      (typeof leads)[0],
      (typeof leads)[0],
      (typeof leads)[0],
    ];
    stack.sandbox!.logActivity(called1.contactId, 'call', NOW + 60_000);
    stack.sandbox!.logActivity(called2.contactId, 'email', NOW + 90_000);
    stack.sandbox!.contactActivity(visited.contactId, 'site_visit', NOW + 30_000);
    stack.sandbox!.deleteContact(deleted.contactId);
    const survivor = stack.sandbox!.createContact({ email: `survivor.${++n}@batch.example` });
    stack.sandbox!.mergeContacts(survivor.id, merged.contactId);
    stack.sandbox!.logActivity(survivor.id, 'call', NOW + 120_000);
    const before = stack.sandbox!.requests.length;

    // Act: the deadline minute passes; every timer fires into the timer queue
    clock.set(FIRED);
    expect(await stack.scheduler.fireDue()).toBe(60);
    await stack.timersSettled();

    // Assess: the verdicts
    const lead = (id: string) => stack.rt.store.getLead(id);
    for (const worked of [called1, called2]) {
      const l = await lead(worked.leadId);
      expect(l).toMatchObject({ breachCount: 0, firstTouchAt: expect.any(String) });
      expect((await stack.rt.store.listEvents(worked.leadId)).map((e) => e.type)).toContain('late_touch');
    }
    const survived = await lead(merged.leadId);
    expect(survived).toMatchObject({ breachCount: 0, hubspotContactId: survivor.id });
    expect(survived?.firstTouchAt).toBe(iso(NOW + 120_000));
    for (const quiet of [visited, deleted, ...leads.slice(5)]) {
      const l = await lead(quiet.leadId);
      expect(l?.breachCount).toBe(1);
      const breached = (await stack.rt.store.listEvents(quiet.leadId)).find((e) => e.type === 'breached');
      expect(breached?.data).toMatchObject({ verified: true });
    }
    // …and what it cost: contacts in batch reads of at most 50 with history, looked up one by one only
    // where the batch could not answer (the deleted and the merged-away id)
    const reads = contactReads(before);
    const batchReads = reads.filter((r) => r.path === '/crm/v3/objects/contacts/batch/read');
    expect(batchReads.length).toBeGreaterThanOrEqual(2);
    for (const r of batchReads) {
      const body = r.body as { inputs: unknown[]; propertiesWithHistory: string[] };
      expect(body.inputs.length).toBeLessThanOrEqual(50);
      expect(body.propertiesWithHistory).toEqual(['hs_lead_status']);
    }
    const single = reads.filter((r) => r.method === 'GET' && /\/contacts\/\d+$/.test(r.path));
    expect(single.map((r) => r.path.split('/').pop()).sort()).toEqual(
      [deleted.contactId, merged.contactId].sort(),
    );
    // 60 leads checked one by one cost at least 4 calls each (240); batched, a handful of calls
    const verification = stack
      .sandbox!.requests.slice(before)
      .filter((r) => !/tasks|batch\/(update|create|upsert)/.test(r.path));
    expect(verification.length).toBeLessThan(40);
  });

  it('pages nobody when HubSpot cannot answer the batch, and checks again a minute later', async () => {
    // Prepare: three synced leads, then HubSpot answers every request with a 500
    const leads = [await leadFor('down1'), await leadFor('down2'), await leadFor('down3')];
    await toldAbout(leads);
    const pagesBefore = breachPages().length;
    stack.sandbox!.setFaults({ rate5xx: 1, status5xx: 500 });

    // Act: the timers fire while HubSpot is down
    clock.set(FIRED);
    expect(await stack.scheduler.fireDue()).toBe(3);
    await stack.timersSettled(60_000);

    // Assess: no breach, no page; each timer is back a minute later
    expect(breachPages().length).toBe(pagesBefore);
    for (const { leadId } of leads) {
      expect((await stack.rt.store.getLead(leadId))?.breachCount).toBe(0);
      const timer = stack.scheduler.get(LOCAL.scheduleGroup, `lc-${leadId}-1`);
      expect(timer?.dueAt).toBeGreaterThanOrEqual(FIRED + 60_000);
    }

    // Act: HubSpot is back when the timers fire again
    stack.sandbox!.setFaults({});
    clock.set(FIRED + 121_000);
    expect(await stack.scheduler.fireDue()).toBe(3);
    await stack.timersSettled();

    // Assess: verified breaches, each paged once
    for (const { leadId } of leads) {
      expect((await stack.rt.store.getLead(leadId))?.breachCount).toBe(1);
      const breached = (await stack.rt.store.listEvents(leadId)).find((e) => e.type === 'breached');
      expect(breached?.data).toMatchObject({ verified: true });
    }
    expect(breachPages().length).toBeGreaterThan(pagesBefore);
  });

  it('drops a message that is not a timer and runs the rest of its batch', async () => {
    // Prepare
    const { leadId } = await leadFor('with-junk');
    await toldAbout([{ leadId }]);
    clock.set(FIRED);

    // Act
    const failed = await handleBreachMessages(stack.rt, [
      { id: 'junk', body: 'not json' },
      { id: 'no-attempt', body: JSON.stringify({ leadId }) },
      { id: 'timer', body: JSON.stringify({ leadId, attempt: 1 }) },
    ]);

    // Assess: nothing to deliver again; the real timer breached
    expect(failed).toEqual([]);
    expect((await stack.rt.store.getLead(leadId))?.breachCount).toBe(1);
  });

  it('puts a failed breach back as a timer, and an hour past the deadline leaves it to the queue', async () => {
    // Prepare: a lead due and told; SNS refuses every publish
    const { leadId } = await leadFor('sns-down');
    await toldAbout([{ leadId }]);
    const snsDown = {
      ...stack.rt,
      policy: stack.rt.policy,
      notifier: {
        publish: async () => {
          throw new Error('SNS is down');
        },
      },
    };
    const message = [{ id: 'm1', body: JSON.stringify({ leadId, attempt: 1 }) }];

    // Act: the timer fires a minute after the deadline
    clock.set(FIRED);
    const soon = await handleBreachMessages(snsDown, message);

    // Assess: nothing for the queue to redeliver; the timer is back a minute later; nobody was paged
    expect(soon).toEqual([]);
    expect(stack.scheduler.get(LOCAL.scheduleGroup, `lc-${leadId}-1`)?.dueAt).toBeGreaterThanOrEqual(
      FIRED + 60_000,
    );
    expect((await stack.rt.store.getLead(leadId))?.status).toBe('breached');

    // Act: still failing two hours past the deadline
    clock.set(DUE + 2 * 3_600_000);
    const late = await handleBreachMessages(snsDown, message);

    // Assess: left to SQS (redelivered, then dead-lettered), not re-armed forever
    expect(late).toEqual(['m1']);

    // Act: SNS is back when the queue delivers it again
    const pagesBefore = breachPages().length;
    const resumed = await handleBreachMessages(stack.rt, message);

    // Assess: the breach resumes where it stopped and pages once
    expect(resumed).toEqual([]);
    // (an existing owner's lead has no team to reassign within: the ladder parks it)
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({ status: 'parked', breachCount: 1 });
    expect(breachPages().length).toBe(pagesBefore + 1);
  });

  it('refuses a history batch read of more than 50 contacts, as HubSpot does', async () => {
    const r = await fetch(`${stack.sandbox!.url}/crm/v3/objects/contacts/batch/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.sandbox!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: Array.from({ length: 51 }, (_, i) => ({ id: String(100001 + i) })),
        properties: ['email'],
        propertiesWithHistory: ['hs_lead_status'],
      }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: expect.stringContaining('property histories is 50'),
    });
  });
});
