import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeKpis, GROUP_BY, type KpiQuery, type Kpis } from '../../shared/domain/kpi.ts';
import { type FixtureLead, lead, touched } from './kpi-fixtures.ts';

const FROM = Date.parse('2030-01-07T00:00:00.000Z');
const TO = Date.parse('2030-01-21T00:00:00.000Z');
const MIN = 60_000;

/** Counts that add up across groups. */
const ADDITIVE = [
  'leads',
  'touched',
  'meetings',
  'outcomeTracked',
  'contacted',
  'assigned',
  'slaDue',
  'slaMet',
  'breached',
  'recovered',
  'parked',
  'unowned',
  'misrouted',
  'repeatInquiries',
  'accepted',
  'rejected',
  'recycled',
  'prematureRecycles',
  'overdueOpen',
] as const satisfies readonly (keyof Kpis)[];

const anyLead = fc
  .record({
    i: fc.nat(),
    at: fc.integer({ min: FROM - 2 * 86_400_000, max: TO + 2 * 86_400_000 }),
    delay: fc.integer({ min: 0, max: 120_000 }),
    window: fc.integer({ min: MIN, max: 4 * 60 * MIN }),
    touchAfter: fc.option(fc.integer({ min: 0, max: 8 * 60 * MIN }), { nil: undefined }),
    breaches: fc.integer({ min: 0, max: 3 }),
    alert: fc.boolean(),
    team: fc.constantFrom('emea', 'na', undefined),
    tier: fc.constantFrom('t1', 't2'),
    close: fc.constantFrom(undefined, 'rejected', 'recycled', 'accepted'),
    tracked: fc.boolean(),
    repeats: fc.integer({ min: 0, max: 3 }),
  })
  .map((g): FixtureLead => {
    const submittedAt = new Date(g.at).toISOString();
    const iso = (ms: number) => new Date(g.at + ms).toISOString();
    const base = {
      leadId: `L${g.i}-${g.at}`,
      submittedAt,
      receivedAt: iso(g.delay),
      dueAt: iso(g.window),
      alert: g.alert,
      teamId: g.team,
      tier: g.tier,
      breachCount: g.breaches,
      ...(g.breaches ? { breachedAt: iso(g.window) } : {}),
      ...(g.tracked ? { repeatCount: g.repeats } : {}),
    };
    if (g.touchAfter === undefined) return lead({ ...base, status: g.breaches ? 'parked' : 'routed' });
    return touched({
      ...base,
      touchAt: iso(g.touchAfter),
      status: g.close ?? 'touched',
      ...(g.close && g.close !== 'accepted'
        ? { closedAt: iso(g.touchAfter + MIN), closeReason: g.close }
        : {}),
    });
  });

describe('KPI laws', () => {
  it('counts add up across groups, rates stay in [0, 1], and input order does not matter', () => {
    fc.assert(
      fc.property(
        fc.array(anyLead, { maxLength: 60 }),
        fc.constantFrom(...GROUP_BY),
        fc.integer({ min: FROM, max: TO + 86_400_000 }),
        (leads, groupBy, now) => {
          // Prepare
          const q: KpiQuery = { from: new Date(FROM), to: new Date(TO), now: new Date(now), groupBy };

          // Act
          const r = computeKpis(leads, q);
          const reversed = computeKpis([...leads].reverse(), q);

          // Assess
          for (const k of ADDITIVE) expect(r.groups.reduce((n, g) => n + g.kpis[k], 0)).toBe(r.total[k]);
          const inPeriod = leads.filter(
            (l) => Date.parse(l.submittedAt) >= FROM && Date.parse(l.submittedAt) < TO,
          );
          expect(r.total.leads).toBe(inPeriod.length);
          for (const k of Object.keys(r.total) as (keyof Kpis)[]) {
            const v = r.total[k] as number | null;
            if (k.endsWith('Rate') || k === 'slaAttainment')
              expect(v === null || (v >= 0 && v <= 1)).toBe(true);
          }
          expect(r.total.slaMet).toBeLessThanOrEqual(r.total.slaDue);
          expect(r.total.slaMet + r.total.breached).toBeLessThanOrEqual(r.total.slaDue);
          expect(reversed).toEqual(r);
        },
      ),
      { numRuns: 200 },
    );
  });
});
