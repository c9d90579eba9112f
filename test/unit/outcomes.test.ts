import { describe, expect, it } from 'vitest';
import { computeKpis, speedBucket } from '../../shared/domain/kpi.ts';
import { applyOutcome, dealTotals, type OutcomeFields } from '../../shared/domain/outcomes.ts';
import { lead } from './kpi-fixtures.ts';

const T = (min: number) => new Date(Date.UTC(2030, 0, 7, 9, min)).toISOString();

describe('applyOutcome keeps the earliest time of each outcome', () => {
  it('records a first contact with the attempts logged so far, and ignores a later one', () => {
    // Prepare
    const none: OutcomeFields = {};

    // Act
    const first = applyOutcome(none, 3, { kind: 'connected', at: T(30), via: 'call' });
    const later = applyOutcome(first?.patch ?? {}, 4, { kind: 'connected', at: T(40), via: 'reply' });
    const earlier = applyOutcome(first?.patch ?? {}, 4, { kind: 'connected', at: T(10), via: 'lead_status' });

    // Assess
    expect(first?.patch).toEqual({ contactedAt: T(30), contactVia: 'call', contactAttempts: 3 });
    expect(first?.event).toMatchObject({ type: 'contacted', at: T(30), ref: '0' });
    expect(later).toBeUndefined();
    expect(earlier?.patch).toEqual({ contactedAt: T(10), contactVia: 'lead_status', contactAttempts: 4 });
  });

  it('counts a contact with no logged attempt as one attempt', () => {
    // Act
    const w = applyOutcome({}, 0, { kind: 'connected', at: T(5), via: 'api' });

    // Assess
    expect(w?.patch.contactAttempts).toBe(1);
  });

  it('records the booking time of a meeting apart from its (future) start, once', () => {
    // Prepare
    const start = '2030-02-01T15:00:00.000Z';

    // Act
    const w = applyOutcome({}, 1, {
      kind: 'meeting_booked',
      at: T(20),
      startAt: start,
      via: 'meetings_link',
      meetingId: 'm1',
    });
    const again = applyOutcome(w?.patch ?? {}, 1, {
      kind: 'meeting_booked',
      at: T(20),
      via: 'meetings_link',
      meetingId: 'm1',
    });

    // Assess
    expect(w?.patch).toEqual({ meetingAt: T(20), meetingStartAt: start, meetingVia: 'meetings_link' });
    expect(w?.event).toMatchObject({ type: 'meeting_booked', ref: 'm1' });
    expect(again).toBeUndefined();
  });

  it('records qualification at the first qualified stage', () => {
    // Act
    const w = applyOutcome({}, 1, { kind: 'qualified', at: T(50), stage: 'salesqualifiedlead' });
    const later = applyOutcome(w?.patch ?? {}, 1, { kind: 'qualified', at: T(55), stage: 'opportunity' });

    // Assess
    expect(w?.patch).toEqual({ qualifiedAt: T(50), qualifiedStage: 'salesqualifiedlead' });
    expect(later).toBeUndefined();
  });

  it('follows a deal from creation to closed won, and ignores a repeat of the same state', () => {
    // Act
    const created = applyOutcome({}, 1, {
      kind: 'deal',
      at: T(60),
      dealId: 'd1',
      amount: 12000,
      stage: 'appointmentscheduled',
    });
    const won = applyOutcome(created?.patch ?? {}, 1, {
      kind: 'deal',
      at: T(90),
      dealId: 'd1',
      stage: 'closedwon',
      won: true,
    });
    const replay = applyOutcome(won?.patch ?? {}, 1, {
      kind: 'deal',
      at: T(95),
      dealId: 'd1',
      stage: 'closedwon',
      won: true,
    });

    // Assess
    expect(created?.event.type).toBe('deal');
    expect(won?.patch.deals?.d1).toEqual({
      createdAt: T(60),
      amount: 12000,
      stage: 'closedwon',
      wonAt: T(90),
    });
    expect(won?.event).toMatchObject({ type: 'deal_won', at: T(90), ref: 'd1' });
    expect(replay).toBeUndefined();
  });

  it('totals pipeline over every deal and won revenue over closed-won ones', () => {
    // Act
    const t = dealTotals({
      a: { createdAt: T(1), amount: 1000 },
      b: { createdAt: T(2), amount: 500, wonAt: T(3) },
      c: { createdAt: T(2), amount: 200, lostAt: T(4) },
      d: { createdAt: T(2) },
    });

    // Assess
    expect(t).toEqual({ deals: 4, pipeline: 1700, won: 500, wonDeals: 1 });
  });
});

describe('outcome KPIs', () => {
  it('buckets speed to lead by wall clock', () => {
    // Act
    const buckets = [undefined, 0, 299_999, 300_000, 1_799_999, 1_800_000, 14_399_999, 14_400_000].map(
      speedBucket,
    );

    // Assess
    expect(buckets).toEqual(['untouched', '<5m', '<5m', '5-30m', '5-30m', '30m-4h', '30m-4h', '>4h']);
  });

  it('fills meetings per 100, time to qualification, pipeline and won revenue per lead, by speed bucket', () => {
    // Prepare: A touched in 2 min, met, SQL after 1 h, a won deal of 10k; B touched after 20 min with an open 2k
    // deal and a meeting; C untouched.
    const sub = '2030-01-07T09:00:00.000Z';
    const a = lead({
      leadId: 'A',
      submittedAt: sub,
      firstTouchAt: '2030-01-07T09:02:00.000Z',
      speedWallMs: 120_000,
      qualifiedAt: '2030-01-07T10:00:00.000Z',
      deals: {
        d1: { createdAt: '2030-01-08T00:00:00.000Z', amount: 10_000, wonAt: '2030-01-09T00:00:00.000Z' },
      },
      repeatCount: 0,
    });
    const b = lead({
      leadId: 'B',
      submittedAt: sub,
      firstTouchAt: '2030-01-07T09:20:00.000Z',
      speedWallMs: 1_200_000,
      meetingAt: '2030-01-07T12:00:00.000Z',
      deals: { d2: { createdAt: '2030-01-08T00:00:00.000Z', amount: 2_000 } },
      repeatCount: 0,
    });
    const c = lead({ leadId: 'C', submittedAt: sub, repeatCount: 0 });

    // Act
    const r = computeKpis([a, b, c], {
      from: new Date('2030-01-07T00:00:00Z'),
      to: new Date('2030-01-14T00:00:00Z'),
      now: new Date('2030-01-20T00:00:00Z'),
      groupBy: 'speed',
    });

    // Assess
    expect(r.total).toMatchObject({
      meetings: 1,
      meetingsPer100: 33.33,
      qualified: 1,
      timeToQualificationMedianMs: 3_600_000,
      deals: 2,
      wonDeals: 1,
      pipeline: 12_000,
      wonRevenue: 10_000,
      pipelinePerLead: 4_000,
      wonRevenuePerLead: 3_333.33,
    });
    const by = Object.fromEntries(r.groups.map((g) => [g.key, g.kpis]));
    expect(Object.keys(by).sort()).toEqual(['5-30m', '<5m', 'untouched'].sort());
    expect(by['<5m']).toMatchObject({ leads: 1, qualified: 1, wonRevenuePerLead: 10_000 });
    expect(by['5-30m']).toMatchObject({ leads: 1, meetingsPer100: 100, pipelinePerLead: 2_000 });
    expect(by.untouched).toMatchObject({ leads: 1, meetings: 0, pipelinePerLead: 0 });
  });
});
