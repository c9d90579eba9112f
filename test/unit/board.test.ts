/** The board's pure parts: the day in a zone, event-based day figures, the per-rep view, audit terms, charts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAuditParams } from '../../shared/app/audit.ts';
import { labelReport, parseReportParams, reportCsv } from '../../shared/app/report.ts';
import { captureTerms, emailKey, matches, queryTerms, words } from '../../shared/domain/audit.ts';
import { boardPeriod, dayFigures, repViews } from '../../shared/domain/board.ts';
import { computeKpis } from '../../shared/domain/kpi.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { reportCharts } from '../../shared/domain/report-charts.ts';
import { emptyRoutingState } from '../../shared/domain/routing.ts';
import { lead, touched } from './kpi-fixtures.ts';

const example = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
const board = loadPolicy(readFileSync('test/fixtures/policies/board.yaml', 'utf8'));
const NOW = Date.parse('2030-01-08T03:30:00Z'); // Tuesday 04:30 in Berlin, Monday 22:30 in New York

describe('boardPeriod', () => {
  it('is today in the policy zone by default, and in the viewer zone when asked', () => {
    // Act
    const policy = boardPeriod(example, NOW);
    const viewer = boardPeriod(example, NOW, 'America/New_York');

    // Assess
    expect(policy).toMatchObject({
      zone: 'Europe/Berlin',
      zoneSource: 'policy',
      date: '2030-01-08',
      businessDay: true,
    });
    expect(new Date(policy.dayFrom).toISOString()).toBe('2030-01-07T23:00:00.000Z');
    expect(new Date(policy.weekFrom).toISOString()).toBe('2030-01-06T23:00:00.000Z');
    expect(viewer).toMatchObject({ zone: 'America/New_York', zoneSource: 'viewer', date: '2030-01-07' });
    expect(new Date(viewer.dayTo).toISOString()).toBe('2030-01-08T05:00:00.000Z');
    expect(boardPeriod(example, Date.parse('2030-01-12T12:00:00Z')).businessDay).toBe(false);
  });
});

describe('dayFigures', () => {
  const p = boardPeriod(board, NOW);
  it('counts a breach on the day it happened, whatever day the lead came in', () => {
    // Prepare
    const leads = [
      lead({
        leadId: 'Y',
        submittedAt: '2030-01-07T10:00:00Z',
        breachCount: 1,
        breachedAt: '2030-01-08T01:00:00Z',
      }),
      lead({
        leadId: 'E',
        submittedAt: '2030-01-06T10:00:00Z',
        breachCount: 1,
        breachedAt: '2030-01-07T11:00:00Z',
      }),
      touched({ leadId: 'M', submittedAt: '2030-01-08T00:10:00Z', touchAt: '2030-01-08T00:12:00Z' }),
      touched({ leadId: 'O', submittedAt: '2030-01-07T23:58:00Z', touchAt: '2030-01-08T00:01:00Z' }),
      lead({
        leadId: 'Q',
        submittedAt: '2030-01-08T02:00:00Z',
        alert: true,
        status: 'unroutable',
        ownerId: undefined,
      }),
    ];

    // Act
    const f = dayFigures(leads, p.dayFrom, p.dayTo);

    // Assess
    expect(f).toMatchObject({ received: 2, breaches: 1, touched: 2, met: 2, missed: 1, unassigned: 1 });
    expect(f.attainment).toBeCloseTo(2 / 3, 4);
    expect(f.speedWallMedianMs).toBe(150_000);
  });
});

describe('repViews', () => {
  it('shows open counts, caps, today and week, breaches of the rep who missed them, and rotation', () => {
    // Prepare
    const p = boardPeriod(board, NOW);
    const leads = [
      lead({ leadId: 'A', submittedAt: '2030-01-08T01:00:00Z', ownerId: '501', teamId: 'emea' }),
      lead({ leadId: 'B', submittedAt: '2030-01-07T01:00:00Z', ownerId: '502', teamId: 'emea' }),
      lead({
        leadId: 'C',
        submittedAt: '2030-01-07T20:00:00Z',
        ownerId: '503',
        previousOwners: ['502'],
        assignedAt: '2030-01-08T01:00:00Z',
        breachCount: 1,
        breachedAt: '2030-01-08T01:00:00Z',
      }),
    ];
    const state = { ...emptyRoutingState(), cursors: { emea: 1 }, openCounts: { '501': 10, '503': 1 } };

    // Act
    const reps = repViews(board, leads, state, p, NOW);
    const by = (id: string) => reps.find((r) => r.ownerId === id);

    // Assess
    expect(by('501')).toMatchObject({ open: 10, atCap: true, today: 1, week: 1, rotationPosition: 3 });
    expect(by('502')).toMatchObject({ today: 0, week: 2, breachesToday: 1, rotationPosition: 1 });
    expect(by('503')).toMatchObject({ today: 1, week: 1, rotationPosition: 2, offShift: false });
    expect(by('502')?.fairness).toBe(1.5);
    expect(by('501')).not.toHaveProperty('paused');
    expect(repViews(board, [], state, p, NOW, new Set(['501']))[0]?.paused).toBe(true);
  });
});

describe('audit terms', () => {
  it('keys email by a hash of the normalised address, and names and companies by their words', () => {
    // Act
    const terms = captureTerms({
      input: { email: ' Jane.Doe@Example.COM ', firstName: 'Jane', lastName: 'Doe', company: 'Acme Inc' },
      ownerId: '501',
    });

    // Assess
    expect(terms).toEqual([
      { kind: 'email', value: emailKey('jane.doe@example.com') },
      { kind: 'word', value: 'jane' },
      { kind: 'word', value: 'doe' },
      { kind: 'word', value: 'acme' },
      { kind: 'owner', value: '501' },
    ]);
    expect(JSON.stringify(terms)).not.toContain('example.com');
    expect(words('Zoë Müller-Lüdenscheidt GmbH')).toEqual(['zoe', 'muller', 'ludenscheidt']);
    expect(queryTerms({ q: 'JANE.DOE@example.com', owners: ['1', '2'] })).toHaveLength(2);
  });

  it('verifies a listed lead against every filter', () => {
    const l = {
      leadId: 'L',
      input: { email: 'a@b.example', firstName: 'Ann', company: 'Acme' },
      ownerId: '2',
      previousOwners: ['1'],
      teamId: 'emea',
      ruleId: 'r1',
      submittedAt: '2030-01-08T10:00:00Z',
    };
    expect(matches(l, { q: 'A@B.example', owners: ['1'], team: 'emea' })).toBe(true);
    expect(matches(l, { q: 'acme ann' })).toBe(true);
    expect(matches(l, { q: 'acme bob' })).toBe(false);
    expect(matches(l, { owners: ['3'] })).toBe(false);
    expect(matches(l, { rule: 'r2' })).toBe(false);
    expect(matches(l, { from: Date.parse('2030-01-09T00:00:00Z') })).toBe(false);
  });

  it('reads audit parameters: owner names, inclusive dates in the zone, and a bounded period without a term', () => {
    // Act
    const ok = parseAuditParams(
      (n) => ({ owner: 'rep one', from: '2030-01-07', to: '2030-01-07' })[n],
      board,
      NOW,
      'America/New_York',
    );
    const bad = parseAuditParams(
      (n) => ({ team: 'emea', from: '2030-01-01', to: '2030-03-01' })[n],
      board,
      NOW,
      'UTC',
    );

    // Assess
    expect(ok).toMatchObject({
      ok: true,
      query: {
        owners: ['501'],
        from: Date.parse('2030-01-07T05:00:00Z'),
        to: Date.parse('2030-01-08T05:00:00Z'),
      },
    });
    expect(bad).toMatchObject({ ok: false, field: 'from' });
  });
});

describe('reports people read', () => {
  const leads = [
    touched({
      leadId: 'A',
      submittedAt: '2030-01-07T09:00:00Z',
      touchAt: '2030-01-07T09:04:30Z',
      ownerId: '501',
    }),
    lead({
      leadId: 'B',
      submittedAt: '2030-01-07T10:00:00Z',
      ownerId: '502',
      previousOwners: ['501'],
      breachCount: 1,
      breachedAt: '2030-01-07T10:05:00Z',
      tier: 'fast',
    }),
    lead({
      leadId: 'C',
      submittedAt: '2030-01-07T11:00:00Z',
      status: 'rejected',
      closeReason: 'spam',
      channel: 'chat',
    }),
  ];

  it('reads --from X --to X as that whole day, in the zone given', () => {
    const r = parseReportParams(
      (n) => (({ from: '2030-01-07', to: '2030-01-07', tz: 'Europe/Berlin' }) as Record<string, string>)[n],
      new Date(NOW),
    );
    expect(r).toMatchObject({ ok: true, value: { zone: 'Europe/Berlin' } });
    if (!r.ok) return;
    expect(r.value.from.toISOString()).toBe('2030-01-06T23:00:00.000Z');
    expect(r.value.to.toISOString()).toBe('2030-01-07T23:00:00.000Z');
    expect(
      parseReportParams((n) => (({ tz: 'Mars/Base' }) as Record<string, string>)[n], new Date(NOW)),
    ).toMatchObject({ field: 'tz' });
  });

  it('names owners and writes readable durations in the CSV', () => {
    const from = new Date('2030-01-07T00:00:00Z');
    const to = new Date('2030-01-08T00:00:00Z');
    const r = labelReport(computeKpis(leads, { from, to, now: to, groupBy: 'owner' }), board);
    const csv = reportCsv(r).split('\r\n');
    expect(csv[0]).toContain(',speedBusinessMedian,');
    expect(csv.find((l) => l.startsWith('501,'))).toMatch(/^501,Rep One,1,1,4m 30s,/);
  });

  it('charts breaches by the rep who missed them, by tier, and reasons by source', () => {
    const from = new Date('2030-01-07T00:00:00Z');
    const c = reportCharts(
      leads,
      from,
      new Date('2030-01-08T00:00:00Z'),
      new Date('2030-01-08T00:00:00Z'),
      'UTC',
      new Map([['501', 'Rep One']]),
    );
    expect(c.breachesByRep).toEqual([{ key: 'Rep One', count: 1 }]);
    expect(c.breachesByTier).toEqual([{ key: 'fast', count: 1 }]);
    expect(c.rejectBySource).toEqual([{ source: 'chat', reasons: [{ reason: 'spam', count: 1 }] }]);
    expect(c.byHour[9]).toEqual({ due: 1, met: 1 });
    expect(c.byWeekday[0]?.due).toBe(3);
    expect(c.speedWall[1]).toBe(1);
  });
});
