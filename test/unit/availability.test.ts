import { describe, expect, it } from 'vitest';
import {
  applyAvailability,
  effectivePolicy,
  heldBy,
  nextReturn,
  type OwnerOverlay,
  parseChange,
} from '../../shared/domain/availability.ts';
import { route } from '../../shared/domain/routing.ts';
import { basePolicyDoc, buildPolicy, member } from '../helpers/policy-builder.ts';

const NOW = Date.parse('2030-01-07T09:12:00Z');
const policy = buildPolicy(
  basePolicyDoc({
    teams: {
      sales: {
        calendar: 'berlin',
        members: [member('1', { name: 'Anna Schmidt' }), member('2', { name: 'Luca Rossi', maxOpen: 4 })],
      },
    },
  }),
);
const at = new Date(NOW).toISOString();
const fold = (entries: OwnerOverlay[]) => new Map(entries.map((e) => [e.ownerId, e]));
const change = (body: Record<string, unknown>, overlay = new Map<string, OwnerOverlay>()) =>
  parseChange({ by: 'Mara Keller', ...body }, policy, overlay);

describe('availability overlay (pure)', () => {
  it('names the field of a refused change', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ action: 'sleep', ownerId: '1' }, 'action'],
      [{ action: 'pause', ownerId: '9' }, 'ownerId'],
      [{ action: 'pause', ownerId: '1', until: '2030-13-01' }, 'until'],
      [{ action: 'add_pto', ownerId: '1', from: '2030-01-10', to: '2030-01-09' }, 'to'],
      [{ action: 'set_weight', ownerId: '1', weight: 1.5 }, 'weight'],
      [{ action: 'new_hire', ownerId: '1', teamId: 'sales', name: 'Again' }, 'ownerId'],
      [{ action: 'new_hire', ownerId: '7', teamId: 'nope', name: 'Nina' }, 'teamId'],
      [{ action: 'resume', ownerId: '1', by: '' }, 'by'],
    ];
    for (const [body, field] of cases) {
      const r = change(body);
      expect('problem' in r && r.problem.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('says who paused a rep and when, until the pause ends, and routing repeats it', () => {
    const r = change({ action: 'pause', ownerId: '2', until: '2030-01-07T12:00:00Z', reason: 'sick' });
    if (!('change' in r)) throw new Error('refused');
    const overlay = fold([applyAvailability(undefined, r.change, { by: r.by, at }, policy)]);

    expect(heldBy(overlay, '2', NOW)).toBe('paused by Mara Keller at 09:12 UTC until 12:00 UTC (sick)');
    expect(heldBy(overlay, '2', Date.parse('2030-01-07T12:00:00Z'))).toBeUndefined();
    expect(nextReturn(overlay, NOW)).toBe(Date.parse('2030-01-07T12:00:00Z'));
    const d = route(policy, {
      lead: { intent: 'demo' } as never,
      tier: policy.defaultTier,
      now: NOW,
      state: { cursors: { sales: 1 }, weights: {}, openCounts: {}, inactiveOwners: new Set() },
      held: (id) => heldBy(overlay, id, NOW),
    });
    expect(d.ownerId).toBe('1');
    expect(d.trail).toContain(
      '  skipped Luca Rossi (2): paused by Mara Keller at 09:12 UTC until 12:00 UTC (sick)',
    );
  });

  it('keeps a rep out today until midnight in their own zone', () => {
    const e = applyAvailability(
      undefined,
      { action: 'out_today', ownerId: '1' },
      { by: 'Mara Keller', at },
      policy,
    );
    // Berlin is UTC+1 in January: midnight there is 23:00 UTC.
    expect(e.paused?.until).toBe('2030-01-07T23:00:00.000Z');
    expect(heldBy(fold([e]), '1', NOW)).toBe('out today by Mara Keller at 09:12 UTC');
  });

  it('overrides caps and weights, adds new hires, and restores the policy value on null', () => {
    const stamp = { by: 'Mara Keller', at };
    let luca = applyAvailability(undefined, { action: 'set_cap', ownerId: '2', maxOpen: 1 }, stamp, policy);
    const nina = applyAvailability(
      undefined,
      { action: 'new_hire', ownerId: '7', teamId: 'sales', name: 'Nina Novak' },
      stamp,
      policy,
    );
    const eff = effectivePolicy(policy, fold([luca, nina]));
    expect(eff.teams.get('sales')?.members.map((m) => [m.ownerId, m.maxOpen])).toEqual([
      ['1', 10],
      ['2', 1],
      ['7', 10],
    ]);
    luca = applyAvailability(luca, { action: 'set_cap', ownerId: '2', maxOpen: null }, stamp, policy);
    expect(effectivePolicy(policy, fold([luca])).teams.get('sales')?.members[1]?.maxOpen).toBe(4);
    expect(effectivePolicy(policy, new Map())).toBe(policy);
  });

  it('holds a rep on overlay PTO and a leaver, naming who marked them', () => {
    const stamp = { by: 'Mara Keller', at };
    const pto = applyAvailability(
      undefined,
      { action: 'add_pto', ownerId: '1', from: '2030-01-07T00:00:00.000Z', to: '2030-01-09T00:00:00.000Z' },
      stamp,
      policy,
    );
    const left = applyAvailability(undefined, { action: 'leaver', ownerId: '2' }, stamp, policy);
    const overlay = fold([pto, left]);
    expect(heldBy(overlay, '1', NOW)).toBe(
      'on PTO until 2030-01-09 00:00 UTC (added by Mara Keller at 09:12 UTC)',
    );
    expect(heldBy(overlay, '2', NOW)).toBe('left the team (marked by Mara Keller at 09:12 UTC)');
    const back = applyAvailability(
      pto,
      {
        action: 'remove_pto',
        ownerId: '1',
        from: '2030-01-07T00:00:00.000Z',
        to: '2030-01-09T00:00:00.000Z',
      },
      stamp,
      policy,
    );
    expect(heldBy(fold([back]), '1', NOW)).toBeUndefined();
  });
});
