import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALWAYS, add, isOpen, nextOpening } from '../../shared/domain/clock.ts';
import type { Member, Policy } from '../../shared/domain/compile.ts';
import {
  emptyRoutingState,
  type RouteDecision,
  type RoutingState,
  route,
} from '../../shared/domain/routing.ts';
import { basePolicy, leadFacts, member } from '../helpers/policy-builder.ts';

const DAY_MS = 86_400_000;
const CALENDARS = ['utc', 'berlin', 'new-york', 'tokyo', 'round-the-clock'] as const;
const STRATEGIES = ['round_robin', 'weighted', 'least_loaded'] as const;
const ON_SHIFT = ['required', 'preferred', 'ignored'] as const;
/** Decision times: two weeks from Monday 2026-11-16, covering weekdays, nights and weekends. */
const FROM = Date.parse('2026-11-16T00:00:00Z');
const TO = FROM + 14 * DAY_MS;

function isoDay(t: number, days: number): string {
  return new Date(t + days * DAY_MS).toISOString().slice(0, 10);
}

/** True about one time in six, so most members stay eligible and rotation ties are common. */
const rarely = fc.oneof(
  { weight: 5, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);
/** A member's situation; PTO is placed relative to the decision time so the expected answer is known in any zone. */
const situation = fc.record({
  active: rarely.map((inactive) => !inactive),
  archived: rarely,
  excluded: rarely,
  pto: fc.constantFrom('none', 'past', 'future', 'none', 'past', 'now'),
  calendar: fc.constantFrom(...CALENDARS),
  weight: fc.integer({ min: 1, max: 5 }),
  maxOpen: fc.integer({ min: 1, max: 4 }),
  open: fc.integer({ min: 0, max: 3 }),
  currentWeight: fc.integer({ min: -10, max: 10 }),
});

function scenarioOf(
  strategies: readonly (typeof STRATEGIES)[number][],
  onShifts: readonly (typeof ON_SHIFT)[number][],
) {
  return fc.record({
    members: fc.array(situation, { minLength: 1, maxLength: 7 }),
    strategy: fc.constantFrom(...strategies),
    onShift: fc.constantFrom(...onShifts),
    now: fc.integer({ min: FROM, max: TO }),
    cursor: fc.integer({ min: -3, max: 12 }),
  });
}

const scenario = scenarioOf(STRATEGIES, ON_SHIFT);

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function setUp(sc: Scenario): { policy: Policy; state: RoutingState; exclude: Set<string>; ids: string[] } {
  const ids = sc.members.map((_, i) => String(100 + i));
  const ptoOf = (kind: string) =>
    kind === 'now'
      ? [{ from: isoDay(sc.now, -1), to: isoDay(sc.now, 1) }]
      : kind === 'past'
        ? [{ from: isoDay(sc.now, -10), to: isoDay(sc.now, -3) }]
        : kind === 'future'
          ? // Later than any one-hour business window can reach (a weekend plus a night); nearer PTO has its own law.
            [{ from: isoDay(sc.now, 5), to: isoDay(sc.now, 10) }]
          : [];
  const policy = basePolicy({
    tiers: [{ id: 'standard', window: 'PT1H', onShift: sc.onShift }],
    teams: {
      sales: {
        calendar: 'utc',
        strategy: sc.strategy,
        members: sc.members.map((m, i) =>
          member(ids[i] as string, {
            active: m.active,
            calendar: m.calendar,
            weight: m.weight,
            maxOpen: m.maxOpen,
            pto: ptoOf(m.pto),
          }),
        ),
      },
    },
  });
  const state: RoutingState = {
    cursors: { sales: sc.cursor },
    weights: { sales: Object.fromEntries(sc.members.map((m, i) => [ids[i], m.currentWeight])) },
    openCounts: Object.fromEntries(sc.members.map((m, i) => [ids[i], m.open])),
    inactiveOwners: new Set(ids.filter((_, i) => sc.members[i]?.archived)),
  };
  const exclude = new Set(ids.filter((_, i) => sc.members[i]?.excluded));
  return { policy, state, exclude, ids };
}

/** The expected reason a member is skipped, in the order routing checks them; undefined when eligible. */
function expectedSkip(m: Scenario['members'][number]): string | undefined {
  if (!m.active) return 'inactive in the policy';
  if (m.archived) return 'archived or deactivated in HubSpot';
  if (m.excluded) return 'already had this lead';
  if (m.pto === 'now') return 'on PTO';
  if (m.open >= m.maxOpen) return `at cap (${m.open}/${m.maxOpen} open)`;
  return undefined;
}

function decideScenario(sc: Scenario): { d: RouteDecision; policy: Policy; ids: string[] } {
  const { policy, state, exclude, ids } = setUp(sc);
  const d = route(policy, { lead: leadFacts(), tier: policy.defaultTier, now: sc.now, state, exclude });
  return { d, policy, ids };
}

describe('route: eligibility laws over random rosters, states and times', () => {
  it('never picks an owner who is inactive, archived, excluded, on PTO, at cap, or off shift when required', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        // Prepare
        const members = sc.members;

        // Act
        const { d, policy, ids } = decideScenario(sc);

        // Assess
        const team = policy.teams.get('sales')?.members as Member[];
        const eligible = ids.filter(
          (_, i) => expectedSkip(members[i] as Scenario['members'][number]) === undefined,
        );
        const onShift = eligible.filter((id) =>
          isOpen(sc.now, team[ids.indexOf(id)]?.calendar as Member['calendar']),
        );
        if (d.kind === 'owner') {
          expect(eligible).toContain(d.ownerId);
          if (sc.onShift === 'required' || (sc.onShift === 'preferred' && onShift.length > 0))
            expect(onShift).toContain(d.ownerId);
          if (sc.onShift === 'preferred' && onShift.length === 0) {
            const opening = (id: string) =>
              nextOpening(sc.now, team[ids.indexOf(id)]?.calendar as Member['calendar']);
            expect(opening(d.ownerId as string)).toBe(Math.min(...eligible.map(opening)));
          }
          expect(d.alert).toBe(false);
          expect(d.teamId).toBe('sales');
        } else {
          expect(sc.onShift === 'required' ? onShift : eligible).toEqual([]);
          expect(d.queueId).toBe('unassigned');
          expect(d.alert).toBe(true);
        }
      }),
    );
  });

  it('names every ineligible member in the trail with its reason', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        // Prepare
        const members = sc.members;

        // Act
        const { d, ids } = decideScenario(sc);

        // Assess
        const expected = ids.flatMap((id, i) => {
          const why = expectedSkip(members[i] as Scenario['members'][number]);
          return why ? [`  skipped Rep ${id} (${id}): ${why}`] : [];
        });
        const skipped = d.trail.filter((l) => l.startsWith('  skipped') && !l.endsWith(': off shift'));
        expect(skipped).toEqual(expected);
      }),
    );
  });

  it('round robin takes the first eligible member from the cursor; least loaded the least loaded, then the rotation', () => {
    fc.assert(
      fc.property(scenarioOf(['round_robin', 'least_loaded'], ['ignored']), (sc) => {
        // Prepare
        const n = sc.members.length;
        const start = ((sc.cursor % n) + n) % n;

        // Act
        const { d, ids } = decideScenario(sc);

        // Assess
        const rotation = Array.from({ length: n }, (_, k) => (start + k) % n).filter(
          (i) => expectedSkip(sc.members[i] as Scenario['members'][number]) === undefined,
        );
        if (rotation.length === 0) {
          expect(d.kind).toBe('queue');
          return;
        }
        const minOpen = Math.min(...rotation.map((i) => sc.members[i]?.open as number));
        const want =
          sc.strategy === 'least_loaded'
            ? (rotation.find((i) => sc.members[i]?.open === minOpen) as number)
            : (rotation[0] as number);
        expect(d.ownerId).toBe(ids[want]);
        expect(d.cursor).toEqual({ teamId: 'sales', value: (want + 1) % n });
      }),
    );
  });

  it('preferred, with nobody on shift: picks a member whose shift starts soonest', () => {
    // Saturday 00:00Z to Sunday 24:00Z: every weekday calendar below is closed.
    const weekend = fc.integer({
      min: Date.parse('2026-11-28T00:00:00Z'),
      max: Date.parse('2026-11-30T00:00:00Z') - 1,
    });
    const zones = fc.array(fc.constantFrom('utc', 'berlin', 'new-york', 'tokyo'), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(zones, weekend, fc.constantFrom(...STRATEGIES), (calendars, now, strategy) => {
        // Prepare
        const ids = calendars.map((_, i) => String(400 + i));
        const policy = basePolicy({
          tiers: [{ id: 'standard', window: 'PT1H', onShift: 'preferred' }],
          teams: {
            sales: {
              calendar: 'utc',
              strategy,
              members: ids.map((id, i) => member(id, { calendar: calendars[i] })),
            },
          },
        });

        // Act
        const d = route(policy, {
          lead: leadFacts(),
          tier: policy.defaultTier,
          now,
          state: emptyRoutingState(),
        });

        // Assess
        const team = policy.teams.get('sales')?.members as Member[];
        const openings = team.map((m) => nextOpening(now, m.calendar));
        const chosen = ids.indexOf(d.ownerId as string);
        expect(openings[chosen]).toBe(Math.min(...openings));
      }),
    );
  });

  it('never picks an excluded owner, and with everyone excluded falls back to the default queue', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.func(fc.boolean()),
        fc.constantFrom(...STRATEGIES),
        fc.integer({ min: 0, max: 10 }),
        (n, excludedFn, strategy, cursor) => {
          // Prepare
          const ids = Array.from({ length: n }, (_, i) => String(200 + i));
          const exclude = new Set(ids.filter((id) => excludedFn(id)));
          const policy = basePolicy({
            tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
            teams: { sales: { calendar: 'utc', strategy, members: ids.map((id) => member(id)) } },
          });
          const state = { ...emptyRoutingState(), cursors: { sales: cursor } };

          // Act
          const d = route(policy, {
            lead: leadFacts(),
            tier: policy.defaultTier,
            now: FROM,
            state,
            exclude,
            team: 'sales',
          });

          // Assess
          if (exclude.size === n) {
            expect(d.kind).toBe('queue');
            expect(d.alert).toBe(true);
          } else {
            expect(d.kind).toBe('owner');
            expect(exclude.has(d.ownerId as string)).toBe(false);
          }
        },
      ),
    );
  });
});

/** A team of `n` always-available members with the given strategy and weights. */
function openTeam(
  strategy: (typeof STRATEGIES)[number],
  weights: readonly number[],
): { policy: Policy; ids: string[] } {
  const ids = weights.map((_, i) => String(300 + i));
  const policy = basePolicy({
    tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
    teams: {
      sales: {
        calendar: 'round-the-clock',
        strategy,
        members: ids.map((id, i) => member(id, { weight: weights[i], maxOpen: 100_000 })),
      },
    },
  });
  return { policy, ids };
}

/** Routes `k` leads in turn, feeding the returned cursor, weights and open counts back as production would. */
function rotate(policy: Policy, k: number, init: Partial<RoutingState> = {}): string[] {
  const cursors: Record<string, number> = { ...init.cursors };
  const weights: Record<string, Record<string, number>> = { ...init.weights };
  const openCounts: Record<string, number> = { ...init.openCounts };
  const picks: string[] = [];
  for (let i = 0; i < k; i++) {
    const state = { ...emptyRoutingState(), cursors, weights, openCounts };
    const d = route(policy, { lead: leadFacts(), tier: policy.defaultTier, now: FROM + i * 60_000, state });
    if (d.kind !== 'owner' || d.ownerId === undefined) throw new Error(`lead ${i} was not assigned`);
    picks.push(d.ownerId);
    if (d.cursor) cursors[d.cursor.teamId] = d.cursor.value;
    if (d.weights) weights[d.weights.teamId] = d.weights.value;
    openCounts[d.ownerId] = (openCounts[d.ownerId] ?? 0) + 1;
  }
  return picks;
}

function countsOf(ids: readonly string[], picks: readonly string[]): number[] {
  return ids.map((id) => picks.filter((p) => p === id).length);
}

describe('route: fairness laws', () => {
  it('round robin with equal weights: counts differ by at most one, in strict rotation from the cursor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 20 }),
        (n, k, cursor) => {
          // Prepare
          const { policy, ids } = openTeam('round_robin', Array(n).fill(1));

          // Act
          const picks = rotate(policy, k, { cursors: { sales: cursor } });

          // Assess
          const counts = countsOf(ids, picks);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          expect(picks).toEqual(Array.from({ length: k }, (_, j) => ids[(cursor + j) % n]));
        },
      ),
    );
  });

  it('least loaded, with open counts rising as leads are assigned: counts differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 60 }), (n, k) => {
        // Prepare
        const { policy, ids } = openTeam('least_loaded', Array(n).fill(1));

        // Act
        const picks = rotate(policy, k);

        // Assess
        const counts = countsOf(ids, picks);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(k);
      }),
    );
  });

  it('weighted: exact shares after each full cycle, within one of the proportional share at every prefix, deterministic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (weights, cycles) => {
          // Prepare
          const { policy, ids } = openTeam('weighted', weights);
          const total = weights.reduce((a, b) => a + b, 0);

          // Act
          const picks = rotate(policy, cycles * total);
          const again = rotate(policy, cycles * total);

          // Assess
          expect(again).toEqual(picks);
          for (let k = 1; k <= picks.length; k++) {
            const counts = countsOf(ids, picks.slice(0, k));
            counts.forEach((c, i) => {
              const share = (k * (weights[i] as number)) / total;
              expect(Math.abs(c - share)).toBeLessThanOrEqual(1);
              if (k % total === 0) expect(c).toBe(share);
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('weighted: the returned current weights always sum to zero when everyone is eligible', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 30 }),
        (weights, k) => {
          // Prepare
          const { policy } = openTeam('weighted', weights);
          let current: Record<string, number> = {};

          // Act
          const sums: number[] = [];
          for (let i = 0; i < k; i++) {
            const state = { ...emptyRoutingState(), weights: { sales: current } };
            const d = route(policy, { lead: leadFacts(), tier: policy.defaultTier, now: FROM, state });
            current = d.weights?.value ?? {};
            sums.push(Object.values(current).reduce((a, b) => a + b, 0));
          }

          // Assess
          expect(sums).toEqual(Array(k).fill(0));
        },
      ),
    );
  });
});

describe('route: absence laws', () => {
  it("never gives a lead to a rep whose PTO starts before the lead's deadline, nor to one on PTO", () => {
    const rep = fc.record({
      calendar: fc.constantFrom(...CALENDARS),
      ptoStartsIn: fc.integer({ min: -3, max: 6 }),
      ptoDays: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(rep, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: FROM, max: TO }),
        fc.constantFrom(...ON_SHIFT),
        fc.constantFrom('PT5M', 'PT1H', 'PT8H', 'P1D'),
        fc.constantFrom('business', 'always'),
        (reps, now, onShift, window, clock) => {
          // Prepare
          const policy = basePolicy({
            tiers: [{ id: 'standard', window, onShift, clock }],
            teams: {
              sales: {
                calendar: 'utc',
                members: reps.map((r, i) =>
                  member(String(500 + i), {
                    calendar: r.calendar,
                    pto: [{ from: isoDay(now, r.ptoStartsIn), to: isoDay(now, r.ptoStartsIn + r.ptoDays) }],
                  }),
                ),
              },
            },
          });
          const tier = policy.defaultTier;

          // Act
          const d = route(policy, { lead: leadFacts(), tier, now, state: emptyRoutingState() });

          // Assess
          if (d.kind !== 'owner') return;
          const m = policy.teams.get('sales')?.members.find((x) => x.ownerId === d.ownerId) as Member;
          const due = add(now, tier.windowMs, clock === 'always' ? ALWAYS : m.calendar);
          for (const [from, to] of m.pto) expect(from >= due || to <= now).toBe(true);
        },
      ),
    );
  });
});
