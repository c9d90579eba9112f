import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { runRoute } from '../../shared/http/chain.ts';
import {
  captureRoute,
  getLeadRoute,
  hubspotWebhookRoute,
  leadEventsRoute,
} from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import {
  bodyOf,
  manualClock,
  NOW,
  propertyChange,
  scanTable,
  startStack,
  webhookEvent,
} from '../helpers/live.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('after capture: first touch, duplicates, reassignment and the lead API', () => {
  let stack: LocalStack;
  const clock = manualClock();
  let eventIds = 5000;
  const bearer = () => ({ authorization: `Bearer ${stack.adminKey}` });

  /** Captures a HubSpot contact's lead at the current clock time, pinned to `ownerId`, and syncs it. */
  async function leadFor(email: string, ownerId: string, submittedAt = clock.now()) {
    const contact = stack.sandbox!.createContact({ email, firstname: email.split('.')[0]! });
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        {
          email,
          intent: 'demo',
          submittedAt: iso(submittedAt),
          hubspotContactId: contact.id,
          existingOwnerId: ownerId,
        },
        bearer(),
      ),
    );
    expect(res.statusCode).toBe(202);
    await stack.sqs.drain(10_000);
    return {
      contactId: contact.id,
      leadId: bodyOf(res).leadId as string,
      dueAt: bodyOf(res).dueAt as string,
    };
  }
  const deliver = (events: unknown[]) =>
    runRoute(hubspotWebhookRoute(stack.rt), webhookEvent(stack, events, clock.now()));
  const leadStatus = (contactId: string, value: string, occurredAt: number, eventId = eventIds++) =>
    propertyChange({ eventId, contactId, property: 'hs_lead_status', value, occurredAt });
  const timeline = async (leadId: string) =>
    bodyOf(await runRoute(getLeadRoute(stack.rt), getEvent(`/leads/${leadId}`, bearer())));
  const eventsOf = async (leadId: string, type: string) =>
    (await stack.rt.store.listEvents(leadId)).filter((e) => e.type === type);
  const postLeadEvent = (leadId: string, body: unknown, headers: Record<string, string> = bearer()) =>
    runRoute(leadEventsRoute(stack.rt), postEvent(`/leads/${leadId}/events`, body, headers));

  beforeAll(async () => {
    stack = await startStack({ clock });
  });
  afterEach(() => {
    clock.set(NOW);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stops the clock on a first touch before the deadline: timer deleted, touched, SLA met, speed in business time', async () => {
    // Prepare: submitted 08:30 in Berlin, before opening; due five business minutes after 09:00 (08:05 UTC).
    clock.set('2030-01-07T07:30:00Z');
    const { contactId, leadId, dueAt } = await leadFor('tom.touch@acme.example', '1001');
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)?.expression).toBe('at(2030-01-07T08:05:00)');
    clock.set('2030-01-07T08:03:30Z');

    // Act: the rep sets the lead status at 08:03 UTC.
    const res = await deliver([leadStatus(contactId, 'ATTEMPTED_TO_CONTACT', at('2030-01-07T08:03:00Z'))]);
    await stack.sqs.drain(10_000);

    // Assess
    expect(dueAt).toBe('2030-01-07T08:05:00.000Z');
    expect(res).toEqual({ statusCode: 204 });
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)).toBeUndefined();
    const view = await timeline(leadId);
    expect(view).toMatchObject({
      leadId,
      status: 'touched',
      firstTouchAt: '2030-01-07T08:03:00.000Z',
      slaOutcome: 'met',
      speedSeconds: 180,
    });
    expect(view.timeline.map((e: { type: string }) => e.type)).toEqual([
      'captured',
      'routed',
      'synced',
      'touched',
      'synced',
    ]);
    expect(view.timeline.find((e: { type: string }) => e.type === 'touched').data).toEqual({
      via: 'lead_status',
      by: '1001',
      speedMs: 180_000,
      speedWallMs: 33 * 60_000,
      outcome: 'met',
      dueAt: '2030-01-07T08:05:00.000Z',
    });
    expect(stack.sandbox!.contact(contactId)!.properties).toMatchObject({
      leadclock_sla_status: 'met',
      leadclock_first_touch_seconds: '180',
    });
  });

  it('records a touch after the deadline as late', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('lara.late@acme.example', '1002');
    clock.set(NOW + 600_000);

    // Act: the owner's first engagement is 7 minutes after submission (due after 5).
    const res = await deliver([
      propertyChange({
        eventId: eventIds++,
        contactId,
        property: 'hs_sa_first_engagement_date',
        value: String(NOW + 420_000),
        occurredAt: NOW + 421_000,
        changeSource: 'CALCULATED',
      }),
    ]);

    // Assess
    expect(res.statusCode).toBe(204);
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      status: 'touched',
      slaOutcome: 'late',
      speedMs: 420_000,
      firstTouchAt: iso(NOW + 420_000),
    });
  });

  it('applies a touch delivered twice, one after the other, once', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('dora.double@acme.example', '1003');
    const event = leadStatus(contactId, 'CONNECTED', NOW + 60_000);

    // Act
    const first = await deliver([event]);
    const second = await deliver([event]);

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([204, 204]);
    expect(await eventsOf(leadId, 'touched')).toHaveLength(1);
    expect(await eventsOf(leadId, 'attempt')).toHaveLength(0);
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({ status: 'touched', attemptsLogged: 1 });
  });

  it('applies a touch delivered 5 times at once, and two different touch events at once, as one transition', async () => {
    // Prepare
    const a = await leadFor('cara.concurrent@acme.example', '1001');
    const b = await leadFor('cody.concurrent@acme.example', '1002');
    const same = leadStatus(a.contactId, 'ATTEMPTED_TO_CONTACT', NOW + 60_000);
    const viaStatus = leadStatus(b.contactId, 'ATTEMPTED_TO_CONTACT', NOW + 90_000);
    const viaNotes = propertyChange({
      eventId: eventIds++,
      contactId: b.contactId,
      property: 'hs_sa_first_engagement_date',
      value: String(NOW + 90_000),
      occurredAt: NOW + 90_000,
    });

    // Act
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => deliver([same])),
      deliver([viaStatus]),
      deliver([viaNotes]),
    ]);

    // Assess
    expect(answers.map((r) => r.statusCode)).toEqual([204, 204, 204, 204, 204, 204, 204]);
    for (const { leadId } of [a, b]) {
      expect(await eventsOf(leadId, 'touched')).toHaveLength(1);
      expect(await stack.rt.store.getLead(leadId)).toMatchObject({ status: 'touched', attemptsLogged: 1 });
    }
    expect((await eventsOf(b.leadId, 'touched'))[0]!.at).toBe(iso(NOW + 90_000));
  });

  it('re-times the clock for the new owner when a person reassigns the contact, and records a misroute', async () => {
    // Prepare: routed to Anna (due 09:05 UTC), her task synced.
    const { contactId, leadId } = await leadFor('mia.misroute@acme.example', '1001');
    const openBefore = (await stack.rt.store.loadRoutingState([], ['1001', '1002'])).openCounts;
    clock.set(NOW + 60_000);
    const byUser = propertyChange({
      eventId: eventIds++,
      contactId,
      property: 'hubspot_owner_id',
      value: '1002',
      occurredAt: NOW + 60_000,
    });

    // Act
    const res = await deliver([byUser]);
    await stack.sqs.drain(10_000);

    // Assess: Luca gets a fresh five business minutes from 09:01 UTC.
    expect(res.statusCode).toBe(204);
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      status: 'routed',
      ownerId: '1002',
      ownerName: 'Luca Rossi',
      attempt: 2,
      previousOwners: ['1001'],
      dueAt: '2030-01-07T09:06:00.000Z',
      sync: 'synced',
    });
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)).toBeUndefined();
    expect(stack.scheduler.get('leadclock', `lc-${leadId}-2`)?.expression).toBe('at(2030-01-07T09:06:00)');
    expect((await eventsOf(leadId, 'misroute')).map((e) => e.data)).toEqual([
      { from: '1001', to: '1002', retimed: true, dueAt: '2030-01-07T09:06:00.000Z', withinFirstHour: true },
    ]);
    const tasks = stack
      .sandbox!.tasksFor(contactId)
      .map((t) => [
        t.properties.leadclock_task_key,
        t.properties.hubspot_owner_id,
        t.properties.hs_task_status,
      ]);
    expect(tasks).toEqual([
      [`${leadId}:1`, '1001', 'COMPLETED'],
      [`${leadId}:2`, '1002', 'NOT_STARTED'],
    ]);
    const openAfter = (await stack.rt.store.loadRoutingState([], ['1001', '1002'])).openCounts;
    expect([openAfter['1001'], openAfter['1002']]).toEqual([
      (openBefore['1001'] ?? 0) - 1,
      (openBefore['1002'] ?? 0) + 1,
    ]);
  });

  it('ignores owner changes made by leadclock itself or another integration', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('ian.integration@acme.example', '1003');
    const before = await stack.rt.store.getLead(leadId);
    const byIntegration = propertyChange({
      eventId: eventIds++,
      contactId,
      property: 'hubspot_owner_id',
      value: '1001',
      occurredAt: NOW + 30_000,
      changeSource: 'INTEGRATION',
      sourceId: 'appId:54321',
    });

    // Act
    const res = await deliver([byIntegration]);

    // Assess
    expect(res.statusCode).toBe(204);
    expect(await stack.rt.store.getLead(leadId)).toEqual(before);
    expect(await eventsOf(leadId, 'misroute')).toEqual([]);
  });

  it('acknowledges and ignores events for contacts leadclock does not know', async () => {
    // Prepare
    const before = await scanTable(stack);
    const stranger = stack.sandbox!.createContact({ email: 'sam.stranger@acme.example' });
    const events = [
      leadStatus(stranger.id, 'ATTEMPTED_TO_CONTACT', NOW),
      leadStatus('987654321', 'CONNECTED', NOW),
      propertyChange({
        eventId: eventIds++,
        contactId: stranger.id,
        property: 'hubspot_owner_id',
        value: '1001',
        occurredAt: NOW,
      }),
    ];

    // Act
    const res = await deliver(events);

    // Assess
    expect(res).toEqual({ statusCode: 204 });
    expect(await scanTable(stack)).toEqual(before);
  });

  it('answers 401 to an unsigned or wrongly signed webhook delivery and changes nothing', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('walt.wrongsig@acme.example', '1001');
    const before = await scanTable(stack);
    const event = webhookEvent(stack, [leadStatus(contactId, 'CONNECTED', NOW)], NOW);
    const tampered = { ...event, body: event.body!.replace('CONNECTED', 'IN_PROGRESS') };
    const keyed = postEvent('/hubspot/webhooks', [leadStatus(contactId, 'CONNECTED', NOW)], bearer());

    // Act
    const answers = await Promise.all(
      [tampered, keyed].map((e) => runRoute(hubspotWebhookRoute(stack.rt), e)),
    );

    // Assess
    expect(answers.map((r) => [r.statusCode, bodyOf(r).error.code])).toEqual([
      [401, 'unauthorized'],
      [401, 'unauthorized'],
    ]);
    expect(await scanTable(stack)).toEqual(before);
    expect((await stack.rt.store.getLead(leadId))?.status).toBe('routed');
  });

  describe('POST /leads/{id}/events', () => {
    it('records a first touch from another system and answers with the lead', async () => {
      // Prepare
      const { leadId } = await leadFor('fred.firsttouch@acme.example', '1002');
      clock.set(NOW + 120_000);

      // Act
      const res = await postLeadEvent(leadId, {
        type: 'first_touch',
        at: iso(NOW + 120_000),
        ownerId: '1002',
      });

      // Assess
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res)).toMatchObject({
        leadId,
        status: 'touched',
        firstTouchAt: iso(NOW + 120_000),
        slaOutcome: 'met',
        speedSeconds: 120,
      });
      expect(stack.scheduler.get('leadclock', `lc-${leadId}-1`)).toBeUndefined();
    });

    it('accepts, and rejects with a reason (flagged premature), each once', async () => {
      // Prepare
      const accepted = await leadFor('ada.accept@acme.example', '1003');
      const rejected = await leadFor('rex.reject@acme.example', '1001');

      // Act
      const a = await postLeadEvent(accepted.leadId, { type: 'accepted', at: iso(NOW + 60_000) });
      const r = await postLeadEvent(rejected.leadId, {
        type: 'rejected',
        at: iso(NOW + 60_000),
        reason: 'student',
      });
      const again = await postLeadEvent(rejected.leadId, {
        type: 'rejected',
        at: iso(NOW + 60_000),
        reason: 'student',
      });

      // Assess
      expect([a.statusCode, r.statusCode, again.statusCode]).toEqual([200, 200, 200]);
      expect(bodyOf(a)).toMatchObject({ status: 'accepted', slaOutcome: 'met', speedSeconds: 60 });
      expect(bodyOf(r)).toMatchObject({ status: 'rejected' });
      expect(await stack.rt.store.getLead(rejected.leadId)).toMatchObject({ closeReason: 'student' });
      expect((await eventsOf(rejected.leadId, 'rejected')).map((e) => e.data)).toEqual([
        { reason: 'student', attempts: 0, premature: true },
      ]);
      expect(stack.scheduler.get('leadclock', `lc-${accepted.leadId}-1`)).toBeUndefined();
      expect(stack.scheduler.get('leadclock', `lc-${rejected.leadId}-1`)).toBeUndefined();
    });

    it('answers 404 for an unknown lead, 409 for a transition the lead cannot take, 400 for a bad type, 401 without a key', async () => {
      // Prepare
      const { leadId } = await leadFor('nina.nope@acme.example', '1002');
      await postLeadEvent(leadId, { type: 'rejected', at: iso(NOW), reason: 'duplicate' });

      // Act
      const unknown = await postLeadEvent('LunknownLeadId0000000001', { type: 'accepted' });
      const invalid = await postLeadEvent(leadId, { type: 'accepted', at: iso(NOW) });
      const badType = await postLeadEvent(leadId, { type: 'called', at: iso(NOW) });
      const noKey = await postLeadEvent(leadId, { type: 'accepted' }, {});

      // Assess
      expect([unknown, invalid, badType, noKey].map((r) => [r.statusCode, bodyOf(r).error.code])).toEqual([
        [404, 'not_found'],
        [409, 'invalid_transition'],
        [400, 'invalid'],
        [401, 'unauthorized'],
      ]);
      expect(bodyOf(badType).error.field).toBe('type');
      expect((await stack.rt.store.getLead(leadId))?.status).toBe('rejected');
    });
  });
});
