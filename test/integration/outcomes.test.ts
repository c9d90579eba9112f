/**
 * Issue 18: outcomes recorded through POST /leads/{id}/events (for systems other than HubSpot) land on the
 * lead and fill the outcome KPIs of GET /reports/sla by every grouping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { GROUP_BY } from '../../shared/domain/kpi.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { reportRoute } from '../../shared/http/report-route.ts';
import { captureRoute, leadEventsRoute } from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import { bodyOf, NOW, startStack } from '../helpers/live.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

describe('outcomes through the events API', () => {
  let stack: LocalStack;
  const bearer = () => ({ authorization: `Bearer ${stack.adminKey}` });

  beforeAll(async () => {
    stack = await startStack({ clock: { now: () => NOW + 3 * 3_600_000 } });
  });
  afterAll(() => stack?.close());

  async function capture(tag: string): Promise<string> {
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: `${tag}@outcome.example`, firstName: tag, intent: 'demo', submittedAt: iso(NOW) },
        bearer(),
      ),
    );
    expect(res.statusCode).toBe(202);
    return bodyOf(res).leadId as string;
  }

  const post = (leadId: string, body: Record<string, unknown>) =>
    runRoute(leadEventsRoute(stack.rt), {
      ...postEvent(`/leads/${leadId}/events`, body, bearer()),
      pathParameters: { leadId },
    });

  it('records a connected call, a meeting, SQL and a won deal on the lead, once each', async () => {
    // Prepare
    const leadId = await capture('full');

    // Act
    const results = [
      await post(leadId, { type: 'first_touch', at: iso(NOW + 2 * MIN) }),
      await post(leadId, { type: 'connected', at: iso(NOW + 10 * MIN), via: 'call' }),
      await post(leadId, { type: 'connected', at: iso(NOW + 12 * MIN), via: 'call' }),
      await post(leadId, {
        type: 'meeting_booked',
        at: iso(NOW + 30 * MIN),
        startAt: '2030-01-09T15:00:00.000Z',
        via: 'rep',
        meetingId: 'm-1',
      }),
      await post(leadId, { type: 'qualified', at: iso(NOW + 60 * MIN), stage: 'salesqualifiedlead' }),
      await post(leadId, {
        type: 'deal',
        at: iso(NOW + 90 * MIN),
        dealId: 'd-1',
        amount: 24_000,
        stage: 'appointmentscheduled',
      }),
      await post(leadId, {
        type: 'deal',
        at: iso(NOW + 120 * MIN),
        dealId: 'd-1',
        stage: 'closedwon',
        won: true,
      }),
    ];

    // Assess
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead).toMatchObject({
      contactedAt: iso(NOW + 10 * MIN),
      contactVia: 'call',
      contactAttempts: 1,
      meetingAt: iso(NOW + 30 * MIN),
      meetingStartAt: '2030-01-09T15:00:00.000Z',
      qualifiedAt: iso(NOW + 60 * MIN),
      qualifiedStage: 'salesqualifiedlead',
      deals: {
        'd-1': {
          amount: 24_000,
          stage: 'closedwon',
          createdAt: iso(NOW + 90 * MIN),
          wonAt: iso(NOW + 120 * MIN),
        },
      },
    });
    const timeline = (await stack.rt.store.listEvents(leadId)).map((e) => e.type);
    expect(timeline.filter((t) => t === 'contacted')).toHaveLength(1);
    expect(timeline).toEqual(expect.arrayContaining(['meeting_booked', 'qualified', 'deal', 'deal_won']));
  });

  it('refuses a malformed outcome naming the field', async () => {
    // Prepare
    const leadId = await capture('bad');

    // Act
    const answers = await Promise.all([
      post(leadId, { type: 'deal', amount: 10 }),
      post(leadId, { type: 'deal', dealId: 'x', amount: -1 }),
      post(leadId, { type: 'meeting_booked', startAt: 'tomorrow' }),
      post(leadId, { type: 'connected', via: 'carrier pigeon' }),
      post(leadId, { type: 'deal', dealId: 'x', won: true, lost: true }),
    ]);

    // Assess
    expect(answers.map((a) => [a.statusCode, bodyOf(a).error.field])).toEqual([
      [400, 'dealId'],
      [400, 'amount'],
      [400, 'startAt'],
      [400, 'via'],
      [400, 'lost'],
    ]);
  });

  it('fills every outcome KPI of the report, by every grouping', async () => {
    // Prepare: one more lead with outcomes, so each group that has a lead has an outcome.
    const leadId = await capture('report');
    await post(leadId, { type: 'first_touch', at: iso(NOW + 3 * MIN) });
    await post(leadId, { type: 'connected', at: iso(NOW + 5 * MIN) });
    await post(leadId, { type: 'meeting_booked', at: iso(NOW + 20 * MIN) });
    await post(leadId, { type: 'qualified', at: iso(NOW + 40 * MIN) });
    await post(leadId, { type: 'deal', at: iso(NOW + 50 * MIN), dealId: 'd-2', amount: 5_000 });
    const route = reportRoute({
      ...stack.rt,
      loadLeads: (from, to) => stack.rt.store.listSubmitted(from, to),
    });
    const fields = [
      'contactRate',
      'attemptsBeforeContact',
      'timeToMeetingMedianMs',
      'meetingsPer100',
      'timeToQualificationMedianMs',
      'pipelinePerLead',
      'wonRevenuePerLead',
    ] as const;

    for (const groupBy of GROUP_BY) {
      // Act
      const res = await runRoute(route, {
        ...getEvent('/reports/sla', bearer()),
        rawQueryString: `from=2030-01-07&to=2030-01-08&groupBy=${groupBy}`,
      });

      // Assess: the groups holding the lead have every outcome KPI filled.
      expect(res.statusCode).toBe(200);
      const report = bodyOf(res);
      const withLeads = (report.groups as { key: string; kpis: Record<string, unknown> }[]).filter(
        (g) => (g.kpis.contacted as number) > 0,
      );
      expect(withLeads.length, groupBy).toBeGreaterThan(0);
      for (const g of withLeads)
        for (const f of fields) expect(g.kpis[f], `${groupBy}/${g.key}/${f}`).not.toBeNull();
    }
  });
});
