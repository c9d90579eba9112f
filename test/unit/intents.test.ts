import { describe, expect, it } from 'vitest';
import { enrich } from '../../shared/domain/enrich.ts';
import { leadFromHubSpot } from '../../shared/domain/hubspot-payload.ts';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { parseLeadInput } from '../../shared/domain/lead-input.ts';
import { validatePolicy } from '../../shared/domain/policy.ts';
import { qualify } from '../../shared/domain/qualify.ts';
import { basePolicy, basePolicyDoc } from '../helpers/policy-builder.ts';

const RECEIVED = new Date('2026-11-23T10:00:00Z');
const TIERS = [
  { id: 'hot', window: 'PT5M', match: { intent: ['demo'] } },
  { id: 'slow', window: 'PT24H' },
];
const policy = basePolicy({
  tiers: TIERS,
  qualification: { defaultTier: 'slow', incompleteTier: 'slow' },
  intents: { demo: ['Demo Request', 'Request a demo', 'Book a meeting'] },
});

function normalised(body: Record<string, unknown>): LeadInput {
  const r = parseLeadInput({ email: 'jane@acme.example', ...body }, RECEIVED);
  if (!('lead' in r)) throw new Error(JSON.stringify(r.errors));
  return r.lead;
}

describe('intent synonyms', () => {
  it.each(['Demo Request', 'request a demo', 'BOOK A MEETING!'])(
    "maps '%s' to demo, whatever the case and punctuation, and says so",
    (said) => {
      // Prepare
      const input = normalised({ intent: said });

      // Act
      const facts = enrich(policy, input);
      const q = qualify(policy, facts);

      // Assess
      expect(input.intent).toBe('other');
      expect(input.rawIntent).toBe(said);
      expect(facts.intent).toBe('demo');
      expect(q.tier.id).toBe('hot');
      expect(q.reasons[0]).toBe(`'${said}' is a synonym of demo; intent demo → hot (5m business time)`);
    },
  );

  it('keeps an intent nobody maps verbatim, treats it as other, and names it in the why', () => {
    // Prepare
    const input = normalised({ intent: 'Partnership enquiry' });

    // Act
    const facts = enrich(policy, input);
    const q = qualify(policy, facts);

    // Assess
    expect(facts.intent).toBe('other');
    expect(facts.unmappedIntent).toBe('Partnership enquiry');
    expect(q.tier.id).toBe('slow');
    expect(q.reasons[0]).toBe(
      "intent 'Partnership enquiry' is not known and no synonym in the policy maps it (treated as other); intent 'other' matched no tier → default slow (1d business time)",
    );
  });

  it('maps a HubSpot leadclock_intent through the synonyms before keyword inference', () => {
    // Prepare
    const body = {
      id: '123',
      properties: { email: 'jane@acme.example', leadclock_intent: 'Book a meeting' },
    };

    // Act
    const r = leadFromHubSpot(body, { receivedAt: RECEIVED });
    if (!('lead' in r)) throw new Error('payload did not parse');
    const facts = enrich(policy, r.lead);

    // Assess
    expect(r.lead.rawIntent).toBe('Book a meeting');
    expect(facts.intent).toBe('demo');
  });

  it('maps a form title that is a synonym when the intent is other', () => {
    // Prepare
    const input = normalised({ formTitle: 'Request a demo' });

    // Act
    const facts = enrich(policy, input);

    // Assess
    expect(facts.intent).toBe('demo');
    expect(facts.intentSynonym).toBe('Request a demo');
  });

  it('leads with a known intent are left alone', () => {
    // Act
    const facts = enrich(policy, normalised({ intent: 'pricing' }));

    // Assess
    expect(facts.intent).toBe('pricing');
    expect(facts.unmappedIntent).toBeUndefined();
    expect(facts.intentSynonym).toBeUndefined();
  });

  it('refuses one synonym under two intents, with the path', () => {
    // Act
    const { issues } = validatePolicy(
      basePolicyDoc({ intents: { demo: ['Book a meeting'], contact: ['book a  meeting'] } }),
    );

    // Assess
    expect(issues).toEqual([
      { path: 'intents.contact[0]', message: "'book a  meeting' is already a synonym of demo" },
    ]);
  });
});
