import { describe, expect, it } from 'vitest';
import { compileCalendar, elapsed } from '../../shared/domain/clock.ts';
import {
  computeKpis,
  definitionsMarkdown,
  isoWeek,
  KPI_DEFINITIONS,
  type KpiQuery,
  type Kpis,
  outcomeFacts,
  quantile,
  weeksOf,
} from '../../shared/domain/kpi.ts';
import type { CalendarSpec } from '../../shared/domain/policy.ts';
import { weekdays } from '../helpers/policy-builder.ts';
import { type FixtureLead, lead, touched } from './kpi-fixtures.ts';

const WEEK = {
  from: new Date('2030-01-07T00:00:00.000Z'), // Monday, ISO week 2030-W02
  to: new Date('2030-01-14T00:00:00.000Z'),
  now: new Date('2030-01-20T00:00:00.000Z'),
};
const W02 = '2030-W02';

/** The KPIs of a group with no leads. */
function empty(weeks: readonly string[] = [W02]): Kpis {
  const zero = weeks.map((week) => ({ week, total: 0, reasons: {} }));
  return {
    leads: 0,
    touched: 0,
    speedBusinessMedianMs: null,
    speedBusinessP90Ms: null,
    speedWallMedianMs: null,
    speedWallP90Ms: null,
    meetings: 0,
    timeToMeetingMedianMs: null,
    timeToMeetingP90Ms: null,
    meetingsPer100: null,
    qualified: 0,
    timeToQualificationMedianMs: null,
    timeToQualificationP90Ms: null,
    deals: 0,
    wonDeals: 0,
    pipeline: 0,
    wonRevenue: 0,
    pipelinePerLead: null,
    wonRevenuePerLead: null,
    outcomeTracked: 0,
    contacted: 0,
    contactRate: null,
    attemptsBeforeContact: null,
    assigned: 0,
    timeToAssignmentMedianMs: null,
    timeToAssignmentP90Ms: null,
    slaDue: 0,
    slaMet: 0,
    slaAttainment: null,
    breached: 0,
    breachRate: null,
    recovered: 0,
    breachRecoveryMedianMs: null,
    parked: 0,
    unowned: 0,
    unownedRate: null,
    misrouted: 0,
    misrouteRate: null,
    repeatInquiries: 0,
    duplicateRate: null,
    accepted: 0,
    acceptanceRate: null,
    timeToAcceptanceMedianMs: null,
    rejected: 0,
    rejectionRate: null,
    recycled: 0,
    recycleRate: null,
    prematureRecycles: 0,
    overdueOpen: 0,
    rejectReasons: [],
    recycleReasons: [],
    rejectTrend: zero,
    recycleTrend: structuredClone(zero),
  };
}

/**
 * Ten leads in the week of 2030-01-07 and two just outside it; every figure below is worked out by hand
 * in the comments of the tests.
 */
function week(): FixtureLead[] {
  return [
    // A: touched exactly at the deadline (met); 30 s from form to leadclock.
    touched({
      leadId: 'A',
      submittedAt: '2030-01-07T10:00:00.000Z',
      receivedAt: '2030-01-07T10:00:30.000Z',
      dueAt: '2030-01-07T10:05:00.000Z',
      touchAt: '2030-01-07T10:05:00.000Z',
      channel: 'demo_request',
      region: 'EMEA',
    }),
    // B: breached at 11:05, reassigned o1 → o2 (deadline re-timed to 11:10), recovered by o2 at 11:20.
    touched({
      leadId: 'B',
      submittedAt: '2030-01-07T11:00:00.000Z',
      receivedAt: '2030-01-07T11:00:10.000Z',
      assignedAt: '2030-01-07T11:05:00.000Z',
      dueAt: '2030-01-07T11:10:00.000Z',
      attempt: 2,
      breachCount: 1,
      breachedAt: '2030-01-07T11:05:00.000Z',
      recoveredAt: '2030-01-07T11:20:00.000Z',
      previousOwners: ['o1'],
      ownerId: 'o2',
      region: 'EMEA',
      touchAt: '2030-01-07T11:20:00.000Z',
    }),
    // C: reassigned twice (o1 → o2 → o3), touched by o3 at 09:30; assignedAt moved to 09:10 but receivedAt says 5 s.
    touched({
      leadId: 'C',
      submittedAt: '2030-01-08T09:00:00.000Z',
      receivedAt: '2030-01-08T09:00:05.000Z',
      assignedAt: '2030-01-08T09:10:00.000Z',
      dueAt: '2030-01-08T09:15:00.000Z',
      attempt: 3,
      breachCount: 2,
      breachedAt: '2030-01-08T09:05:00.000Z',
      recoveredAt: '2030-01-08T09:30:00.000Z',
      previousOwners: ['o1', 'o2'],
      ownerId: 'o3',
      region: 'EMEA',
      touchAt: '2030-01-08T09:30:00.000Z',
    }),
    // D: Friday 16:00 → Monday 09:15 on a 09–17 UTC calendar: 1 h 15 min of business time, 65 h 15 min of wall time.
    touched({
      leadId: 'D',
      submittedAt: '2030-01-11T16:00:00.000Z',
      receivedAt: '2030-01-11T16:00:20.000Z',
      dueAt: '2030-01-14T09:30:00.000Z',
      calendarId: 'utc',
      speedMs: 4_500_000,
      tier: 't2',
      teamId: 'na',
      ownerId: 'o4',
      region: 'NA',
      touchAt: '2030-01-14T09:15:00.000Z',
    }),
    // F: unroutable, in the default queue with an alert, never touched: due, missed, overdue.
    lead({
      leadId: 'F',
      submittedAt: '2030-01-09T10:00:00.000Z',
      status: 'unroutable',
      alert: true,
      teamId: undefined,
      ownerId: undefined,
      queueId: 'default',
      dueAt: '2030-01-09T14:00:00.000Z',
      region: 'APAC',
    }),
    // G: breached twice, ladder exhausted, parked in the breach queue, untouched.
    lead({
      leadId: 'G',
      submittedAt: '2030-01-09T12:00:00.000Z',
      receivedAt: '2030-01-09T12:00:02.000Z',
      status: 'parked',
      tier: 't2',
      teamId: 'na',
      ownerId: undefined,
      queueId: 'breach',
      breachCount: 2,
      breachedAt: '2030-01-09T12:05:00.000Z',
      dueAt: '2030-01-09T12:15:00.000Z',
      previousOwners: ['o4', 'o5'],
      region: 'NA',
    }),
    // H: met, contacted on the 2nd attempt, accepted after 40 min, meeting 5 h after submission, one repeat inquiry.
    touched({
      leadId: 'H',
      submittedAt: '2030-01-10T10:00:00.000Z',
      receivedAt: '2030-01-10T10:01:00.000Z',
      dueAt: '2030-01-10T10:30:00.000Z',
      touchAt: '2030-01-10T10:10:00.000Z',
      status: 'accepted',
      attemptsLogged: 2,
      acceptedAt: '2030-01-10T10:40:00.000Z',
      meetingAt: '2030-01-10T15:00:00.000Z',
      contactedAt: '2030-01-10T10:20:00.000Z',
      contactAttempts: 2,
      repeatCount: 1,
      tier: 't2',
      channel: 'chat',
      teamId: 'na',
      ownerId: 'o4',
      region: 'NA',
    }),
    // I: misrouted (a person moved it o4 → o5 within the hour), met, then rejected for 'no budget'.
    touched({
      leadId: 'I',
      submittedAt: '2030-01-10T12:00:00.000Z',
      receivedAt: '2030-01-10T12:00:01.000Z',
      touchAt: '2030-01-10T12:03:00.000Z',
      status: 'rejected',
      closeReason: 'no budget',
      closedAt: '2030-01-11T09:00:00.000Z',
      repeatCount: 0,
      misroutedAt: '2030-01-10T12:30:00.000Z',
      previousOwners: ['o4'],
      teamId: 'na',
      ownerId: 'o5',
      region: 'NA',
    }),
    // J: recycled after 3 attempts in 4 days: premature (policy: 6 attempts over 10 days); two repeat inquiries.
    touched({
      leadId: 'J',
      submittedAt: '2030-01-08T13:00:00.000Z',
      receivedAt: '2030-01-08T13:00:03.000Z',
      touchAt: '2030-01-08T13:02:00.000Z',
      status: 'recycled',
      closeReason: 'bad timing',
      closedAt: '2030-01-12T10:00:00.000Z',
      attemptsLogged: 3,
      repeatCount: 2,
      region: 'EMEA',
    }),
    // K: recycled after 6 attempts over 12 days: not premature.
    touched({
      leadId: 'K',
      submittedAt: '2030-01-07T08:00:00.000Z',
      receivedAt: '2030-01-07T08:00:04.000Z',
      dueAt: '2030-01-07T09:00:00.000Z',
      touchAt: '2030-01-07T08:30:00.000Z',
      status: 'recycled',
      closeReason: 'bad timing',
      closedAt: '2030-01-19T08:30:00.000Z',
      attemptsLogged: 6,
      ownerId: 'o2',
      region: 'EMEA',
    }),
    // Outside the period ([from, to) excludes `to`): both would change almost every figure.
    lead({
      leadId: 'X1',
      submittedAt: '2030-01-14T00:00:00.000Z',
      alert: true,
      breachCount: 1,
      status: 'rejected',
      closeReason: 'spam',
    }),
    lead({ leadId: 'X2', submittedAt: '2030-01-06T23:59:59.999Z', status: 'parked', breachCount: 3 }),
  ];
}

const query = (over: Partial<KpiQuery> = {}): KpiQuery => ({
  ...WEEK,
  groupBy: 'none',
  recycle: { minAttempts: 6, minSpanMs: 10 * 86_400_000 },
  ...over,
});

/** The whole week, worked out by hand. */
const TOTAL: Kpis = {
  leads: 10,
  touched: 8,
  // business, sorted: 120k, 180k, 300k, 600k, 1.2M, 1.8M, 1.8M, 4.5M → median (600k + 1.2M) / 2, p90 at 6.3: 1.8M + 0.3 × 2.7M
  speedBusinessMedianMs: 900_000,
  speedBusinessP90Ms: 2_610_000,
  // wall: the same but D is 234.9M → p90 1.8M + 0.3 × 233.1M
  speedWallMedianMs: 900_000,
  speedWallP90Ms: 71_730_000,
  meetings: 1,
  timeToMeetingMedianMs: 18_000_000,
  timeToMeetingP90Ms: 18_000_000,
  // 1 meeting over 10 leads
  meetingsPer100: 10,
  qualified: 0,
  timeToQualificationMedianMs: null,
  timeToQualificationP90Ms: null,
  deals: 0,
  wonDeals: 0,
  pipeline: 0,
  wonRevenue: 0,
  pipelinePerLead: 0,
  wonRevenuePerLead: 0,
  outcomeTracked: 3,
  contacted: 1,
  contactRate: 0.3333,
  attemptsBeforeContact: 2,
  // owned leads (not F), receivedAt − submittedAt sorted: 1, 2, 3, 4, 5, 10, 20, 30, 60 s → p90 at 7.2: 30 s + 0.2 × 30 s
  assigned: 9,
  timeToAssignmentMedianMs: 5_000,
  timeToAssignmentP90Ms: 36_000,
  slaDue: 10,
  slaMet: 6,
  slaAttainment: 0.6,
  breached: 3,
  breachRate: 0.3,
  // B 15 min, C 25 min
  recovered: 2,
  breachRecoveryMedianMs: 1_200_000,
  parked: 1,
  unowned: 1,
  unownedRate: 0.1,
  misrouted: 1,
  misrouteRate: 0.3333,
  // 3 repeats over 3 tracked leads: 3 / (3 + 3)
  repeatInquiries: 3,
  duplicateRate: 0.5,
  accepted: 1,
  acceptanceRate: 0.1,
  timeToAcceptanceMedianMs: 2_400_000,
  rejected: 1,
  rejectionRate: 0.1,
  recycled: 2,
  recycleRate: 0.2,
  prematureRecycles: 1,
  overdueOpen: 2,
  rejectReasons: [{ reason: 'no budget', count: 1 }],
  recycleReasons: [{ reason: 'bad timing', count: 2 }],
  rejectTrend: [{ week: W02, total: 1, reasons: { 'no budget': 1 } }],
  recycleTrend: [{ week: W02, total: 2, reasons: { 'bad timing': 2 } }],
};

describe('computeKpis over a hand-computed week', () => {
  it('computes every KPI for the whole period and ignores leads outside [from, to)', () => {
    // Prepare
    const leads = week();

    // Act
    const r = computeKpis(leads, query());

    // Assess
    expect(r.total).toEqual(TOTAL);
    expect(r.groups).toEqual([{ key: 'all', kpis: TOTAL }]);
    expect(r).toMatchObject({
      from: '2030-01-07T00:00:00.000Z',
      to: '2030-01-14T00:00:00.000Z',
      now: '2030-01-20T00:00:00.000Z',
      groupBy: 'none',
    });
  });

  it('groups by team; the total is unchanged and empty groups asked for get nulls and zeros', () => {
    // Prepare
    const leads = week();

    // Act
    const r = computeKpis(leads, query({ groupBy: 'team', keys: ['emea', 'na', 'apac'] }));

    // Assess
    expect(r.total).toEqual(TOTAL);
    expect(r.groups.map((g) => g.key)).toEqual(['(no team)', 'apac', 'emea', 'na']);
    const byKey = Object.fromEntries(r.groups.map((g) => [g.key, g.kpis]));
    expect(byKey.apac).toEqual(empty());
    // F only: unowned and overdue; every rate over tracked or timed leads is undefined.
    expect(byKey['(no team)']).toEqual({
      ...empty(),
      leads: 1,
      meetingsPer100: 0,
      pipelinePerLead: 0,
      wonRevenuePerLead: 0,
      slaDue: 1,
      slaAttainment: 0,
      breachRate: 0,
      unowned: 1,
      unownedRate: 1,
      acceptanceRate: 0,
      rejectionRate: 0,
      recycleRate: 0,
      overdueOpen: 1,
    });
    // A, B, C, J, K
    expect(byKey.emea).toEqual({
      ...empty(),
      leads: 5,
      meetingsPer100: 0,
      pipelinePerLead: 0,
      wonRevenuePerLead: 0,
      touched: 5,
      speedBusinessMedianMs: 1_200_000,
      speedBusinessP90Ms: 1_800_000,
      speedWallMedianMs: 1_200_000,
      speedWallP90Ms: 1_800_000,
      outcomeTracked: 1,
      contactRate: 0,
      assigned: 5,
      timeToAssignmentMedianMs: 5_000,
      timeToAssignmentP90Ms: 22_000,
      slaDue: 5,
      slaMet: 3,
      slaAttainment: 0.6,
      breached: 2,
      breachRate: 0.4,
      recovered: 2,
      breachRecoveryMedianMs: 1_200_000,
      unownedRate: 0,
      misrouteRate: 0,
      repeatInquiries: 2,
      duplicateRate: 0.6667,
      acceptanceRate: 0,
      rejectionRate: 0,
      recycled: 2,
      recycleRate: 0.4,
      prematureRecycles: 1,
      recycleReasons: [{ reason: 'bad timing', count: 2 }],
      recycleTrend: [{ week: W02, total: 2, reasons: { 'bad timing': 2 } }],
    });
    // D, G, H, I
    expect(byKey.na).toEqual({
      ...empty(),
      leads: 4,
      meetingsPer100: 25,
      pipelinePerLead: 0,
      wonRevenuePerLead: 0,
      touched: 3,
      speedBusinessMedianMs: 600_000,
      speedBusinessP90Ms: 3_720_000,
      speedWallMedianMs: 600_000,
      speedWallP90Ms: 188_040_000,
      meetings: 1,
      timeToMeetingMedianMs: 18_000_000,
      timeToMeetingP90Ms: 18_000_000,
      outcomeTracked: 2,
      contacted: 1,
      contactRate: 0.5,
      attemptsBeforeContact: 2,
      assigned: 4,
      timeToAssignmentMedianMs: 11_000,
      timeToAssignmentP90Ms: 48_000,
      slaDue: 4,
      slaMet: 3,
      slaAttainment: 0.75,
      breached: 1,
      breachRate: 0.25,
      parked: 1,
      unownedRate: 0,
      misrouted: 1,
      misrouteRate: 0.5,
      repeatInquiries: 1,
      duplicateRate: 0.3333,
      accepted: 1,
      acceptanceRate: 0.25,
      timeToAcceptanceMedianMs: 2_400_000,
      rejected: 1,
      rejectionRate: 0.25,
      recycleRate: 0,
      overdueOpen: 1,
      rejectReasons: [{ reason: 'no budget', count: 1 }],
      rejectTrend: [{ week: W02, total: 1, reasons: { 'no budget': 1 } }],
    });
  });

  it('puts a lead reassigned twice under its final owner, timed from submission, with two breaches', () => {
    // Prepare
    const leads = week().filter((l) => l.leadId === 'C');

    // Act
    const r = computeKpis(leads, query({ groupBy: 'owner' }));

    // Assess
    expect(r.groups.map((g) => g.key)).toEqual(['o3']);
    expect(r.groups[0]?.kpis).toMatchObject({
      leads: 1,
      speedWallMedianMs: 1_800_000,
      timeToAssignmentMedianMs: 5_000,
      slaMet: 0,
      slaDue: 1,
      breached: 1,
      breachRecoveryMedianMs: 1_500_000,
    });
  });

  it('groups by tier, channel, segment and form (with the form title as label)', () => {
    // Prepare
    const leads = [
      ...week(),
      lead({
        leadId: 'M',
        submittedAt: '2030-01-09T09:00:00.000Z',
        input: {
          channel: 'form',
          intent: 'demo',
          submittedAt: '2030-01-09T09:00:00.000Z',
          partial: false,
          formId: 'f-123',
          formTitle: 'Book a demo',
        },
      }),
    ];

    // Act
    const count = (groupBy: KpiQuery['groupBy']) =>
      computeKpis(leads, query({ groupBy })).groups.map((g) => [g.key, g.kpis.leads, g.label]);

    // Assess
    expect(count('tier')).toEqual([
      ['t1', 8, undefined],
      ['t2', 3, undefined],
    ]);
    expect(count('channel')).toEqual([
      ['chat', 1, undefined],
      ['demo_request', 1, undefined],
      ['form', 9, undefined],
    ]);
    expect(count('segment')).toEqual([
      ['(no region)', 1, undefined],
      ['APAC', 1, undefined],
      ['EMEA', 5, undefined],
      ['NA', 4, undefined],
    ]);
    expect(count('form')).toEqual([
      ['(no form)', 10, undefined],
      ['f-123', 1, 'Book a demo'],
    ]);
  });
});

describe('computeKpis edge cases', () => {
  it('counts a touch exactly at the deadline as met, and one a millisecond later as late, without slaOutcome', () => {
    // Prepare: records written before slaOutcome existed carry only the timestamps.
    const onTime = touched({
      leadId: 'T1',
      submittedAt: '2030-01-08T10:00:00.000Z',
      dueAt: '2030-01-08T10:05:00.000Z',
      touchAt: '2030-01-08T10:05:00.000Z',
    });
    const late = touched({
      leadId: 'T2',
      submittedAt: '2030-01-08T10:00:00.000Z',
      dueAt: '2030-01-08T10:05:00.000Z',
      touchAt: '2030-01-08T10:05:00.001Z',
    });
    delete onTime.slaOutcome;
    delete late.slaOutcome;

    // Act
    const r = computeKpis([onTime, late], query());

    // Assess
    expect(r.total).toMatchObject({ slaDue: 2, slaMet: 1, slaAttainment: 0.5, breached: 0 });
  });

  it('business-hours speed differs from wall-clock speed over a weekend, as the clock computes it', () => {
    // Prepare
    const spec = { timeZone: 'UTC', hours: weekdays('09:00-17:00'), holidays: [] } as CalendarSpec;
    const cal = compileCalendar('utc', spec);
    const submittedAt = '2030-01-11T16:00:00.000Z'; // Friday
    const touchAt = '2030-01-14T09:15:00.000Z'; // Monday
    const speedMs = elapsed(Date.parse(submittedAt), Date.parse(touchAt), cal);
    const d = touched({ leadId: 'D', submittedAt, touchAt, dueAt: '2030-01-14T09:30:00.000Z', speedMs });

    // Act
    const r = computeKpis([d], query());

    // Assess
    expect(speedMs).toBe(75 * 60_000);
    expect(r.total).toMatchObject({
      speedBusinessMedianMs: 4_500_000,
      speedBusinessP90Ms: 4_500_000,
      speedWallMedianMs: 234_900_000,
      speedWallP90Ms: 234_900_000,
      slaMet: 1,
    });
  });

  it('leaves a lead whose deadline is still ahead out of the SLA denominator until it is decided', () => {
    // Prepare
    const now = new Date('2030-01-13T12:00:00.000Z');
    const pending = lead({
      leadId: 'P',
      submittedAt: '2030-01-13T11:00:00.000Z',
      dueAt: '2030-01-13T15:00:00.000Z',
    });
    const overdue = lead({
      leadId: 'O',
      submittedAt: '2030-01-13T11:00:00.000Z',
      dueAt: '2030-01-13T11:59:59.999Z',
    });
    const early = touched({
      leadId: 'E',
      submittedAt: '2030-01-13T11:00:00.000Z',
      dueAt: '2030-01-13T15:00:00.000Z',
      touchAt: '2030-01-13T11:30:00.000Z',
    });

    // Act
    const r = computeKpis([pending, overdue, early], query({ now }));

    // Assess
    expect(r.total).toMatchObject({ leads: 3, slaDue: 2, slaMet: 1, slaAttainment: 0.5, overdueOpen: 1 });
  });

  it('gives an empty period well-defined values in every grouping', () => {
    // Prepare
    const leads: FixtureLead[] = [];

    // Act
    const none = computeKpis(leads, query());
    const team = computeKpis(leads, query({ groupBy: 'team' }));
    const withKeys = computeKpis(leads, query({ groupBy: 'tier', keys: ['t1'] }));

    // Assess
    expect(none.total).toEqual(empty());
    expect(none.groups).toEqual([{ key: 'all', kpis: empty() }]);
    expect(team.groups).toEqual([]);
    expect(withKeys.groups).toEqual([{ key: 't1', kpis: empty() }]);
  });

  it('lists the top N reasons and their trend per ISO week, the rest as (other)', () => {
    // Prepare
    const reject = (leadId: string, submittedAt: string, closeReason?: string) =>
      touched({
        leadId,
        submittedAt,
        touchAt: submittedAt,
        status: 'rejected',
        closeReason,
        closedAt: submittedAt,
      });
    const leads = [
      reject('R1', '2030-01-07T10:00:00.000Z', 'no budget'),
      reject('R2', '2030-01-08T10:00:00.000Z', 'no budget'),
      reject('R3', '2030-01-09T10:00:00.000Z', 'competitor'),
      reject('R4', '2030-01-14T10:00:00.000Z', 'student'),
      reject('R5', '2030-01-15T10:00:00.000Z', 'no budget'),
      reject('R6', '2030-01-16T10:00:00.000Z'),
    ];

    // Act
    const r = computeKpis(leads, query({ to: new Date('2030-01-21T00:00:00.000Z'), topN: 2 }));

    // Assess
    expect(r.total.rejectReasons).toEqual([
      { reason: 'no budget', count: 3 },
      { reason: '(none)', count: 1 },
    ]);
    expect(r.total.rejectTrend).toEqual([
      { week: '2030-W02', total: 3, reasons: { 'no budget': 2, '(other)': 1 } },
      { week: '2030-W03', total: 3, reasons: { '(other)': 1, 'no budget': 1, '(none)': 1 } },
    ]);
    expect(r.total.recycleTrend).toEqual([
      { week: '2030-W02', total: 0, reasons: {} },
      { week: '2030-W03', total: 0, reasons: {} },
    ]);
  });

  it('measures recycles against the policy: fewer attempts or a shorter span is premature', () => {
    // Prepare
    const recycle = (leadId: string, attemptsLogged: number, closedAt: string) =>
      touched({
        leadId,
        submittedAt: '2030-01-07T10:00:00.000Z',
        touchAt: '2030-01-07T10:00:00.000Z',
        status: 'recycled',
        closeReason: 'BAD_TIMING',
        attemptsLogged,
        closedAt,
      });
    const leads = [
      recycle('Q1', 6, '2030-01-17T10:00:00.000Z'), // 6 attempts, exactly 10 days: not premature
      recycle('Q2', 6, '2030-01-17T09:59:59.999Z'), // a millisecond short of the span
      recycle('Q3', 5, '2030-01-30T10:00:00.000Z'), // one attempt short
    ];

    // Act
    const r = computeKpis(leads, query());

    // Assess
    expect(r.total).toMatchObject({ recycled: 3, prematureRecycles: 2, recycleRate: 1 });
  });
});

describe('outcome facts from events', () => {
  const events = [
    { type: 'captured', at: '2030-01-08T10:00:00.000Z', data: {} },
    { type: 'misroute', at: '2030-01-08T10:10:00.000Z', data: { withinFirstHour: true } },
    { type: 'touched', at: '2030-01-08T10:20:00.000Z', data: { via: 'call' } },
    { type: 'repeat_inquiry', at: '2030-01-08T10:25:00.000Z', data: {} },
    { type: 'attempt', at: '2030-01-08T10:30:00.000Z', data: { via: 'call', connected: true } },
    { type: 'accepted', at: '2030-01-08T10:40:00.000Z', data: { status: 'IN_PROGRESS' } },
    { type: 'attempt', at: '2030-01-08T11:00:00.000Z', data: { via: 'meeting' } },
    { type: 'repeat_inquiry', at: '2030-01-09T08:00:00.000Z', data: {} },
  ];

  it('derives the proposed record fields from a lead timeline', () => {
    // Prepare
    const shuffled = [...events].reverse();

    // Act
    const facts = outcomeFacts(shuffled);

    // Assess
    expect(facts).toEqual({
      acceptedAt: '2030-01-08T10:40:00.000Z',
      meetingAt: '2030-01-08T11:00:00.000Z',
      contactedAt: '2030-01-08T10:30:00.000Z',
      contactAttempts: 2,
      misroutedAt: '2030-01-08T10:10:00.000Z',
      repeatCount: 2,
    });
  });

  it('lets events stand in for fields a record lacks; record fields win', () => {
    // Prepare
    const a = touched({
      leadId: 'A',
      submittedAt: '2030-01-08T10:00:00.000Z',
      touchAt: '2030-01-08T10:20:00.000Z',
    });
    const b = touched({
      leadId: 'B',
      submittedAt: '2030-01-08T10:00:00.000Z',
      touchAt: '2030-01-08T10:20:00.000Z',
      acceptedAt: '2030-01-08T12:00:00.000Z',
    });
    const c = touched({
      leadId: 'C',
      submittedAt: '2030-01-08T10:00:00.000Z',
      touchAt: '2030-01-08T10:20:00.000Z',
    });
    const byLead = new Map([
      ['A', events],
      ['B', events],
    ]);

    // Act
    const r = computeKpis([a, b, c], query(), byLead);

    // Assess: C has neither fields nor events, so it is not outcome-tracked.
    expect(r.total).toMatchObject({
      outcomeTracked: 2,
      contacted: 2,
      contactRate: 1,
      attemptsBeforeContact: 2,
      misrouted: 2,
      misrouteRate: 1,
      repeatInquiries: 4,
      duplicateRate: 0.6667,
      accepted: 2,
      acceptanceRate: 0.6667,
      // A: 40 min, B: 2 h (its own field) → median 80 min
      timeToAcceptanceMedianMs: 4_800_000,
      meetings: 2,
      timeToMeetingMedianMs: 3_600_000,
    });
  });
});

describe('helpers', () => {
  it('interpolates quantiles linearly and answers null for no values', () => {
    // Prepare
    const values = Float64Array.from([10, 20, 30, 40]);

    // Act
    const got = [quantile(values, 0.5), quantile(values, 0.9), quantile([], 0.5), quantile([7], 0.9)];

    // Assess
    expect(got).toEqual([25, 37, null, 7]);
  });

  it('names ISO weeks across year boundaries', () => {
    // Prepare
    const days = ['2029-12-31', '2030-01-06', '2030-01-07', '2027-01-01', '2026-12-28', '2032-12-31'];

    // Act
    const weeks = days.map((d) => isoWeek(Date.parse(`${d}T12:00:00Z`)));

    // Assess
    expect(weeks).toEqual(['2030-W01', '2030-W01', '2030-W02', '2026-W53', '2026-W53', '2032-W53']);
  });

  it('lists the ISO weeks a period overlaps', () => {
    // Prepare
    const from = Date.parse('2030-01-06T23:00:00Z'); // Sunday of W01
    const to = Date.parse('2030-01-14T00:00:01Z'); // just into W03

    // Act
    const weeks = weeksOf(from, to);

    // Assess
    expect(weeks).toEqual(['2030-W01', '2030-W02', '2030-W03']);
  });

  it('defines every KPI in one line and renders them as a Markdown table', () => {
    // Prepare
    const lines = Object.values(KPI_DEFINITIONS);

    // Act
    const md = definitionsMarkdown().split('\n');

    // Assess
    expect(lines.every((l) => !l.includes('\n') && /^[A-Z][^:]+: /.test(l))).toBe(true);
    expect(md).toHaveLength(lines.length + 2);
    expect(md[0]).toBe('| KPI | definition |');
    expect(md[2]).toBe(
      '| Leads (`leads`) | leads whose submittedAt is in [from, to); this submission cohort is what every other KPI counts, whenever its later timestamps fall. |',
    );
  });
});
