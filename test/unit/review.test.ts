import { describe, expect, it } from 'vitest';
import { parseReviewParams } from '../../shared/app/review.ts';
import { buildReview, mannWhitneyP, monthRange, twoProportionP } from '../../shared/domain/review.ts';
import { renderReviewHtml, reviewCsv } from '../../shared/domain/review-report.ts';
import { examplePolicy } from '../helpers/policy-builder.ts';
import { touched } from './kpi-fixtures.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const MIN = 60_000;

/** `n` leads of team `teamId` in November 2026 (Berlin), touched after `speedMin` minutes; every `breachEvery`-th breached. */
function month(
  prefix: string,
  n: number,
  opts: { teamId: string; speedMin: number; breachEvery?: number; start?: string },
) {
  const start = Date.parse(opts.start ?? '2026-11-02T09:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const sub = new Date(start + i * 37 * MIN).toISOString();
    const breached = opts.breachEvery !== undefined && i % opts.breachEvery === 0;
    return touched({
      leadId: `${prefix}${i}`,
      submittedAt: sub,
      touchAt: new Date(Date.parse(sub) + opts.speedMin * MIN + (i % 5) * 1000).toISOString(),
      teamId: opts.teamId,
      repeatCount: 0,
      ...(breached ? { breachCount: 1, breachedAt: new Date(Date.parse(sub) + 5 * MIN).toISOString() } : {}),
    });
  });
}

describe('monthly review', () => {
  it('reads the month in the zone given', () => {
    // Act
    const berlin = monthRange('2026-11', 'Europe/Berlin');

    // Assess: 1 November 00:00 CET is 31 October 23:00 UTC.
    expect(berlin.from.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(berlin.to.toISOString()).toBe('2026-11-30T23:00:00.000Z');
    expect(() => monthRange('2026-13', 'UTC')).toThrow(/month/);
    expect(() => monthRange('2026-11', 'Mars/Base')).toThrow(/zone/);
  });

  it('counts attainment by hour and weekday of submission, in the zone, and ignores leads outside the month', () => {
    // Prepare: a lead at 23:30 UTC on 30 November is 1 December in Berlin; one at 07:00 UTC Monday is 08:00 there.
    const inside = touched({
      leadId: 'A',
      submittedAt: '2026-11-02T07:00:00Z',
      touchAt: '2026-11-02T07:02:00Z',
      repeatCount: 0,
    });
    const outside = touched({
      leadId: 'B',
      submittedAt: '2026-11-30T23:30:00Z',
      touchAt: '2026-11-30T23:31:00Z',
      repeatCount: 0,
    });

    // Act
    const r = buildReview([inside, outside], { month: '2026-11', zone: 'Europe/Berlin', now: NOW });

    // Assess
    expect(r.total.leads).toBe(1);
    expect(r.byHour[8]).toEqual({ key: 8, leads: 1, slaDue: 1, slaMet: 1, breached: 0, attainment: 1 });
    expect(r.byWeekday[0]?.leads).toBe(1);
    expect(r.byHour.reduce((n, b) => n + b.leads, 0)).toBe(1);
  });

  it('lists reject and recycle reasons by source and speed buckets against contact and meetings', () => {
    // Prepare
    const leads = [
      touched({
        leadId: 'F1',
        submittedAt: '2026-11-03T10:00:00Z',
        touchAt: '2026-11-03T10:02:00Z',
        repeatCount: 0,
        contactedAt: '2026-11-03T10:02:00Z',
        meetingAt: '2026-11-03T12:00:00Z',
      }),
      touched({
        leadId: 'F2',
        submittedAt: '2026-11-03T10:00:00Z',
        touchAt: '2026-11-03T11:00:00Z',
        repeatCount: 0,
        status: 'rejected',
        closeReason: 'student',
        channel: 'chat',
      }),
      touched({
        leadId: 'F3',
        submittedAt: '2026-11-03T10:00:00Z',
        touchAt: '2026-11-03T16:00:00Z',
        repeatCount: 0,
        status: 'recycled',
        closeReason: 'no answer',
        channel: 'chat',
      }),
    ];

    // Act
    const r = buildReview(leads, { month: '2026-11', zone: 'UTC', now: NOW });

    // Assess
    expect(r.reasonsBySource).toEqual([
      {
        source: 'chat',
        rejected: [{ reason: 'student', count: 1 }],
        recycled: [{ reason: 'no answer', count: 1 }],
      },
    ]);
    expect(r.speed.map((s) => [s.bucket, s.leads, s.contactRate, s.meetingsPer100])).toEqual([
      ['<5m', 1, 1, 100],
      ['5-30m', 0, null, null],
      ['30m-4h', 1, 0, 0],
      ['>4h', 1, 0, 0],
      ['untouched', 0, null, null],
    ]);
  });

  it('says the pilot moved when the chosen metric changed beyond chance, and not when it did not', () => {
    // Prepare: baseline October breaches every 2nd lead; the pilot month breaches every 10th.
    const baseline = month('B', 200, {
      teamId: 'emea',
      speedMin: 20,
      breachEvery: 2,
      start: '2026-10-05T09:00:00Z',
    });
    const pilot = month('P', 200, { teamId: 'emea', speedMin: 3, breachEvery: 10 });
    const other = month('O', 50, { teamId: 'na', speedMin: 3 });

    // Act
    const moved = buildReview([...pilot, ...other], {
      month: '2026-11',
      zone: 'UTC',
      now: NOW,
      pilot: {
        segment: { groupBy: 'team', key: 'emea' },
        metric: 'breachRate',
        baselineLabel: '2026-10',
        baseline,
      },
    });
    const flat = buildReview([...pilot, ...other], {
      month: '2026-11',
      zone: 'UTC',
      now: NOW,
      pilot: {
        segment: { groupBy: 'team', key: 'emea' },
        metric: 'breachRate',
        baselineLabel: '2026-10',
        baseline: month('C', 200, {
          teamId: 'emea',
          speedMin: 3,
          breachEvery: 10,
          start: '2026-10-05T09:00:00Z',
        }),
      },
    });

    // Assess
    expect(moved.pilot).toMatchObject({
      segment: 'team=emea',
      pilot: { leads: 200, value: 0.1 },
      baseline: { leads: 200, value: 0.5 },
      change: -0.4,
      moved: true,
    });
    expect(moved.pilot?.verdict).toMatch(/right way/);
    expect(flat.pilot).toMatchObject({ change: 0, moved: false });
    expect(flat.pilot?.verdict).toMatch(/did not move/);
  });

  it('gives each team one staffing suggestion with the simulated number behind it', () => {
    // Prepare: the example policy's teams, a month of demo requests routed to emea.
    const policy = examplePolicy();
    const leads = Array.from({ length: 120 }, (_, i) => {
      const sub = new Date(Date.parse('2026-11-02T08:00:00Z') + i * 13 * MIN).toISOString();
      return {
        ...touched({
          leadId: `S${i}`,
          submittedAt: sub,
          touchAt: new Date(Date.parse(sub) + 4 * MIN).toISOString(),
          repeatCount: 0,
          ownerId: '101',
        }),
        input: {
          email: `s${i}@acme-gmbh.de`,
          channel: 'demo_request' as const,
          intent: 'demo' as const,
          country: 'DE',
          submittedAt: sub,
          partial: false,
        },
      };
    });

    // Act
    const r = buildReview(leads, { month: '2026-11', zone: 'Europe/Berlin', now: NOW, policy, seed: 7 });

    // Assess
    expect(r.staffing.map((s) => s.team).sort()).toEqual([...policy.teams.keys()].sort());
    for (const s of r.staffing) {
      expect(s.suggestion.startsWith(`${s.team}: `)).toBe(true);
      expect(s.runs.some((x) => x.reps === s.reps)).toBe(true);
    }
    const busy = r.staffing.filter((s) => s.runs.some((x) => x.leads > 0));
    expect(busy.length).toBeGreaterThan(0);
    for (const s of busy) expect(s.suggestion).toMatch(/\d+(\.\d)?%/);
  });

  it('renders HTML with charts and a CSV whose rows carry the same figures', () => {
    // Prepare
    const r = buildReview(month('H', 30, { teamId: 'emea', speedMin: 2, breachEvery: 3 }), {
      month: '2026-11',
      zone: 'UTC',
      now: NOW,
    });

    // Act
    const html = renderReviewHtml(r);
    const csv = reviewCsv(r).trimEnd().split('\r\n');

    // Assess
    expect(html).toContain('<svg');
    expect(html).toContain('monthly review: 2026-11');
    expect(csv[0]?.startsWith('section,group,leads')).toBe(true);
    expect(csv).toContain(
      `total,2026-11,30,30,20,0.6667,10,${r.total.breachRecoveryMedianMs ?? ''},${r.total.speedWallMedianMs},0,0,,,0,0,0,0,`,
    );
    expect(csv.filter((l) => l.startsWith('hour,'))).toHaveLength(24);
  });
});

describe('statistics of the pilot readout', () => {
  it('computes two-sided p-values that are small for clear differences and large for none', () => {
    expect(twoProportionP(100, 200, 20, 200)).toBeLessThan(0.001);
    expect(twoProportionP(50, 100, 50, 100)).toBeCloseTo(1, 6);
    expect(twoProportionP(1, 0, 1, 1)).toBeNull();
    const a = Array.from({ length: 40 }, (_, i) => i);
    const b = Array.from({ length: 40 }, (_, i) => i + 100);
    expect(mannWhitneyP(a, b)).toBeLessThan(0.001);
    expect(mannWhitneyP(a, [...a])).toBeCloseTo(1, 5);
    expect(mannWhitneyP([], a)).toBeNull();
  });
});

describe('review parameters', () => {
  it('defaults to last month and names each bad parameter', () => {
    const get = (m: Record<string, string>) => (k: string) => m[k];
    expect(parseReviewParams(get({}), NOW)).toEqual({
      ok: true,
      value: { month: '2026-11', format: 'json' },
    });
    expect(parseReviewParams(get({ month: '2026-1' }), NOW)).toMatchObject({ ok: false, field: 'month' });
    expect(parseReviewParams(get({ pilot: 'team=emea' }), NOW)).toMatchObject({
      ok: false,
      field: 'baseline',
    });
    expect(parseReviewParams(get({ pilot: 'colour=red', baseline: '2026-10' }), NOW)).toMatchObject({
      ok: false,
      field: 'pilot',
    });
    expect(
      parseReviewParams(get({ pilot: 'team=emea', baseline: '2026-10', metric: 'vibes' }), NOW),
    ).toMatchObject({ ok: false, field: 'metric' });
    expect(parseReviewParams(get({ target: '2' }), NOW)).toMatchObject({ ok: false, field: 'target' });
    expect(parseReviewParams(get({ pilot: 'team=emea', baseline: '2026-10' }), NOW)).toMatchObject({
      ok: true,
      value: { pilot: { groupBy: 'team', key: 'emea', baselineMonth: '2026-10', metric: 'slaAttainment' } },
    });
  });
});
