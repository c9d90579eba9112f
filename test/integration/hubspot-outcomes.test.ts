/**
 * Issue 18: outcomes read from HubSpot's own records through the sandbox (docs/hubspot-semantics.md): a
 * connected call, a meeting, the lifecycle stage reaching SQL and a deal closed won land on the lead and in
 * the report; a call that did not connect, an email from the lead before any outreach and a canceled
 * meeting do not count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { CONNECTED_DISPOSITION } from '../../shared/domain/outcomes.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { reportRoute } from '../../shared/http/report-route.ts';
import { hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { getEvent } from '../helpers/http-event.ts';
import {
  bodyOf,
  contactLead,
  manualClock,
  NOW,
  type OBJECT_TYPE_IDS,
  objectCreated,
  propertyChange,
  startStack,
  webhookEvent,
} from '../helpers/live.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
/** HubSpot's default "No answer" call outcome. */
const NO_ANSWER = '73a0d17f-1163-4015-bdd5-ec830791da20';

describe('outcomes from HubSpot', () => {
  let stack: LocalStack;
  const clock = manualClock();
  let eventIds = 190_000;

  async function leadFor(name: string) {
    const { res, contactId, leadId } = await contactLead(stack, name, 'outcome.example');
    expect(res.statusCode).toBe(202);
    await stack.sqs.drain(10_000);
    return { contactId, leadId };
  }
  const deliver = async (events: unknown[]) => {
    const res = await runRoute(hubspotWebhookRoute(stack.rt), webhookEvent(stack, events, clock.now()));
    expect(res.statusCode).toBe(204);
  };
  const created = (kind: keyof typeof OBJECT_TYPE_IDS, objectId: string, occurredAt: number) =>
    objectCreated({ eventId: eventIds++, kind, objectId, occurredAt });
  const dealChange = (dealId: string, value: string, occurredAt: number) => ({
    ...created('deal', dealId, occurredAt),
    subscriptionType: 'deal.propertyChange',
    objectTypeId: undefined,
    propertyName: 'dealstage',
    propertyValue: value,
  });

  beforeAll(async () => {
    stack = await startStack({ clock });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records a connected call, a meeting, SQL and a closed-won deal on the lead, and the report fills from them', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('full');
    const sandbox = stack.sandbox!;

    // Act: a call that did not connect, then one that did; a meeting; the stage to SQL; a deal won.
    clock.set(NOW + 2 * MIN);
    const missed = sandbox.logActivity(contactId, 'call', NOW + 2 * MIN, { hs_call_disposition: NO_ANSWER });
    await deliver([created('call', missed.id, NOW + 2 * MIN)]);
    clock.set(NOW + 10 * MIN);
    const call = sandbox.logActivity(contactId, 'call', NOW + 10 * MIN, {
      hs_call_disposition: CONNECTED_DISPOSITION,
    });
    await deliver([created('call', call.id, NOW + 10 * MIN)]);
    clock.set(NOW + 20 * MIN);
    const meeting = sandbox.logActivity(contactId, 'meeting', NOW + 20 * MIN, {
      hs_meeting_start_time: iso(NOW + 2 * 86_400_000),
      hs_meeting_outcome: 'SCHEDULED',
    });
    await deliver([created('meeting', meeting.id, NOW + 20 * MIN)]);
    clock.set(NOW + 60 * MIN);
    sandbox.setContactProperty(contactId, 'lifecyclestage', 'salesqualifiedlead');
    await deliver([
      propertyChange({
        eventId: eventIds++,
        contactId,
        property: 'lifecyclestage',
        value: 'salesqualifiedlead',
        occurredAt: NOW + 60 * MIN,
      }),
    ]);
    clock.set(NOW + 90 * MIN);
    const deal = sandbox.createDeal(contactId, { amount: '24000', dealname: 'Full deal' });
    await deliver([
      {
        ...created('deal', deal.id, NOW + 90 * MIN),
        subscriptionType: 'deal.creation',
        objectTypeId: undefined,
      },
    ]);
    clock.set(NOW + 3 * 86_400_000);
    sandbox.setDealStage(deal.id, 'closedwon');
    await deliver([dealChange(deal.id, 'closedwon', NOW + 3 * 86_400_000)]);

    // Assess: the earliest of each, the attempts before contact counting the missed call.
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead).toMatchObject({
      firstTouchAt: iso(NOW + 2 * MIN),
      contactedAt: iso(NOW + 10 * MIN),
      contactVia: 'call',
      contactAttempts: 2,
      meetingStartAt: iso(NOW + 2 * 86_400_000),
      meetingVia: 'rep',
      qualifiedAt: iso(NOW + 60 * MIN),
      qualifiedStage: 'salesqualifiedlead',
    });
    expect(lead?.meetingAt).toBeDefined();
    expect(lead?.deals?.[deal.id]).toMatchObject({ amount: 24000, stage: 'closedwon' });
    expect(lead?.deals?.[deal.id]?.wonAt).toBeDefined();
    const types = (await stack.rt.store.listEvents(leadId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['contacted', 'meeting_booked', 'qualified', 'deal', 'deal_won']),
    );

    const report = await runRoute(
      reportRoute(
        Object.create(stack.rt, {
          loadLeads: { value: (f: Date, t: Date) => stack.rt.store.listSubmitted(f, t) },
        }),
      ),
      {
        ...getEvent('/reports/sla', { authorization: `Bearer ${stack.adminKey}` }),
        rawQueryString: 'from=2030-01-07&to=2030-01-08&groupBy=owner',
      },
    );
    const owner = (bodyOf(report).groups as { key: string; kpis: Record<string, unknown> }[]).find(
      (g) => g.key === '1001',
    );
    expect(owner?.kpis).toMatchObject({
      contacted: 1,
      meetings: 1,
      qualified: 1,
      wonDeals: 1,
      wonRevenue: 24000,
    });
    expect(owner?.kpis.contactRate).not.toBeNull();
    expect(owner?.kpis.attemptsBeforeContact).toBe(2);
    expect(owner?.kpis.timeToQualificationMedianMs).toBe(60 * MIN);
  });

  it('takes no contact from an email the lead sent before any outreach, and no meeting from a canceled one', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('quiet');
    const sandbox = stack.sandbox!;

    // Act
    clock.set(NOW + MIN);
    const inbound = sandbox.logActivity(contactId, 'email', NOW + MIN, {
      hs_email_direction: 'INCOMING_EMAIL',
    });
    const canceled = sandbox.logActivity(contactId, 'meeting', NOW + MIN, { hs_meeting_outcome: 'CANCELED' });
    await deliver([created('email', inbound.id, NOW + MIN), created('meeting', canceled.id, NOW + MIN)]);

    // Assess
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead?.contactedAt).toBeUndefined();
    expect(lead?.meetingAt).toBeUndefined();
    expect(lead?.status).toBe('routed');
  });

  it('counts the lead reply after a rep email as contact made', async () => {
    // Prepare
    const { contactId, leadId } = await leadFor('reply');
    const sandbox = stack.sandbox!;
    clock.set(NOW + 3 * MIN);
    const sent = sandbox.logActivity(contactId, 'email', NOW + 3 * MIN, { hs_email_direction: 'EMAIL' });
    await deliver([created('email', sent.id, NOW + 3 * MIN)]);

    // Act
    clock.set(NOW + 30 * MIN);
    const reply = sandbox.logActivity(contactId, 'email', NOW + 30 * MIN, {
      hs_email_direction: 'INCOMING_EMAIL',
    });
    await deliver([created('email', reply.id, NOW + 30 * MIN)]);

    // Assess
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      firstTouchAt: iso(NOW + 3 * MIN),
      contactedAt: iso(NOW + 30 * MIN),
      contactVia: 'reply',
    });
  });
});
