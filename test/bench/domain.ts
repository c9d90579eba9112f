/** Domain benchmarks: routing decisions on a large policy, and the business-time clock. */
import { add, compileCalendar } from '../../shared/domain/clock.ts';
import { compilePolicy } from '../../shared/domain/compile.ts';
import { enrich } from '../../shared/domain/enrich.ts';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { type PolicyDoc, validatePolicy } from '../../shared/domain/policy.ts';
import { qualify } from '../../shared/domain/qualify.ts';
import { emptyRoutingState, route } from '../../shared/domain/routing.ts';
import { microsPerCall, summary } from './stats.ts';

const REGIONS = ['EMEA', 'NA', 'APAC', 'LATAM', 'MEA'];

/** A policy with `reps` reps in teams of 50 and `rules` rules (conditions with the `where` operators), most of which do not match a typical lead. */
export function bigPolicy(reps = 500, rules = 100): PolicyDoc {
  const teams: Record<string, unknown> = {};
  const teamIds: string[] = [];
  for (let t = 0; t < reps / 50; t++) {
    const id = `team-${t}`;
    teamIds.push(id);
    teams[id] = {
      calendar: t % 2 ? 'ny' : 'berlin',
      strategy: (['round_robin', 'weighted', 'least_loaded'] as const)[t % 3],
      members: Array.from({ length: 50 }, (_, i) => ({
        ownerId: String(10_000 + t * 100 + i),
        name: `Rep ${t}-${i}`,
        weight: 1 + (i % 3),
      })),
    };
  }
  const hours = Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]),
  );
  // The first 95 rules test fields and custom HubSpot properties a typical lead does not match, with the
  // operators of `where` (contains, startsWith, in, between, >, not, exists) in AND and OR groups, leading
  // with a different operator each time; the rest route by region.
  const tests = (i: number): Record<string, unknown>[] => [
    { industry: { contains: `industry-${i}` } },
    { 'contact.segment__c': { in: [`segment-${i}`, `tier-${i}`] } },
    { jobTitle: { startsWith: `title-${i}` } },
    { 'company.annualrevenue': { gt: 1_000_000_000 + i } },
    { employees: { between: [100_000 + i, 200_000] } },
  ];
  const ruleList = Array.from({ length: rules }, (_, i) => {
    const t = tests(i);
    const k = i % t.length;
    const group = {
      where: {
        ...t[k],
        ...t[(k + 1) % t.length],
        jobTitle: { not: { contains: 'intern' } },
        phone: { exists: true },
      },
    };
    return {
      id: `rule-${i}`,
      match:
        i < rules - 5
          ? i % 2
            ? group
            : [group, { where: { ...t[(k + 2) % t.length], formTitle: { missing: false } } }]
          : { region: [REGIONS[i % REGIONS.length]] },
      target: { team: teamIds[i % teamIds.length] },
    };
  });
  const doc = {
    version: 1,
    defaults: { calendar: 'berlin', queue: 'default' },
    regions: { EMEA: ['DE', 'FR'], NA: ['US'], APAC: ['JP'], LATAM: ['BR'], MEA: ['AE'] },
    calendars: { berlin: { timeZone: 'Europe/Berlin', hours }, ny: { timeZone: 'America/New_York', hours } },
    tiers: [
      { id: 't1', window: 'PT5M', match: { intent: ['demo'] } },
      { id: 't3', window: 'PT24H', clock: 'always' },
      { id: 'inc', window: 'PT4H' },
    ],
    qualification: { defaultTier: 't3', incompleteTier: 'inc' },
    routing: { rules: ruleList },
    teams,
    queues: { default: {} },
    escalation: { ladder: [{ action: 'reassign', notify: ['rep'] }] },
  };
  const { policy, issues } = validatePolicy(doc);
  if (!policy) throw new Error(`bench policy invalid: ${JSON.stringify(issues.slice(0, 3))}`);
  return policy;
}

/** Runs the domain benchmarks and returns their figures. */
export function benchDomain(): Record<string, unknown> {
  const policy = compilePolicy(bigPolicy());
  const state = {
    ...emptyRoutingState(),
    cursors: {} as Record<string, number>,
    openCounts: {} as Record<string, number>,
  };
  const base: LeadInput = {
    email: 'a@b.example',
    channel: 'form',
    intent: 'demo',
    partial: false,
    submittedAt: '2026-11-23T10:00:00Z',
    country: 'DE',
    industry: 'Software',
    jobTitle: 'Head of Sales',
    employees: 250,
    phone: '+4930123456',
    formTitle: 'Request a demo',
    properties: { contact: { segment__c: 'mid-market' }, company: { annualrevenue: '25000000' } },
  };
  const leads = ['DE', 'US', 'JP', 'BR', 'AE'].map((country) => enrich(policy, { ...base, country }));
  const tier = qualify(policy, leads[0]!).tier;
  const now = Date.parse('2026-11-23T10:00:00Z');
  const decision = microsPerCall((i) => {
    const d = route(policy, { lead: leads[i % leads.length]!, tier, now: now + i * 1000, state });
    if (d.cursor) state.cursors[d.cursor.teamId] = d.cursor.value;
    return d;
  });
  const full = microsPerCall((i) => {
    const lead = enrich(policy, { ...base, country: i % 2 ? 'US' : 'DE' });
    const q = qualify(policy, lead);
    const d = route(policy, { lead, tier: q.tier, now: now + i * 1000, state });
    return add(now, q.windowMs, d.calendar);
  });
  const cal = compileCalendar('berlin', {
    timeZone: 'Europe/Berlin',
    hours: {
      mon: ['09:00-12:30', '13:30-18:00'],
      tue: ['09:00-18:00'],
      wed: ['09:00-18:00'],
      thu: ['09:00-18:00'],
      fri: ['09:00-17:00'],
    },
    holidays: ['12-25', '12-26', '2026-12-24'],
  });
  const t0 = Date.parse('2026-11-02T00:00:00Z');
  const clockAdd = microsPerCall((i) => add(t0 + ((i * 7919) % 2_592_000) * 1000, 300_000, cal), {
    batches: 400,
    perBatch: 200,
  });
  return {
    routing: {
      reps: 500,
      rules: 100,
      decisionMicros: summary(decision),
      qualifyRouteDeadlineMicros: summary(full),
    },
    clock: { addMicros: summary(clockAdd, 3) },
  };
}
