import { describe, expect, it } from 'vitest';
import { emptyRoutingState, route } from '../../shared/domain/routing.ts';
import { basePolicy, leadFacts, member } from '../helpers/policy-builder.ts';

/** Monday 2026-11-23 10:00 UTC: the UTC office is open. */
const MON_10Z = Date.parse('2026-11-23T10:00:00Z');

/** Decisions taken from one and the same stored state (as concurrent captures see it), each with its own ticket. */
function concurrentPicks(strategy: string, members: ReturnType<typeof member>[], tickets: number) {
  const policy = basePolicy({ teams: { sales: { calendar: 'utc', strategy, members } } });
  const counts: Record<string, number> = {};
  for (let t = 0; t < tickets; t++) {
    const d = route(policy, {
      lead: leadFacts(),
      tier: policy.defaultTier,
      now: MON_10Z,
      state: { ...emptyRoutingState(), tickets: { sales: t } },
    });
    counts[d.ownerId as string] = (counts[d.ownerId as string] ?? 0) + 1;
    expect(d.pool).toEqual({ teamId: 'sales', strategy, ticketed: true });
    expect(d.cursor).toBeUndefined();
    expect(d.weights).toBeUndefined();
  }
  return counts;
}

describe('route: atomic tickets', () => {
  it('round robin: 64 picks from one stale state, one ticket each, differ by at most one', () => {
    const counts = concurrentPicks('round_robin', [member('1'), member('2'), member('3')], 64);
    expect(counts).toEqual({ '1': 22, '2': 21, '3': 21 });
  });

  it('least loaded with equal loads: tickets break the tie in rotation', () => {
    const counts = concurrentPicks('least_loaded', [member('1'), member('2'), member('3'), member('4')], 64);
    expect(counts).toEqual({ '1': 16, '2': 16, '3': 16, '4': 16 });
  });

  it('weighted: each full cycle of tickets gives the exact shares, and any prefix is within one of them', () => {
    const members = [member('1', { weight: 1 }), member('2', { weight: 2 }), member('3', { weight: 3 })];
    expect(concurrentPicks('weighted', members, 60)).toEqual({ '1': 10, '2': 20, '3': 30 });
    for (let n = 1; n <= 12; n++) {
      const counts = concurrentPicks('weighted', members, n);
      for (const [owner, w] of [
        ['1', 1],
        ['2', 2],
        ['3', 3],
      ] as const)
        expect(Math.abs((counts[owner] ?? 0) - (n * w) / 6)).toBeLessThan(1);
    }
  });

  it('without a ticket, a pool pick says which pool it came from, so the caller can take one', () => {
    const policy = basePolicy();
    const d = route(policy, {
      lead: leadFacts(),
      tier: policy.defaultTier,
      now: MON_10Z,
      state: emptyRoutingState(),
    });
    expect(d.pool).toEqual({ teamId: 'sales', strategy: 'round_robin', ticketed: false });
  });
});
