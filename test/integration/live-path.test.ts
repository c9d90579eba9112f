import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { signHubSpotV1, signHubSpotV2 } from '../../shared/http/signature.ts';
import { HOST, postEvent, signedEvent } from '../helpers/http-event.ts';
import { bodyOf, manualClock, NOW, startStack, workflowContact } from '../helpers/live.ts';

const PREVIOUS_KEY = 'lk_previous_ingest_key_0123456789';
const iso = (ms: number) => new Date(ms).toISOString();

/** A profile-shape workflow payload for a sandbox contact, submitted `agoMs` before NOW. */
function profilePayload(contactId: string, email: string, conversionId: string, agoMs: number) {
  const body = workflowContact();
  body.vid = Number(contactId);
  body['canonical-vid'] = Number(contactId);
  body.properties.email!.value = email;
  body['identity-profiles'][0]!.identities[0]!.value = email;
  body['form-submissions'][0]!.timestamp = NOW - agoMs;
  body['form-submissions'][0]!['conversion-id'] = conversionId;
  return body;
}

describe('live path: capture → route → timer → CRM sync', () => {
  let stack: LocalStack;
  const clock = manualClock();
  const capture = () => captureRoute(stack.rt);
  const bearer = (key = stack.ingestKey) => ({ authorization: `Bearer ${key}` });
  const schedulesOf = (leadId: string) =>
    stack.scheduler.schedules().filter((s) => s.name.startsWith(`lc-${leadId}-`));

  beforeAll(async () => {
    stack = await startStack({ previousIngestKey: PREVIOUS_KEY, clock });
  });
  afterEach(() => {
    clock.set(NOW);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('routes a signed HubSpot workflow payload, arms the timer, and syncs owner, properties, task and notification', async () => {
    // Prepare
    const contact = stack.sandbox!.createContact({
      email: 'jane.doe@example.com',
      firstname: 'Jane',
      lastname: 'Doe',
      company: 'Example Corp',
    });
    const body = profilePayload(
      contact.id,
      'jane.doe@example.com',
      '2e137f47a86e48798322d47f6f529a93',
      30_000,
    );
    const event = signedEvent('/leads', body, stack.clientSecret, NOW);

    // Act
    const res = await runRoute(capture(), event);
    await stack.sqs.drain(10_000);

    // Assess
    expect(res.statusCode).toBe(202);
    const out = bodyOf(res);
    expect(out).toEqual({
      leadId: out.leadId,
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '1001',
      queue: null,
      dueAt: '2030-01-07T09:05:00.000Z',
    });
    const schedule = stack.scheduler.get('leadclock', `lc-${out.leadId}-1`);
    // Rounded up to the whole minute: the Scheduler fires anywhere within the minute of its expression.
    expect(schedule?.expression).toBe('at(2030-01-07T09:05:00)');
    expect(schedule).toMatchObject({
      timezone: 'UTC',
      actionAfterCompletion: 'DELETE',
      flexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(JSON.parse(schedule?.target.Input ?? '{}')).toEqual({ leadId: out.leadId, attempt: 1 });
    const synced = stack.sandbox!.contact(contact.id)!;
    expect(synced.properties).toMatchObject({
      hubspot_owner_id: '1001',
      leadclock_tier: 'hand-raiser',
      leadclock_sla_status: 'open',
      leadclock_lead_id: out.leadId,
    });
    expect(Date.parse(synced.properties.leadclock_sla_due_at!)).toBe(Date.parse('2030-01-07T09:05:00Z'));
    const tasks = stack.sandbox!.tasksFor(contact.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties).toMatchObject({
      hubspot_owner_id: '1001',
      hs_task_type: 'CALL',
      hs_task_priority: 'HIGH',
      hs_task_status: 'NOT_STARTED',
      leadclock_task_key: `${out.leadId}:1`,
    });
    expect(Date.parse(tasks[0]!.properties.hs_timestamp!)).toBe(Date.parse('2030-01-07T09:05:00.000Z'));
    const notes = stack.sns.deliveries('anna.schmidt@example.com');
    expect(notes).toHaveLength(1);
    const sent = stack.sns.outbox().filter((m) => m.attributes.ownerId?.StringValue === '1001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.attributes).toMatchObject({
      type: { DataType: 'String', StringValue: 'assignment' },
      ownerId: { DataType: 'String', StringValue: '1001' },
      teamId: { DataType: 'String', StringValue: 'emea-sdr' },
      tier: { DataType: 'String', StringValue: 'hand-raiser' },
    });
    await expect(stack.rt.store.getLead(out.leadId)).resolves.toMatchObject({
      sync: 'synced',
      hubspotContactId: contact.id,
    });
  });

  it('accepts the CRM v3 object shape, routes to the existing owner and times the deadline in their calendar', async () => {
    // Prepare
    const contact = stack.sandbox!.createContact({
      email: 'olivia.object@acme.example',
      firstname: 'Olivia',
      lastname: 'Object',
    });
    const body = {
      id: contact.id,
      properties: {
        hs_object_id: contact.id,
        email: 'olivia.object@acme.example',
        firstname: 'Olivia',
        lastname: 'Object',
        company: 'Acme',
        country: 'United States',
        hubspot_owner_id: '2002',
        leadclock_intent: 'pricing',
        recent_conversion_date: iso(NOW - 60_000),
        recent_conversion_event_name: 'Pricing: talk to sales',
      },
      createdAt: iso(NOW - 86_400_000),
      updatedAt: iso(NOW - 60_000),
      archived: false,
    };

    // Act
    const res = await runRoute(capture(), signedEvent('/leads', body, stack.clientSecret, NOW));
    await stack.sqs.drain(10_000);

    // Assess: 08:59 UTC is 03:59 in New York, so five business minutes end at 09:05 New York time.
    expect(res.statusCode).toBe(202);
    const out = bodyOf(res);
    expect(out).toEqual({
      leadId: out.leadId,
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '2002',
      queue: null,
      dueAt: '2030-01-07T14:05:00.000Z',
    });
    expect(schedulesOf(out.leadId).map((s) => s.expression)).toEqual(['at(2030-01-07T14:05:00)']);
    const lead = await stack.rt.store.getLead(out.leadId);
    expect(lead).toMatchObject({
      hubspotContactId: contact.id,
      dedupeKey: `src:hubspot:contact:${contact.id}:${NOW - 60_000}`,
      region: 'NA',
      teamId: 'na-sdr',
      ruleId: 'existing-owner',
    });
    expect(stack.sandbox!.contact(contact.id)!.properties).toMatchObject({
      hubspot_owner_id: '2002',
      leadclock_tier: 'hand-raiser',
      leadclock_sla_status: 'open',
    });
    const tasks = stack.sandbox!.tasksFor(contact.id);
    expect(tasks.map((t) => [t.properties.hubspot_owner_id, Date.parse(t.properties.hs_timestamp!)])).toEqual(
      [['2002', Date.parse('2030-01-07T14:05:00Z')]],
    );
  });

  it('takes a normalised lead with a Bearer ingest key and upserts its HubSpot contact by email', async () => {
    // Prepare: a chat lead, unknown to HubSpot; the address is mixed case as people type it.
    const before = stack.sandbox!.contacts().length;
    const body = {
      email: 'Noah.Chat@Globex.example',
      firstName: 'Noah',
      lastName: 'Chat',
      company: 'Globex',
      country: 'DE',
      channel: 'chat',
      intent: 'demo',
      submittedAt: iso(NOW - 120_000),
      existingOwnerId: '1101',
    };

    // Act
    const res = await runRoute(capture(), postEvent('/leads', body, bearer()));
    await stack.sqs.drain(10_000);

    // Assess
    expect(res.statusCode).toBe(202);
    const out = bodyOf(res);
    expect(out).toEqual({
      leadId: out.leadId,
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '1101',
      queue: null,
      dueAt: '2030-01-07T09:05:00.000Z',
    });
    expect(stack.sandbox!.contacts()).toHaveLength(before + 1);
    const contact = stack.sandbox!.contact('noah.chat@globex.example')!;
    expect(contact.properties).toMatchObject({
      email: 'noah.chat@globex.example',
      firstname: 'Noah',
      lastname: 'Chat',
      company: 'Globex',
      hubspot_owner_id: '1101',
      leadclock_lead_id: out.leadId,
      leadclock_sla_status: 'open',
    });
    const lead = await stack.rt.store.getLead(out.leadId);
    expect(lead).toMatchObject({ hubspotContactId: contact.id, sync: 'synced', domain: 'globex.example' });
    expect(await stack.rt.store.getPointer('contact', contact.id)).toBe(out.leadId);
    expect(stack.sandbox!.tasksFor(contact.id).map((t) => t.properties.leadclock_task_key)).toEqual([
      `${out.leadId}:1`,
    ]);
    expect(stack.sns.deliveries('jonas.weber@example.com')).toHaveLength(1);
  });

  it('takes the ingest key from the query parameter and finds the existing contact by email', async () => {
    // Prepare
    const existing = stack.sandbox!.createContact({
      email: 'quinn.query@initech.example',
      firstname: 'Quinn',
    });
    const before = stack.sandbox!.contacts().length;
    const body = {
      email: 'quinn.query@initech.example',
      lastName: 'Query',
      channel: 'webinar',
      intent: 'contact',
      submittedAt: iso(NOW),
      existingOwnerId: '1002',
    };

    // Act
    const res = await runRoute(
      capture(),
      postEvent('/leads', body, {}, `key=${encodeURIComponent(stack.ingestKey)}`),
    );
    await stack.sqs.drain(10_000);

    // Assess
    expect(res.statusCode).toBe(202);
    const out = bodyOf(res);
    expect(out).toEqual({
      leadId: out.leadId,
      status: 'routed',
      tier: 'high-intent',
      ownerId: '1002',
      queue: null,
      dueAt: '2030-01-07T09:15:00.000Z',
    });
    expect(stack.sandbox!.contacts()).toHaveLength(before);
    expect((await stack.rt.store.getLead(out.leadId))?.hubspotContactId).toBe(existing.id);
    expect(stack.sandbox!.contact(existing.id)!.properties).toMatchObject({
      firstname: 'Quinn',
      lastname: 'Query',
      hubspot_owner_id: '1002',
      leadclock_tier: 'high-intent',
    });
    expect(stack.sandbox!.tasksFor(existing.id)).toHaveLength(1);
  });

  it('accepts the previous ingest key during a rotation, as a Bearer token and as the query parameter', async () => {
    // Prepare
    const lead = (email: string) => ({
      email,
      intent: 'trial',
      submittedAt: iso(NOW),
      existingOwnerId: '1003',
    });

    // Act
    const viaHeader = await runRoute(
      capture(),
      postEvent('/leads', lead('rita.rotated@acme.example'), bearer(PREVIOUS_KEY)),
    );
    const viaQuery = await runRoute(
      capture(),
      postEvent('/leads', lead('rob.rotated@acme.example'), {}, `key=${PREVIOUS_KEY}`),
    );

    // Assess
    expect([viaHeader.statusCode, viaQuery.statusCode]).toEqual([202, 202]);
    expect(bodyOf(viaHeader)).toMatchObject({ status: 'routed', ownerId: '1003', tier: 'hand-raiser' });
    expect(bodyOf(viaQuery)).toMatchObject({ status: 'routed', ownerId: '1003', tier: 'hand-raiser' });
    expect(bodyOf(viaHeader).leadId).not.toBe(bodyOf(viaQuery).leadId);
  });

  it('accepts v1 and v2 HubSpot signatures only when configuration turns them on', async () => {
    // Prepare
    const legacyRt = { ...stack.rt, auth: { ...stack.rt.auth, allowLegacySignatures: true } };
    const text = (email: string) =>
      JSON.stringify({ email, intent: 'demo', submittedAt: iso(NOW), existingOwnerId: '1001' });
    const v1Body = text('vera.v1@acme.example');
    const v2Body = text('victor.v2@acme.example');
    const v1 = postEvent('/leads', v1Body, {
      'x-hubspot-signature': signHubSpotV1(stack.clientSecret, v1Body),
      'x-hubspot-signature-version': 'v1',
    });
    const v2 = postEvent('/leads', v2Body, {
      'x-hubspot-signature': signHubSpotV2(stack.clientSecret, 'POST', `https://${HOST}/leads`, v2Body),
      'x-hubspot-signature-version': 'v2',
    });

    // Act
    const refused = await Promise.all([runRoute(capture(), v1), runRoute(capture(), v2)]);
    const accepted = await Promise.all([
      runRoute(captureRoute(legacyRt), v1),
      runRoute(captureRoute(legacyRt), v2),
    ]);

    // Assess
    expect(refused.map((r) => [r.statusCode, bodyOf(r).error.code])).toEqual([
      [401, 'unauthorized'],
      [401, 'unauthorized'],
    ]);
    expect(accepted.map((r) => [r.statusCode, bodyOf(r).status])).toEqual([
      [202, 'routed'],
      [202, 'routed'],
    ]);
  });

  it('keeps a HubSpot lead whose form time is in the future, starting its clock at receipt', async () => {
    // Prepare: HubSpot does not retry a 4xx, so refusing the payload would lose the lead.
    const contact = stack.sandbox!.createContact({ email: 'felix.future@acme.example' });
    const body = profilePayload(
      contact.id,
      'felix.future@acme.example',
      'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
      -3_600_000,
    );
    body.properties.hubspot_owner_id!.value = '1002';

    // Act
    const res = await runRoute(capture(), signedEvent('/leads', body, stack.clientSecret, NOW));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ ownerId: '1002', dueAt: '2030-01-07T09:05:00.000Z' });
    expect(await stack.rt.store.getLead(bodyOf(res).leadId)).toMatchObject({
      submittedAt: iso(NOW),
      dedupeKey: 'src:hubspot:form:f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
    });
  });

  it('turns the same delivery sent 5 times at once into one lead, one timer, one task and 5 identical answers', async () => {
    // Prepare: the contact already has an owner in Sydney (20:00 there: the clock waits for Tuesday 08:30).
    const contact = stack.sandbox!.createContact({ email: 'fiona.five@acme.example', firstname: 'Fiona' });
    const body = profilePayload(
      contact.id,
      'fiona.five@acme.example',
      'c0ffee00c0ffee00c0ffee00c0ffee00',
      30_000,
    );
    body.properties.hubspot_owner_id!.value = '3002';
    const event = signedEvent('/leads', body, stack.clientSecret, NOW);

    // Act
    const answers = await Promise.all(Array.from({ length: 5 }, () => runRoute(capture(), event)));
    await stack.sqs.drain(10_000);

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const out = bodyOf(answers[0]!);
    expect(out).toEqual({
      leadId: out.leadId,
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '3002',
      queue: null,
      dueAt: '2030-01-07T21:35:00.000Z',
    });
    expect(schedulesOf(out.leadId).map((s) => s.name)).toEqual([`lc-${out.leadId}-1`]);
    expect(stack.sandbox!.tasksFor(contact.id)).toHaveLength(1);
    const events = await stack.rt.store.listEvents(out.leadId);
    expect(
      events
        .filter((e) => e.type === 'captured' || e.type === 'routed')
        .map((e) => e.type)
        .sort(),
    ).toEqual(['captured', 'routed']);
    const routing = await stack.rt.store.loadRoutingState([], ['3002']);
    expect(routing.openCounts['3002']).toBe(1);
    expect(stack.sns.deliveries('ava.wilson@example.com')).toHaveLength(1);
  });

  it('lets only the delivery that created the lead move the round robin, so concurrent retries skip no rep', async () => {
    // Prepare: German leads go to the three EMEA SDRs in turn.
    const lead = (email: string) =>
      postEvent('/leads', { email, intent: 'demo', country: 'DE', sourceEventId: `chat:${email}` }, bearer());
    const retried = lead('ronja.roundrobin@acme.example');

    // Act
    const first = await Promise.all(Array.from({ length: 5 }, () => runRoute(capture(), retried)));
    const second = await runRoute(capture(), lead('rudi.roundrobin@acme.example'));
    const third = await runRoute(capture(), lead('rosa.roundrobin@acme.example'));

    // Assess
    expect(new Set(first.map((r) => r.body)).size).toBe(1);
    const owners = [first[0]!, second, third].map((r) => bodyOf(r).ownerId);
    expect([...owners].sort()).toEqual(['1001', '1002', '1003']);
  });

  it('makes a new inquiry from an open lead a repeat inquiry: same lead, tier raised, the one timer moved, no second task', async () => {
    // Prepare: a newsletter sign-up (24 round-the-clock hours) for a New York rep, synced.
    const email = 'rachel.repeat@acme.example';
    const first = await runRoute(
      capture(),
      postEvent(
        '/leads',
        {
          email,
          intent: 'newsletter',
          formId: 'newsletter',
          submittedAt: iso(NOW - 600_000),
          existingOwnerId: '2001',
        },
        bearer(),
      ),
    );
    await stack.sqs.drain(10_000);
    const leadId = bodyOf(first).leadId;
    const contactId = (await stack.rt.store.getLead(leadId))?.hubspotContactId as string;

    // Act: the same person asks for a demo (HubSpot delivers it twice, a minute apart), then for content (colder).
    const demo = postEvent(
      '/leads',
      { email, intent: 'demo', formId: 'demo', submittedAt: iso(NOW) },
      bearer(),
    );
    const hotter = await runRoute(capture(), demo);
    clock.set(NOW + 60_000);
    const retried = await runRoute(capture(), demo);
    const colder = await runRoute(
      capture(),
      postEvent(
        '/leads',
        { email, intent: 'content', formId: 'ebook', submittedAt: iso(NOW + 60_000) },
        bearer(),
      ),
    );
    await stack.sqs.drain(10_000);

    // Assess: the first lead's 24 h run from its assignment (09:00), not its submission. The demo request is due five business minutes after 09:00 in New York (14:00 UTC).
    expect(bodyOf(first)).toMatchObject({
      tier: 'nurture',
      ownerId: '2001',
      dueAt: '2030-01-08T09:00:00.000Z',
    });
    expect(hotter.statusCode).toBe(202);
    expect(bodyOf(hotter)).toEqual({
      leadId,
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '2001',
      queue: null,
      dueAt: '2030-01-07T14:05:00.000Z',
      duplicateOf: leadId,
    });
    expect([retried.statusCode, colder.statusCode]).toEqual([202, 202]);
    expect(bodyOf(retried)).toEqual(bodyOf(hotter));
    expect(bodyOf(colder)).toEqual(bodyOf(hotter));
    expect(stack.scheduler.schedules().filter((s) => s.target.Input?.includes(email))).toEqual([]);
    expect(schedulesOf(leadId).map((s) => s.expression)).toEqual(['at(2030-01-07T14:05:00)']);
    const events = await stack.rt.store.listEvents(leadId);
    expect(
      events.filter((e) => e.type === 'repeat_inquiry').map((e) => [e.data.tierBefore, e.data.tierAfter]),
    ).toEqual([
      ['nurture', 'hand-raiser'],
      ['hand-raiser', 'hand-raiser'],
    ]);
    expect(stack.sandbox!.tasksFor(contactId)).toHaveLength(1);
    // The one task's due date moved with the deadline.
    expect(Date.parse(stack.sandbox!.tasksFor(contactId)[0]!.properties.hs_timestamp!)).toBe(
      Date.parse('2030-01-07T14:05:00Z'),
    );
    expect(stack.sandbox!.contact(contactId)!.properties).toMatchObject({ leadclock_tier: 'hand-raiser' });
    expect(Date.parse(stack.sandbox!.contact(contactId)!.properties.leadclock_sla_due_at!)).toBe(
      Date.parse('2030-01-07T14:05:00Z'),
    );
    expect(stack.sns.deliveries('sam.carter@example.com')).toHaveLength(1);
  });
});
