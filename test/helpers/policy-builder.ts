/**
 * Compiled policies for unit tests, from YAML text or plain objects, through the product's own validation
 * and `compilePolicy` (so every test policy is also a valid policy), plus a small base document to vary.
 */
import { readFileSync } from 'node:fs';
import { compilePolicy, type Policy, type Tier } from '../../shared/domain/compile.ts';
import type { LeadFacts } from '../../shared/domain/lead.ts';
import { loadPolicy, PolicyError, validatePolicy } from '../../shared/domain/policy.ts';

/** A plain policy document as a test writes it (before schema defaults). */
export type PolicyObject = Record<string, unknown>;

/** Compiles policy YAML; throws PolicyError like the product does. */
export function policyFromYaml(text: string): Policy {
  return loadPolicy(text, 'test policy');
}

/**
 * Compiles a policy written as a plain object: the same schema and cross-checks as `loadPolicy`, without
 * the YAML round trip (several times faster, which matters in property tests that build one per run).
 */
export function buildPolicy(doc: PolicyObject): Policy {
  const { policy, issues } = validatePolicy(doc);
  if (!policy) throw new PolicyError(issues, 'test policy');
  return compilePolicy(policy);
}

/** The example policy shipped in config/. */
export function examplePolicy(): Policy {
  return policyFromYaml(readFileSync(new URL('../../config/policy.example.yaml', import.meta.url), 'utf8'));
}

/** The same interval on Monday to Friday. */
export function weekdays(span: string): Record<string, string[]> {
  return Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [span]]));
}

/** Calendars the base policy defines: UTC office hours, three real zones, and one that never closes. */
export const TEST_CALENDARS = {
  utc: { timeZone: 'UTC', hours: weekdays('09:00-17:00') },
  berlin: { timeZone: 'Europe/Berlin', hours: weekdays('09:00-18:00') },
  'new-york': { timeZone: 'America/New_York', hours: weekdays('09:00-18:00') },
  tokyo: { timeZone: 'Asia/Tokyo', hours: weekdays('09:00-18:00') },
  'round-the-clock': {
    timeZone: 'UTC',
    hours: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]),
    ),
  },
} as const;

/** A team member document: owner id, a derived name, and any extra fields. */
export function member(ownerId: string, extra: PolicyObject = {}): PolicyObject {
  return { ownerId, name: `Rep ${ownerId}`, ...extra };
}

/**
 * A small valid policy document: one `standard` tier (PT1H, business time, on shift required) that is
 * also the default and incomplete tier, one rule sending everything to team `sales` (three members on
 * UTC office hours), queues `unassigned` (owner 9001) and `breach`, and a reassign-then-park ladder.
 * Top-level keys of `overrides` replace the base ones.
 */
export function basePolicyDoc(overrides: PolicyObject = {}): PolicyObject {
  return {
    version: 1,
    defaults: { calendar: 'utc', queue: 'unassigned', maxOpen: 10 },
    calendars: TEST_CALENDARS,
    tiers: [{ id: 'standard', window: 'PT1H' }],
    qualification: { defaultTier: 'standard', incompleteTier: 'standard' },
    routing: { rules: [{ id: 'everyone', target: { team: 'sales' } }] },
    teams: { sales: { calendar: 'utc', members: [member('1'), member('2'), member('3')] } },
    queues: { unassigned: { ownerId: '9001' }, breach: { label: 'Breach queue', ownerId: '9002' } },
    escalation: {
      ladder: [
        { action: 'reassign', notify: ['rep', 'manager'] },
        { action: 'park', queue: 'breach', notify: ['manager', 'director'] },
      ],
    },
    ...overrides,
  };
}

/** The compiled base policy with top-level overrides. */
export function basePolicy(overrides: PolicyObject = {}): Policy {
  return buildPolicy(basePolicyDoc(overrides));
}

/** A tier of a compiled policy by id; throws when absent so a typo fails loudly. */
export function tierOf(policy: Policy, id: string): Tier {
  const t = policy.tierById.get(id);
  if (!t) throw new Error(`no tier '${id}' in the test policy`);
  return t;
}

/** Lead facts (as enrichment would produce them) with sensible defaults for routing tests. */
export function leadFacts(overrides: Partial<LeadFacts> = {}): LeadFacts {
  return {
    email: 'jane@acme.example',
    channel: 'form',
    intent: 'demo',
    submittedAt: '2026-11-23T10:00:00.000Z',
    partial: false,
    freeMail: false,
    targetAccount: false,
    ...overrides,
  };
}
