import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepReferencedProperties } from '../../shared/domain/compile.ts';
import type { LeadFacts } from '../../shared/domain/lead.ts';
import { type PolicyError, parsePolicy } from '../../shared/domain/policy.ts';
import { emptyRoutingState, route } from '../../shared/domain/routing.ts';
import { basePolicy, leadFacts, type PolicyObject } from '../helpers/policy-builder.ts';

/** A compiled match: the policy's one tier with this match. */
function matcher(match: unknown): (lead: Partial<LeadFacts>) => boolean {
  const policy = basePolicy({
    tiers: [
      { id: 'tested', window: 'PT1H', match },
      { id: 'rest', window: 'PT1H' },
    ],
    qualification: { defaultTier: 'rest', incompleteTier: 'rest' },
  });
  const tier = policy.tierById.get('tested');
  if (!tier) throw new Error('no tier');
  return (lead) => tier.matches(leadFacts(lead));
}

const where = (field: string, test: unknown) => matcher({ where: { [field]: test } });

describe('conditions: each operator', () => {
  it.each([
    // [field, test, lead, expected]
    ['industry', { equals: 'banking' }, { industry: 'Banking' }, true],
    ['industry', { equals: 'banking' }, { industry: 'Insurance' }, false],
    ['industry', 'Banking', { industry: 'banking' }, true],
    ['employees', { equals: 100 }, { employees: 100 }, true],
    ['freeMail', { equals: false }, { freeMail: false }, true],
    ['country', { in: ['DE', 'AT'] }, { country: 'at' }, true],
    ['country', ['DE', 'AT'], { country: 'FR' }, false],
    ['country', { in: ['DE'] }, {}, false],
    ['jobTitle', { contains: 'sales' }, { jobTitle: 'VP of Sales' }, true],
    ['jobTitle', { contains: 'sales' }, { jobTitle: 'Engineer' }, false],
    ['domain', { startsWith: 'acme' }, { domain: 'ACME.example' }, true],
    ['domain', { startsWith: 'acme' }, { domain: 'notacme.example' }, false],
    ['phone', { exists: true }, { phone: '+4930123456' }, true],
    ['phone', { exists: true }, {}, false],
    ['phone', { missing: true }, {}, true],
    ['phone', { missing: true }, { phone: '+4930123456' }, false],
    ['phone', { exists: false }, {}, true],
    ['employees', { gt: 100 }, { employees: 101 }, true],
    ['employees', { gt: 100 }, { employees: 100 }, false],
    ['employees', { '>': 100 }, { employees: 101 }, true],
    ['employees', { lt: 50 }, { employees: 49 }, true],
    ['employees', { '<': 50 }, { employees: 50 }, false],
    ['employees', { between: [50, 99] }, { employees: 50 }, true],
    ['employees', { between: [50, 99] }, { employees: 99 }, true],
    ['employees', { between: [50, 99] }, { employees: 100 }, false],
    ['employees', { gt: 10 }, {}, false],
    ['submittedAt', { gt: '2026-11-01' }, { submittedAt: '2026-11-23T10:00:00Z' }, true],
    ['submittedAt', { lt: '2026-11-01' }, { submittedAt: '2026-11-23T10:00:00Z' }, false],
    ['jobTitle', { not: { contains: 'intern' } }, { jobTitle: 'Sales intern' }, false],
    ['jobTitle', { not: { contains: 'intern' } }, { jobTitle: 'Head of Sales' }, true],
    ['jobTitle', { not: { contains: 'intern' } }, {}, true],
    ['jobTitle', { not: { exists: true } }, {}, true],
    ['employees', { gt: 10, lt: 20 }, { employees: 15 }, true],
    ['employees', { gt: 10, lt: 20 }, { employees: 25 }, false],
  ] as const)('%s %j on %j → %s', (field, test, lead, want) => {
    expect(where(field, test)(lead as Partial<LeadFacts>)).toBe(want);
  });
});

describe('conditions: HubSpot properties, custom ones included', () => {
  const lead = (contact: Record<string, string>, company: Record<string, string> = {}) => ({
    properties: { contact, company },
  });

  it.each([
    ['contact.segment__c', { in: ['Strategic', 'Enterprise'] }, lead({ segment__c: 'strategic' }), true],
    ['company.segment__c', { in: ['Strategic'] }, lead({ segment__c: 'Strategic' }), false],
    ['company.annualrevenue', { gt: 1_000_000 }, lead({}, { annualrevenue: '5000000' }), true],
    ['company.annualrevenue', { gt: 1_000_000 }, lead({}, { annualrevenue: 'n/a' }), false],
    // A bare name is the contact's property, else the company's.
    ['tier__c', 'A', lead({}, { tier__c: 'A' }), true],
    ['tier__c', 'A', lead({ tier__c: 'B' }, { tier__c: 'A' }), false],
    // HubSpot sends dates as epoch milliseconds.
    [
      'contact.trial_ends',
      { lt: '2026-12-01' },
      lead({ trial_ends: String(Date.parse('2026-11-15')) }),
      true,
    ],
    ['contact.hs_lead_status', { missing: true }, lead({}), true],
  ] as const)('%s %j → %s', (field, test, facts, want) => {
    expect(where(field, test)(facts as Partial<LeadFacts>)).toBe(want);
  });

  it('capture keeps only the properties the policy names', () => {
    // Prepare
    const policy = basePolicy({
      routing: {
        rules: [
          {
            id: 'a',
            match: { where: { 'contact.segment__c': 'A', tier__c: 'B' } },
            target: { team: 'sales' },
          },
        ],
      },
    });
    const input = leadFacts({
      properties: {
        contact: { segment__c: 'A', firstname: 'Jane', tier__c: 'x' },
        company: { tier__c: 'B', industry: 'Banking' },
      },
    });

    // Act
    const kept = keepReferencedProperties(policy, input);

    // Assess
    expect(kept.properties).toEqual({
      contact: { segment__c: 'A', tier__c: 'x' },
      company: { tier__c: 'B' },
    });
    expect(keepReferencedProperties(basePolicy(), input).properties).toBeUndefined();
  });
});

describe('conditions: AND within a condition, OR across a list', () => {
  it('a condition holds when all of its keys and where tests hold', () => {
    // Prepare
    const m = matcher({
      intent: ['demo'],
      where: { industry: { contains: 'bank' }, employees: { gt: 100 } },
    });

    // Assess
    expect(m({ intent: 'demo', industry: 'Banking', employees: 500 })).toBe(true);
    expect(m({ intent: 'pricing', industry: 'Banking', employees: 500 })).toBe(false);
    expect(m({ intent: 'demo', industry: 'Retail', employees: 500 })).toBe(false);
    expect(m({ intent: 'demo', industry: 'Banking', employees: 10 })).toBe(false);
  });

  it('a list of conditions holds when any of them holds', () => {
    // Prepare
    const m = matcher([{ where: { country: 'DE' } }, { where: { employees: { gt: 1000 } } }]);

    // Assess
    expect(m({ country: 'DE', employees: 5 })).toBe(true);
    expect(m({ country: 'FR', employees: 5000 })).toBe(true);
    expect(m({ country: 'FR', employees: 5 })).toBe(false);
  });

  const value = fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -5, max: 2000 }),
    fc.constantFrom('Banking', 'bank', 'Retail', '', '150', 'ACME'),
  );
  const test = fc.oneof(
    fc.record({ equals: fc.constantFrom('bank', 'Banking', 150) }),
    fc.record({ in: fc.constantFrom(['bank', 'Retail'], [150, 'ACME']) }),
    fc.record({ contains: fc.constantFrom('an', 'ret') }),
    fc.record({ startsWith: fc.constantFrom('ba', 'AC') }),
    fc.record({ exists: fc.boolean() }),
    fc.record({ missing: fc.boolean() }),
    fc.record({ gt: fc.integer({ min: 0, max: 1000 }) }),
    fc.record({ lt: fc.integer({ min: 0, max: 1000 }) }),
  );
  const onField = (v: unknown) =>
    ({ properties: { contact: v === undefined ? {} : { x: v } } }) as Partial<LeadFacts>;

  it('not(T) holds exactly when T does not (property)', () => {
    fc.assert(
      fc.property(test, value, (t, v) => {
        expect(where('contact.x', { not: t })(onField(v))).toBe(!where('contact.x', t)(onField(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('two tests in one condition are their AND; two conditions in a list are their OR (property)', () => {
    fc.assert(
      fc.property(test, test, value, value, (t1, t2, v1, v2) => {
        // Prepare
        const lead = {
          properties: { contact: { ...(v1 !== undefined && { a: v1 }), ...(v2 !== undefined && { b: v2 }) } },
        } as Partial<LeadFacts>;
        const a = where('contact.a', t1)(lead);
        const b = where('contact.b', t2)(lead);

        // Act
        const both = matcher({ where: { 'contact.a': t1, 'contact.b': t2 } })(lead);
        const either = matcher([{ where: { 'contact.a': t1 } }, { where: { 'contact.b': t2 } }])(lead);

        // Assess
        expect(both).toBe(a && b);
        expect(either).toBe(a || b);
      }),
      { numRuns: 300 },
    );
  });

  it('between [lo, hi] is gt-or-equal lo and lt-or-equal hi, for numbers and numeric text (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: -120, max: 120 }),
        fc.boolean(),
        (a, b, x, asText) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const v = asText ? String(x) : x;
          expect(where('contact.x', { between: [lo, hi] })(onField(v))).toBe(x >= lo && x <= hi);
        },
      ),
    );
  });
});

describe('rules in a time window', () => {
  const policy = basePolicy({
    calendars: {
      utc: {
        timeZone: 'UTC',
        hours: {
          mon: ['09:00-17:00'],
          tue: ['09:00-17:00'],
          wed: ['09:00-17:00'],
          thu: ['09:00-17:00'],
          fri: ['09:00-17:00'],
        },
      },
      weekends: { timeZone: 'Europe/Berlin', hours: { sat: ['00:00-24:00'], sun: ['00:00-24:00'] } },
    },
    routing: {
      rules: [
        { id: 'weekend-cover', when: { during: 'weekends' }, target: { team: 'follow-the-sun' } },
        { id: 'after-hours', when: { outside: 'utc' }, target: { queue: 'breach' } },
        { id: 'everyone', target: { team: 'sales' } },
      ],
    },
    teams: {
      sales: { calendar: 'utc', members: [{ ownerId: '1', name: 'Rep 1' }] },
      'follow-the-sun': { calendar: 'utc', members: [{ ownerId: '7', name: 'Rep 7' }] },
    },
  } satisfies PolicyObject);
  const at = (iso: string) =>
    route(policy, {
      lead: leadFacts(),
      tier: policy.defaultTier,
      now: Date.parse(iso),
      state: emptyRoutingState(),
    });

  it('applies a rule only while its calendar is open (during) or closed (outside), judged in that calendar', () => {
    // Act
    const saturday = at('2026-11-28T12:00:00Z');
    const mondayNight = at('2026-11-23T20:00:00Z');
    const mondayNoon = at('2026-11-23T12:00:00Z');
    // Sunday 23:30 UTC is already Monday in Berlin: the weekend is over there.
    const berlinMonday = at('2026-11-29T23:30:00Z');

    // Assess
    expect(saturday.ruleId).toBe('weekend-cover');
    expect(mondayNight.ruleId).toBe('after-hours');
    expect(mondayNoon.ruleId).toBe('everyone');
    expect(mondayNoon.trail[0]).toBe(
      'no match: weekend-cover (applies only during weekends), after-hours (applies only outside utc)',
    );
    expect(berlinMonday.ruleId).toBe('after-hours');
  });
});

describe('condition syntax errors name the path and the line', () => {
  it('reports a bad operator, a bad bound and a bad field name with lines', () => {
    // Prepare
    const yaml = `version: 1
defaults: { calendar: utc, queue: q }
calendars:
  utc: { timeZone: UTC, hours: { mon: ["09:00-17:00"] } }
tiers:
  - id: t
    window: PT1H
    match:
      where:
        industry: { contanis: bank }
        employees: { between: [500, 50] }
        "bad name": x
        contact.x: { gt: soon }
qualification: { defaultTier: t, incompleteTier: t }
routing:
  rules:
    - { id: r, when: { during: weekend }, target: { queue: q } }
teams: {}
queues: { q: {} }
escalation: { ladder: [{ action: park, queue: q }] }
`;

    // Act
    let error: PolicyError | undefined;
    try {
      parsePolicy(yaml);
    } catch (e) {
      error = e as PolicyError;
    }

    // Assess
    expect(error?.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['tiers[0].match.where.industry.contanis', 10, 'unknown field'],
      [
        'tiers[0].match.where.industry',
        10,
        'expected at least one of: equals, in, not, contains, startsWith, exists, missing, gt, lt, between, >, <',
      ],
      [
        'tiers[0].match.where["bad name"]',
        12,
        'expected a field name, or contact.<property> / company.<property>',
      ],
      ['tiers[0].match.where["contact.x"].gt', 13, 'expected a number or an ISO 8601 date'],
      ['tiers[0].match.where.employees.between', 11, 'the low bound is above the high one'],
      ['routing.rules[0].when.during', 17, "unknown calendar 'weekend'"],
    ]);
  });
});
