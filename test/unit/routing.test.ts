import { describe, expect, it } from 'vitest';
import type { Member, Policy } from '../../shared/domain/compile.ts';
import type { LeadFacts } from '../../shared/domain/lead.ts';
import {
  emptyRoutingState,
  nextOnDuty,
  type RouteRequest,
  type RoutingState,
  route,
} from '../../shared/domain/routing.ts';
import { basePolicy, leadFacts, member, type PolicyObject } from '../helpers/policy-builder.ts';

/** Monday 2026-11-23 10:00 UTC: UTC and Berlin offices open; New York and Tokyo closed. */
const MON_10Z = Date.parse('2026-11-23T10:00:00Z');
/** Saturday 2026-11-28 12:00 UTC: every weekday calendar closed. */
const SAT_12Z = Date.parse('2026-11-28T12:00:00Z');

function state(overrides: Partial<RoutingState> = {}): RoutingState {
  return { ...emptyRoutingState(), ...overrides };
}

function decide(
  policy: Policy,
  opts: Partial<Omit<RouteRequest, 'lead'>> & { lead?: Partial<LeadFacts> } = {},
) {
  return route(policy, {
    lead: leadFacts(opts.lead),
    tier: opts.tier ?? policy.defaultTier,
    now: opts.now ?? MON_10Z,
    state: opts.state ?? state(),
    exclude: opts.exclude,
    team: opts.team,
  });
}

function salesTeam(members: PolicyObject[], extra: PolicyObject = {}): PolicyObject {
  return { teams: { sales: { calendar: 'utc', members, ...extra } } };
}

describe('route: rules', () => {
  it('records unmatched rules, then routes to the first matching rule', () => {
    // Prepare
    const policy = basePolicy({
      routing: {
        rules: [
          { id: 'big', match: { employeesMin: 1000 }, target: { team: 'sales' } },
          { id: 'germany', match: { country: ['DE'] }, target: { team: 'sales' } },
          { id: 'france', match: { country: ['FR'] }, target: { team: 'sales' } },
          { id: 'catch-all', target: { queue: 'breach' } },
        ],
      },
    });

    // Act
    const d = decide(policy, { lead: { country: 'FR', employees: 10 } });

    // Assess
    expect(d.kind).toBe('owner');
    expect(d.ruleId).toBe('france');
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'no match: big, germany',
      'rule france: matched → team sales',
      'chose Rep 1 (1): next in rotation',
    ]);
  });

  it('routes a queue rule target to that queue without an alert', () => {
    // Prepare
    const policy = basePolicy({
      routing: {
        rules: [
          { id: 'junk', match: { freeMail: true }, target: { queue: 'breach' } },
          { id: 'everyone', target: { team: 'sales' } },
        ],
      },
    });

    // Act
    const d = decide(policy, { lead: { freeMail: true } });

    // Assess
    expect(d).toEqual({
      kind: 'queue',
      queueId: 'breach',
      ownerId: '9002',
      ruleId: 'junk',
      calendar: policy.defaultCalendar,
      alert: false,
      mode: 'live',
      trail: ['rule junk: matched → queue breach', '→ queue breach'],
    });
  });

  it('sends a lead no rule matches to the default queue with an alert', () => {
    // Prepare
    const policy = basePolicy({
      routing: {
        rules: [
          { id: 'de', match: { country: ['DE'] }, target: { team: 'sales' } },
          { id: 'fr', match: { country: ['FR'] }, target: { team: 'sales' } },
        ],
      },
    });

    // Act
    const d = decide(policy, { lead: { country: 'BR' } });

    // Assess
    expect(d.kind).toBe('queue');
    expect(d.queueId).toBe('unassigned');
    expect(d.ownerId).toBe('9001');
    expect(d.alert).toBe(true);
    expect(d.ruleId).toBeUndefined();
    expect(d.trail).toEqual([
      'no match: de, fr',
      'no rule routed the lead',
      '→ queue unassigned (alert raised)',
    ]);
  });
});

describe('route: fallback when nobody is eligible', () => {
  const chain = basePolicy({
    routing: { rules: [{ id: 'to-a', target: { team: 'a' } }] },
    teams: {
      a: { calendar: 'utc', backup: 'b', members: [member('11')] },
      b: { calendar: 'utc', backup: 'c', members: [member('21')] },
      c: { calendar: 'utc', members: [member('31')] },
    },
  });

  it('goes to the backup team', () => {
    // Prepare
    const s = state({ inactiveOwners: new Set(['11']) });

    // Act
    const d = decide(chain, { state: s });

    // Assess
    expect(d.kind).toBe('owner');
    expect(d.ownerId).toBe('21');
    expect(d.teamId).toBe('b');
    expect(d.ruleId).toBe('to-a');
    expect(d.alert).toBe(false);
    expect(d.trail).toEqual([
      'rule to-a: matched → team a',
      '  skipped Rep 11 (11): archived or deactivated in HubSpot',
      'nobody eligible in a; backup team b',
      'chose Rep 21 (21): next in rotation',
    ]);
  });

  it("goes on to the backup's backup", () => {
    // Prepare
    const s = state({ inactiveOwners: new Set(['11', '21']) });

    // Act
    const d = decide(chain, { state: s });

    // Assess
    expect(d.ownerId).toBe('31');
    expect(d.teamId).toBe('c');
    expect(d.cursor).toEqual({ teamId: 'c', value: 0 });
  });

  it('ends in the default queue with an alert when the whole chain is empty', () => {
    // Prepare
    const s = state({ inactiveOwners: new Set(['11', '21', '31']) });

    // Act
    const d = decide(chain, { state: s });

    // Assess
    expect(d).toEqual({
      kind: 'queue',
      queueId: 'unassigned',
      ownerId: '9001',
      ruleId: 'to-a',
      teamId: 'a',
      calendar: chain.defaultCalendar,
      alert: true,
      mode: 'live',
      trail: [
        'rule to-a: matched → team a',
        '  skipped Rep 11 (11): archived or deactivated in HubSpot',
        'nobody eligible in a; backup team b',
        '  skipped Rep 21 (21): archived or deactivated in HubSpot',
        'nobody eligible in b; backup team c',
        '  skipped Rep 31 (31): archived or deactivated in HubSpot',
        'nobody eligible in c',
        '→ queue unassigned (alert raised)',
      ],
    });
  });

  it('keeps a shadow team in shadow when its lead falls back to a backup team or the default queue', () => {
    // Prepare
    const policy = basePolicy({
      routing: { rules: [{ id: 'pilot', target: { team: 'pilot' } }] },
      teams: {
        pilot: { calendar: 'utc', mode: 'shadow', backup: 'live-team', members: [member('11')] },
        'live-team': { calendar: 'utc', members: [member('21')] },
      },
    });

    // Act
    const toBackup = decide(policy, { state: state({ inactiveOwners: new Set(['11']) }) });
    const toQueue = decide(policy, { state: state({ inactiveOwners: new Set(['11', '21']) }) });

    // Assess
    expect(toBackup.ownerId).toBe('21');
    expect(toBackup.mode).toBe('shadow');
    expect(toQueue.kind).toBe('queue');
    expect(toQueue.alert).toBe(true);
    expect(toQueue.mode).toBe('shadow');
  });

  it('keeps a live team live when its backup is a shadow team', () => {
    // Prepare
    const policy = basePolicy({
      routing: { rules: [{ id: 'main', target: { team: 'main' } }] },
      teams: {
        main: { calendar: 'utc', backup: 'pilot', members: [member('11')] },
        pilot: { calendar: 'utc', mode: 'shadow', members: [member('21')] },
      },
    });

    // Act
    const d = decide(policy, { state: state({ inactiveOwners: new Set(['11']) }) });

    // Assess
    expect(d.ownerId).toBe('21');
    expect(d.mode).toBe('live');
  });
});

describe('route: the team option (reassignment within a team)', () => {
  const policy = basePolicy({
    routing: { rules: [{ id: 'to-a', target: { team: 'a' } }] },
    teams: {
      a: { calendar: 'utc', members: [member('11')] },
      b: { calendar: 'utc', members: [member('21'), member('22')] },
    },
  });

  it('skips the rules and picks from the named team, never an excluded owner', () => {
    // Prepare
    const exclude = new Set(['21']);

    // Act
    const d = decide(policy, { team: 'b', exclude });

    // Assess
    expect(d.ownerId).toBe('22');
    expect(d.teamId).toBe('b');
    expect(d.ruleId).toBeUndefined();
    expect(d.trail).toEqual([
      '  skipped Rep 21 (21): already had this lead',
      'chose Rep 22 (22): next in rotation',
    ]);
  });

  it('falls back to the default queue with an alert when the team left the policy', () => {
    // Prepare
    const team = 'gone';

    // Act
    const d = decide(policy, { team });

    // Assess
    expect(d.kind).toBe('queue');
    expect(d.queueId).toBe('unassigned');
    expect(d.alert).toBe(true);
    expect(d.trail).toEqual(['team gone is no longer in the policy', '→ queue unassigned (alert raised)']);
  });
});

describe('route: existing owner, account owner and specific owner targets', () => {
  const policy = basePolicy({
    routing: {
      rules: [
        { id: 'existing-owner', match: { existingOwner: true }, target: { existingOwner: true } },
        { id: 'named', match: { namedAccount: true }, target: { accountOwner: true } },
        { id: 'vip', match: { domain: ['vip.example'] }, target: { owner: '8' } },
        { id: 'everyone', target: { team: 'sales' } },
      ],
    },
    teams: {
      sales: { calendar: 'utc', members: [member('1'), member('2')] },
      ae: {
        calendar: 'utc',
        mode: 'shadow',
        members: [
          member('7', { pto: [{ from: '2026-11-23', to: '2026-11-24' }] }),
          member('8', { maxOpen: 1 }),
          member('9', { calendar: 'tokyo' }),
          member('10', { active: false }),
        ],
      },
    },
  });
  const fallbackTrail = [
    'no match: named, vip',
    'rule everyone: matched → team sales',
    'chose Rep 1 (1): next in rotation',
  ];

  it('chooses an active existing owner even off shift and over the cap, with their team, calendar and mode', () => {
    // Prepare
    const s = state({ openCounts: { '9': 50 } });

    // Act
    const d = decide(policy, { lead: { existingOwnerId: '9' }, state: s });

    // Assess
    expect(d.kind).toBe('owner');
    expect(d.ownerId).toBe('9');
    expect(d.ownerName).toBe('Rep 9');
    expect(d.teamId).toBe('ae');
    expect(d.ruleId).toBe('existing-owner');
    expect(d.calendar.id).toBe('tokyo');
    expect(d.mode).toBe('shadow');
    expect(d.alert).toBe(false);
    expect(d.cursor).toBeUndefined();
    expect(d.trail).toEqual(['rule existing-owner: existing owner Rep 9 (9)']);
  });

  it('chooses an existing owner who is in no team, on the default calendar', () => {
    // Prepare
    const lead = { existingOwnerId: '555' };

    // Act
    const d = decide(policy, { lead });

    // Assess
    expect(d.ownerId).toBe('555');
    expect(d.ownerName).toBeUndefined();
    expect(d.teamId).toBeUndefined();
    expect(d.calendar).toBe(policy.defaultCalendar);
    expect(d.mode).toBe('live');
    expect(d.trail).toEqual(['rule existing-owner: existing owner 555']);
  });

  it.each([
    [
      'archived in HubSpot',
      '9',
      state({ inactiveOwners: new Set(['9']) }),
      undefined,
      'is archived or deactivated in HubSpot',
    ],
    ['on PTO', '7', state(), undefined, 'is on PTO'],
    ['inactive in the policy', '10', state(), undefined, 'is inactive in the policy'],
    ['excluded', '9', state(), new Set(['9']), 'already had this lead'],
  ])('skips an existing owner %s to the next rule', (_what, ownerId, s, exclude, why) => {
    // Prepare
    const lead = { existingOwnerId: ownerId };

    // Act
    const d = decide(policy, { lead, state: s, exclude });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.ruleId).toBe('everyone');
    expect(d.trail).toEqual([
      `rule existing-owner: existing owner ${ownerId} ${why}; next rule`,
      ...fallbackTrail,
    ]);
  });

  it('skips an existing-owner target when the lead has no owner', () => {
    // Prepare
    const p = basePolicy({
      routing: {
        rules: [
          { id: 'keep-owner', target: { existingOwner: true } },
          { id: 'named', target: { accountOwner: true } },
          { id: 'everyone', target: { team: 'sales' } },
        ],
      },
    });

    // Act
    const d = decide(p, { lead: {} });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'rule keep-owner: matched, but the lead has no existing owner; next rule',
      'rule named: matched, but the lead has no account owner; next rule',
      'rule everyone: matched → team sales',
      'chose Rep 1 (1): next in rotation',
    ]);
  });

  it('chooses the account owner of a named account', () => {
    // Prepare
    const lead = { accountOwnerId: '9' };

    // Act
    const d = decide(policy, { lead });

    // Assess
    expect(d.ownerId).toBe('9');
    expect(d.ruleId).toBe('named');
    expect(d.trail).toEqual(['no match: existing-owner', 'rule named: account owner Rep 9 (9)']);
  });

  it('skips an account owner on PTO to the next rule', () => {
    // Prepare
    const lead = { accountOwnerId: '7' };

    // Act
    const d = decide(policy, { lead });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'no match: existing-owner',
      'rule named: account owner 7 is on PTO; next rule',
      'no match: vip',
      'rule everyone: matched → team sales',
      'chose Rep 1 (1): next in rotation',
    ]);
  });

  it('chooses a specific owner target, over the cap', () => {
    // Prepare
    const s = state({ openCounts: { '8': 1 } });

    // Act
    const d = decide(policy, { lead: { domain: 'vip.example' }, state: s });

    // Assess
    expect(d.ownerId).toBe('8');
    expect(d.ruleId).toBe('vip');
    expect(d.trail).toEqual(['no match: existing-owner, named', 'rule vip: owner Rep 8 (8)']);
  });

  it('skips an archived specific owner to the next rule', () => {
    // Prepare
    const s = state({ inactiveOwners: new Set(['8']) });

    // Act
    const d = decide(policy, { lead: { domain: 'vip.example' }, state: s });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'no match: existing-owner, named',
      'rule vip: owner 8 is archived or deactivated in HubSpot; next rule',
      'rule everyone: matched → team sales',
      'chose Rep 1 (1): next in rotation',
    ]);
  });
});

describe('route: pool eligibility and the trail', () => {
  it('names each skipped member with its reason', () => {
    // Prepare
    const policy = basePolicy(
      salesTeam([
        member('1', { active: false }),
        member('2'),
        member('3'),
        member('4', { pto: [{ from: '2026-11-20', to: '2026-11-23' }] }),
        member('5', { maxOpen: 2 }),
        member('6', { calendar: 'new-york' }),
        member('7'),
      ]),
    );
    const s = state({ inactiveOwners: new Set(['2']), openCounts: { '5': 2 } });

    // Act
    const d = decide(policy, { state: s, exclude: new Set(['3']) });

    // Assess
    expect(d.ownerId).toBe('7');
    expect(d.trail).toEqual([
      'rule everyone: matched → team sales',
      '  skipped Rep 1 (1): inactive in the policy',
      '  skipped Rep 2 (2): archived or deactivated in HubSpot',
      '  skipped Rep 3 (3): already had this lead',
      '  skipped Rep 4 (4): on PTO',
      '  skipped Rep 5 (5): at cap (2/2 open)',
      '  skipped Rep 6 (6): off shift',
      'chose Rep 7 (7): next in rotation',
    ]);
  });

  it("judges PTO as whole days in the member's own time zone", () => {
    // Prepare: PTO on Monday 2026-11-23 in Berlin is [Sun 23:00Z, Mon 23:00Z).
    const policy = basePolicy({
      ...salesTeam([
        member('1', { calendar: 'berlin', pto: [{ from: '2026-11-23', to: '2026-11-23' }] }),
        member('2'),
      ]),
      tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
    });
    const at = (iso: string) => decide(policy, { now: Date.parse(iso) }).ownerId;

    // Act
    const friday = at('2026-11-20T10:00:00.000Z');
    // Sunday night: not on PTO yet, but the hour of business time runs into Monday, the PTO day.
    const before = at('2026-11-22T22:59:59.999Z');
    const first = at('2026-11-22T23:00:00.000Z');
    const last = at('2026-11-23T22:59:59.999Z');
    const after = at('2026-11-23T23:00:00.000Z');

    // Assess
    expect([friday, before, first, last, after]).toEqual(['1', '2', '2', '2', '1']);
  });
});

describe('route: shifts', () => {
  const threeZones = salesTeam([
    member('1', { calendar: 'utc' }),
    member('2', { calendar: 'new-york' }),
    member('3', { calendar: 'tokyo' }),
  ]);
  const withShift = (onShift: string) =>
    basePolicy({ ...threeZones, tiers: [{ id: 'standard', window: 'PT1H', onShift }] });

  it('required: skips off-shift members even when the rotation points at them', () => {
    // Prepare
    const policy = withShift('required');
    const s = state({ cursors: { sales: 1 } });

    // Act
    const d = decide(policy, { state: s });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'rule everyone: matched → team sales',
      '  skipped Rep 2 (2): off shift',
      '  skipped Rep 3 (3): off shift',
      'chose Rep 1 (1): next in rotation',
    ]);
  });

  it('required: nobody on shift falls back to the default queue', () => {
    // Prepare
    const policy = withShift('required');

    // Act
    const d = decide(policy, { now: SAT_12Z });

    // Assess
    expect(d.kind).toBe('queue');
    expect(d.alert).toBe(true);
    expect(d.trail.at(-2)).toBe('nobody eligible in sales');
  });

  it('preferred: with nobody on shift, picks the member whose shift starts soonest', () => {
    // Prepare: Tokyo opens Monday 00:00Z, UTC 09:00Z, New York 14:00Z.
    const policy = withShift('preferred');

    // Act
    const d = decide(policy, { now: SAT_12Z });

    // Assess
    expect(d.ownerId).toBe('3');
    expect(d.calendar.id).toBe('tokyo');
    expect(d.trail).toEqual([
      'rule everyone: matched → team sales',
      '  nobody on shift in sales; next on duty at 2026-11-30T00:00:00.000Z',
      'chose Rep 3 (3): next in rotation',
    ]);
  });

  it('preferred: among members coming on duty together, follows the rotation', () => {
    // Prepare
    const policy = basePolicy({
      ...salesTeam([
        member('1', { calendar: 'tokyo' }),
        member('2', { calendar: 'new-york' }),
        member('3', { calendar: 'tokyo' }),
      ]),
      tiers: [{ id: 'standard', window: 'PT1H', onShift: 'preferred' }],
    });

    // Act
    const d = decide(policy, { now: SAT_12Z, state: state({ cursors: { sales: 1 } }) });

    // Assess
    expect(d.ownerId).toBe('3');
    expect(d.cursor).toEqual({ teamId: 'sales', value: 0 });
  });

  it('preferred: someone on shift wins over the rotation', () => {
    // Prepare
    const policy = withShift('preferred');
    const s = state({ cursors: { sales: 2 } });

    // Act
    const d = decide(policy, { state: s });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail).toEqual([
      'rule everyone: matched → team sales',
      '  skipped Rep 2 (2): off shift',
      '  skipped Rep 3 (3): off shift',
      'chose Rep 1 (1): next in rotation',
    ]);
  });

  it('ignored: follows the rotation whatever the shifts', () => {
    // Prepare
    const policy = withShift('ignored');
    const s = state({ cursors: { sales: 1 } });

    // Act
    const d = decide(policy, { now: SAT_12Z, state: s });

    // Assess
    expect(d.ownerId).toBe('2');
    expect(d.trail).toEqual(['rule everyone: matched → team sales', 'chose Rep 2 (2): next in rotation']);
  });
});

describe('route: strategies and the state they return', () => {
  it('round robin: returns the advanced cursor, and feeding it back rotates through the team', () => {
    // Prepare
    const policy = basePolicy();
    const cursors: Record<string, number> = {};

    // Act
    const picks: (string | undefined)[] = [];
    const returned: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const d = decide(policy, { state: state({ cursors }) });
      picks.push(d.ownerId);
      returned.push(d.cursor);
      if (d.cursor) cursors[d.cursor.teamId] = d.cursor.value;
    }

    // Assess
    expect(picks).toEqual(['1', '2', '3', '1']);
    expect(returned).toEqual([
      { teamId: 'sales', value: 1 },
      { teamId: 'sales', value: 2 },
      { teamId: 'sales', value: 0 },
      { teamId: 'sales', value: 1 },
    ]);
  });

  it('round robin: reads a cursor past the end or below zero modulo the team size', () => {
    // Prepare
    const policy = basePolicy();

    // Act
    const past = decide(policy, { state: state({ cursors: { sales: 7 } }) });
    const negative = decide(policy, { state: state({ cursors: { sales: -1 } }) });

    // Assess
    expect(past.ownerId).toBe('2');
    expect(negative.ownerId).toBe('3');
  });

  it('round robin: moves the cursor past the member chosen, not merely by one', () => {
    // Prepare
    const policy = basePolicy(salesTeam([member('1', { maxOpen: 1 }), member('2'), member('3')]));
    const s = state({ openCounts: { '1': 1 } });

    // Act
    const d = decide(policy, { state: s });

    // Assess
    expect(d.ownerId).toBe('2');
    expect(d.cursor).toEqual({ teamId: 'sales', value: 2 });
    expect(d.trail).toContain('  skipped Rep 1 (1): at cap (1/1 open)');
  });

  it('least loaded: picks the fewest open leads, ties broken by the rotation', () => {
    // Prepare
    const policy = basePolicy(
      salesTeam([member('1'), member('2'), member('3')], { strategy: 'least_loaded' }),
    );
    const openCounts = { '1': 3, '2': 1, '3': 1 };

    // Act
    const first = decide(policy, { state: state({ openCounts }) });
    const second = decide(policy, { state: state({ openCounts, cursors: { sales: 2 } }) });

    // Assess
    expect(first.ownerId).toBe('2');
    expect(first.cursor).toEqual({ teamId: 'sales', value: 2 });
    expect(first.trail.at(-1)).toBe('chose Rep 2 (2): least loaded (1 open)');
    expect(second.ownerId).toBe('3');
  });

  it('weighted: returns the smooth-WRR weights, and feeding them back gives the weighted rotation', () => {
    // Prepare
    const policy = basePolicy(
      salesTeam([member('1', { weight: 2 }), member('2'), member('3')], { strategy: 'weighted' }),
    );
    const weights: Record<string, Record<string, number>> = {};

    // Act
    const picks: (string | undefined)[] = [];
    const returned: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      const d = decide(policy, { state: state({ weights }) });
      picks.push(d.ownerId);
      returned.push(d.weights);
      if (d.weights) weights[d.weights.teamId] = d.weights.value;
    }

    // Assess
    expect(picks).toEqual(['1', '2', '3', '1', '1', '2', '3', '1']);
    expect(returned.slice(0, 4)).toEqual([
      { teamId: 'sales', value: { '1': -2, '2': 1, '3': 1 } },
      { teamId: 'sales', value: { '1': 0, '2': -2, '3': 2 } },
      { teamId: 'sales', value: { '1': 2, '2': -1, '3': -1 } },
      { teamId: 'sales', value: { '1': 0, '2': 0, '3': 0 } },
    ]);
  });

  it('weighted: explains the choice and leaves no cursor', () => {
    // Prepare
    const policy = basePolicy(
      salesTeam([member('1', { weight: 2 }), member('2'), member('3')], { strategy: 'weighted' }),
    );

    // Act
    const d = decide(policy);

    // Assess
    expect(d.cursor).toBeUndefined();
    expect(d.trail).toEqual([
      'rule everyone: matched → team sales',
      'chose Rep 1 (1): weighted rotation, weight 2 of 4',
    ]);
  });

  it('weighted: shares among the eligible members only', () => {
    // Prepare
    const policy = basePolicy(
      salesTeam([member('1', { weight: 2 }), member('2'), member('3')], { strategy: 'weighted' }),
    );
    const s = state({ inactiveOwners: new Set(['1']) });

    // Act
    const d = decide(policy, { state: s });

    // Assess
    expect(d.ownerId).toBe('2');
    expect(d.weights).toEqual({ teamId: 'sales', value: { '1': 0, '2': -1, '3': 1 } });
    expect(d.trail.at(-1)).toBe('chose Rep 2 (2): weighted rotation, weight 1 of 2');
  });
});

describe('route: absence and off-duty choices', () => {
  /** Friday 2026-11-20 16:30 UTC: UTC office open for 30 more minutes. */
  const FRI_1630Z = Date.parse('2026-11-20T16:30:00Z');

  it('skips a rep on shift whose PTO starts before the deadline would fall', () => {
    // Prepare: an hour of business time from Friday 16:30 ends Monday 09:30; rep 1 is away on Monday.
    const policy = basePolicy(
      salesTeam([member('1', { pto: [{ from: '2026-11-23', to: '2026-11-24' }] }), member('2')]),
    );

    // Act
    const d = decide(policy, { now: FRI_1630Z });

    // Assess
    expect(d.ownerId).toBe('2');
    expect(d.trail).toContain(
      '  skipped Rep 1 (1): PTO from 2026-11-23T00:00Z begins before the deadline 2026-11-23T09:30Z',
    );
  });

  it('keeps a rep whose PTO starts after the deadline', () => {
    // Prepare: 16:30 + 1h of business time is Monday 09:30; PTO from Tuesday.
    const policy = basePolicy(
      salesTeam([member('1', { pto: [{ from: '2026-11-24', to: '2026-11-25' }] }), member('2')]),
    );

    // Act
    const d = decide(policy, { now: FRI_1630Z });

    // Assess
    expect(d.ownerId).toBe('1');
  });

  it('preferred: the rep coming on duty first is judged on duty after PTO, not at the next opening of the calendar', () => {
    // Prepare: Saturday; rep 1 (UTC, first opening Monday 09:00Z) is away Monday and Tuesday; rep 2 is in New York (Monday 14:00Z).
    const policy = basePolicy({
      ...salesTeam([
        member('1', { pto: [{ from: '2026-11-30', to: '2026-12-01' }] }),
        member('2', { calendar: 'new-york' }),
      ]),
      tiers: [{ id: 'standard', window: 'P3D', onShift: 'preferred' }],
    });
    const rep1 = policy.teams.get('sales')?.members[0] as Member;

    // Act
    const d = decide(policy, { now: SAT_12Z });
    const back = nextOnDuty(rep1, SAT_12Z);

    // Assess
    expect(new Date(back).toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(d.ownerId).toBe('2');
  });

  it("clock always, offDuty ladder (the default): assigns the rep and says the ladder runs before they're on duty", () => {
    // Prepare: a Saturday nurture lead, 24 wall-clock hours; the team is on duty Monday.
    const policy = basePolicy({
      tiers: [{ id: 'standard', window: 'PT24H', clock: 'always', onShift: 'preferred' }],
    });

    // Act
    const d = decide(policy, { now: SAT_12Z });

    // Assess
    expect(d.ownerId).toBe('1');
    expect(d.trail.at(-1)).toBe(
      '  Rep 1 is on duty at 2026-11-30T09:00Z, after the deadline 2026-11-29T12:00Z: the ladder runs then',
    );
  });

  it('clock always, offDuty on_duty: routes to someone on duty before the deadline, else the backup team', () => {
    // Prepare: sales (UTC weekdays) backs up to a round-the-clock team.
    const policy = basePolicy({
      tiers: [{ id: 'standard', window: 'PT24H', clock: 'always', onShift: 'preferred', offDuty: 'on_duty' }],
      teams: {
        sales: { calendar: 'utc', backup: 'follow-the-sun', members: [member('1'), member('2')] },
        'follow-the-sun': { calendar: 'round-the-clock', members: [member('7')] },
      },
    });

    // Act
    const weekend = decide(policy, { now: SAT_12Z });
    // Friday 16:30: rep 1 is on shift.
    const friday = decide(policy, { now: Date.parse('2026-11-20T16:30:00Z') });

    // Assess
    expect(weekend.ownerId).toBe('7');
    expect(weekend.trail).toContain(
      '  skipped Rep 1 (1): off duty until 2026-11-30T09:00Z, after the deadline 2026-11-29T12:00Z',
    );
    expect(friday.ownerId).toBe('1');
  });
});
