import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicyText, validatePolicy } from '../../shared/domain/policy.ts';
import { lintPolicy } from '../../shared/domain/policy-lint.ts';
import { didYouMean, nearest } from '../../shared/domain/suggest.ts';
import { basePolicyDoc, member, type PolicyObject } from '../helpers/policy-builder.ts';

function lint(overrides: PolicyObject) {
  const { policy, issues } = validatePolicy(basePolicyDoc(overrides));
  if (!policy) throw new Error(JSON.stringify(issues));
  return lintPolicy(policy);
}

/** Warnings of the base policy itself (its team has no managers while its ladder notifies them). */
const BASE = lint({});

function extra(overrides: PolicyObject) {
  const base = new Set(BASE.map((w) => JSON.stringify(w)));
  return lint(overrides).filter((w) => !base.has(JSON.stringify(w)));
}

const MANAGED = {
  sales: {
    calendar: 'utc',
    managers: [{ name: 'M', email: 'm@example.com' }],
    directors: [{ name: 'D', email: 'd@example.com' }],
    members: [member('1', { email: 'r1@example.com' })],
  },
};

describe('policy check warnings', () => {
  it('the example policy has none', () => {
    // Act
    const { warnings } = checkPolicyText(readFileSync('config/policy.example.yaml', 'utf8'));

    // Assess
    expect(warnings).toEqual([]);
  });

  it('warns about rules after a catch-all', () => {
    // Act
    const w = extra({
      routing: {
        rules: [
          { id: 'everyone', target: { team: 'sales' } },
          { id: 'germany', match: { country: ['DE'] }, target: { team: 'sales' } },
        ],
      },
    });

    // Assess
    expect(w).toEqual([
      {
        path: 'routing.rules[1]',
        message: "rule 'germany' can never match: rule 'everyone' before it takes every lead",
      },
    ]);
  });

  it('does not count an existing-owner rule without conditions as a catch-all: a lead without owner falls through', () => {
    // Act
    const w = extra({
      routing: {
        rules: [
          { id: 'owner', target: { existingOwner: true } },
          { id: 'everyone', target: { team: 'sales' } },
        ],
      },
    });

    // Assess
    expect(w).toEqual([]);
  });

  it('warns about a catch-all tier before other tiers (the incomplete tier aside)', () => {
    // Act
    const w = extra({
      tiers: [
        { id: 'standard', window: 'PT1H' },
        { id: 'hot', window: 'PT5M', match: { intent: ['demo'] } },
        { id: 'incomplete', window: 'PT4H' },
      ],
      qualification: { defaultTier: 'standard', incompleteTier: 'incomplete' },
    });

    // Assess
    expect(w).toEqual([
      { path: 'tiers[1]', message: "tier 'hot' can never match: tier 'standard' before it takes every lead" },
    ]);
  });

  it('warns about country names nobody sends, suggesting the nearest', () => {
    // Act
    const w = extra({ regions: { LATAM: ['BR', 'Brasil', 'XX', 'Mexico', 'UK'] } });

    // Assess
    expect(w).toEqual([
      {
        path: 'regions.LATAM[1]',
        message:
          "'Brasil' is not an ISO 3166 country code nor an English country name (did you mean 'Brazil'?)",
      },
      {
        path: 'regions.LATAM[2]',
        message: "'XX' is not an ISO 3166 country code nor an English country name",
      },
    ]);
  });

  it('warns about one owner id under two names', () => {
    // Act
    const w = extra({
      teams: {
        sales: { calendar: 'utc', members: [member('1', { name: 'Anna Schmidt' })] },
        overflow: { calendar: 'utc', members: [member('1', { name: 'Luca Rossi' })] },
      },
    });

    // Assess
    expect(w).toContainEqual({
      path: 'teams.overflow.members[0]',
      message: "owner 1 is 'Luca Rossi' here but 'Anna Schmidt' at teams.sales.members[0]",
    });
  });

  it('warns about a team without managers (or directors) while the ladder notifies them, and reps nobody can reach', () => {
    // Act
    const w = lint({ teams: { sales: { calendar: 'utc', members: [member('1')] } } });

    // Assess
    expect(w).toEqual([
      { path: 'teams.sales.managers', message: 'rung 1 notifies managers, but team sales has none' },
      { path: 'teams.sales.managers', message: 'rung 2 notifies managers, but team sales has none' },
      { path: 'teams.sales.directors', message: 'rung 2 notifies directors, but team sales has none' },
      {
        path: 'teams.sales.members[0]',
        message: 'Rep 1 has no email or phone: assignment messages reach nobody',
      },
    ]);
  });

  it('warns when the people of a role are limited to other rungs, and when unmatched leads only alert the ops team', () => {
    // Act
    const w = lint({
      teams: { sales: { ...MANAGED.sales, directors: [{ name: 'D', email: 'd@example.com', rungs: [1] }] } },
      routing: { rules: [{ id: 'germany', match: { country: ['DE'] }, target: { team: 'sales' } }] },
    });

    // Assess
    expect(w).toEqual([
      {
        path: 'teams.sales.directors',
        message: 'rung 2 notifies directors, but no director of sales has an email or phone for rung 2',
      },
      {
        path: 'routing.rules',
        message:
          // Issue 13: the unmatched lead's alert goes to the ops team (the first team with managers here).
          "a lead no rule matches goes to queue 'unassigned' and only alerts the ops team (sales); end the rules with a catch-all so it has an owner",
      },
    ]);
  });

  it("checks every ladder a team's leads can climb, a tier's own ladder too", () => {
    // Act
    const w = lint({
      teams: { sales: { ...MANAGED.sales, managers: [] } },
      tiers: [{ id: 'standard', window: 'PT1H', ladder: 'gentle' }],
      escalation: {
        ladder: [{ action: 'park', queue: 'breach', notify: ['director'] }],
        ladders: { gentle: [{ action: 'notify', notify: ['rep', 'manager'] }] },
      },
    });

    // Assess
    expect(w).toEqual([
      {
        path: 'teams.sales.managers',
        message: "rung 1 of ladder 'gentle' notifies managers, but team sales has none",
      },
    ]);
  });

  it('asks round-the-clock tiers that may reach off-duty reps to say what happens', () => {
    // Act
    const w = lint({
      teams: MANAGED,
      tiers: [
        {
          id: 'chosen',
          window: 'PT24H',
          clock: 'always',
          onShift: 'preferred',
          offDuty: 'on_duty',
          match: { intent: ['demo'] },
        },
        { id: 'on-shift', window: 'PT24H', clock: 'always', match: { intent: ['pricing'] } },
        { id: 'standard', window: 'PT24H', clock: 'always', onShift: 'preferred' },
      ],
    });

    // Assess
    expect(w.map((x) => x.path)).toEqual(['tiers[2]']);
  });

  it('gives each warning the line it points at', () => {
    // Prepare
    const yaml = readFileSync('config/policy.example.yaml', 'utf8').replace(
      '  NA: [US, CA, MX]',
      '  NA: [US, CA, MX, Brasil]',
    );
    const line = yaml.split('\n').findIndex((l) => l.includes('Brasil')) + 1;

    // Act
    const { warnings } = checkPolicyText(yaml);

    // Assess
    expect(warnings).toEqual([
      {
        path: 'regions.NA[3]',
        line,
        message:
          "'Brasil' is not an ISO 3166 country code nor an English country name (did you mean 'Brazil'?)",
      },
    ]);
  });
});

describe('typo suggestions', () => {
  it('suggests the nearest defined name in an unknown-reference error', () => {
    // Act
    const { issues } = validatePolicy(
      basePolicyDoc({ routing: { rules: [{ id: 'all', target: { team: 'sale' } }] } }),
    );

    // Assess
    expect(issues).toEqual([
      { path: 'routing.rules[0].target.team', message: "unknown team 'sale' (did you mean 'sales'?)" },
    ]);
  });

  it.each([
    ['emea-sdrr', ['emea-sdr', 'na-sdr'], 'emea-sdr'],
    ['Brasil', ['Brazil', 'Bermuda'], 'Brazil'],
    ['xyz', ['emea-sdr', 'na-sdr'], undefined],
  ])('nearest(%s) is %s', (name, known, want) => {
    expect(nearest(name, known)).toBe(want);
    expect(didYouMean(name, known)).toBe(want ? ` (did you mean '${want}'?)` : '');
  });
});
