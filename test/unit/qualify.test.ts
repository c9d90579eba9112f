import { describe, expect, it } from 'vitest';
import { enrich } from '../../shared/domain/enrich.ts';
import { INTENTS, type Intent, type LeadInput } from '../../shared/domain/lead.ts';
import { isHotter, qualify } from '../../shared/domain/qualify.ts';
import { basePolicy, examplePolicy, leadFacts, tierOf } from '../helpers/policy-builder.ts';

const example = examplePolicy();
const MIN = 60_000;

function lead(overrides: Partial<LeadInput> = {}): LeadInput {
  return {
    email: 'jane@acme.example',
    channel: 'form',
    intent: 'demo',
    submittedAt: '2026-11-23T10:00:00.000Z',
    partial: false,
    ...overrides,
  };
}

describe('qualify with the example policy', () => {
  it.each([
    ['demo', 'hand-raiser', 5 * MIN, 'intent demo → hand-raiser (5m business time)'],
    ['pricing', 'hand-raiser', 5 * MIN, 'intent pricing → hand-raiser (5m business time)'],
    ['trial', 'hand-raiser', 5 * MIN, 'intent trial → hand-raiser (5m business time)'],
    ['contact', 'high-intent', 15 * MIN, 'intent contact → high-intent (15m business time)'],
    ['webinar', 'nurture', 24 * 60 * MIN, 'intent webinar → nurture (1d round the clock)'],
    ['content', 'nurture', 24 * 60 * MIN, 'intent content → nurture (1d round the clock)'],
    ['newsletter', 'nurture', 24 * 60 * MIN, 'intent newsletter → nurture (1d round the clock)'],
    ['other', 'nurture', 24 * 60 * MIN, 'intent other → nurture (1d round the clock)'],
  ] as const)('intent %s → %s', (intent, tier, windowMs, reason) => {
    // Prepare
    const facts = enrich(example, lead({ intent }));

    // Act
    const q = qualify(example, facts);

    // Assess
    expect(q.tier.id).toBe(tier);
    expect(q.windowMs).toBe(windowMs);
    expect(q.reasons).toEqual([reason]);
  });

  it('gives a webinar attendee from a target account the 15-minute tier', () => {
    // Prepare
    const facts = enrich(example, lead({ intent: 'webinar', email: 'li@globex.example' }));

    // Act
    const q = qualify(example, facts);

    // Assess
    expect(facts.targetAccount).toBe(true);
    expect(q.tier.id).toBe('high-intent');
    expect(q.windowMs).toBe(15 * MIN);
    expect(q.reasons).toEqual(['intent webinar, target account → high-intent (15m business time)']);
  });

  it('gives a webinar attendee from a named account (account owner known) the 15-minute tier', () => {
    // Prepare
    const facts = enrich(example, lead({ intent: 'webinar', email: 'kim@named.example' }), (d) =>
      d === 'named.example' ? '4001' : undefined,
    );

    // Act
    const q = qualify(example, facts);

    // Assess
    expect(q.tier.id).toBe('high-intent');
  });

  it('runs the nurture window round the clock and the hand-raiser window in business time', () => {
    // Prepare
    const content = enrich(example, lead({ intent: 'content' }));
    const demo = enrich(example, lead({ intent: 'demo' }));

    // Act
    const nurture = qualify(example, content).tier;
    const hot = qualify(example, demo).tier;

    // Assess
    expect(nurture.clock).toBe('always');
    expect(nurture.onShift).toBe('preferred');
    expect(hot.clock).toBe('business');
    expect(hot.priority).toBe('HIGH');
  });

  it.each(INTENTS)('sends a partial submission with intent %s to the incomplete tier', (intent: Intent) => {
    // Prepare
    const facts = enrich(example, lead({ intent, partial: true, email: undefined, phone: '+4930123456' }));

    // Act
    const q = qualify(example, facts);

    // Assess
    expect(q.tier.id).toBe('incomplete');
    expect(q.windowMs).toBe(4 * 60 * MIN);
    expect(q.reasons).toEqual(['partial submission → incomplete (4h business time)']);
  });
});

describe('qualify with other policies', () => {
  const twoTiers = basePolicy({
    tiers: [
      { id: 'incomplete', window: 'PT2H' },
      { id: 'hot', window: 'PT5M', match: { intent: ['demo', 'pricing'] } },
      { id: 'warm', window: 'PT30M', match: [{ intent: ['contact'] }, { channel: ['call'] }] },
      { id: 'fallback', window: 'P2D', clock: 'always', match: { intent: ['newsletter'] } },
    ],
    qualification: { defaultTier: 'fallback', incompleteTier: 'incomplete' },
  });

  it("takes the default tier, saying so, when no tier covers the lead's intent", () => {
    // Prepare
    const facts = leadFacts({ intent: 'other' });

    // Act
    const q = qualify(twoTiers, facts);

    // Assess
    expect(q.tier.id).toBe('fallback');
    expect(q.windowMs).toBe(2 * 24 * 60 * MIN);
    expect(q.reasons).toEqual(["intent 'other' matched no tier → default fallback (2d round the clock)"]);
  });

  it('never gives the incomplete tier to a complete lead, even when it is listed first and matches everything', () => {
    // Prepare
    const facts = leadFacts({ intent: 'demo' });

    // Act
    const q = qualify(twoTiers, facts);

    // Assess
    expect(q.tier.id).toBe('hot');
  });

  it('names the channel when a channel condition matched', () => {
    // Prepare
    const facts = leadFacts({ intent: 'other', channel: 'call' });

    // Act
    const q = qualify(twoTiers, facts);

    // Assess
    expect(q.tier.id).toBe('warm');
    expect(q.reasons).toEqual(['channel call → warm (30m business time)']);
  });

  it('explains the condition that actually matched, whatever fields the conditions use', () => {
    // Prepare
    const policy = basePolicy({
      tiers: [
        {
          id: 'big',
          window: 'PT10M',
          match: [{ employeesMin: 1000 }, { industry: ['Banking'] }, { freeMail: false, formId: ['f-1'] }],
        },
        { id: 'standard', window: 'PT1H' },
      ],
    });

    // Act
    const banking = qualify(policy, leadFacts({ employees: 50, industry: 'banking' }));
    const form = qualify(policy, leadFacts({ employees: 50, formId: 'f-1' }));
    const large = qualify(policy, leadFacts({ employees: 5000 }));

    // Assess
    expect(banking.reasons).toEqual(['industry banking → big (10m business time)']);
    expect(form.reasons).toEqual(['form f-1, company email → big (10m business time)']);
    expect(large.reasons).toEqual(['5000 employees → big (10m business time)']);
  });

  it("says 'every lead' for a tier without a match", () => {
    // Prepare
    const policy = basePolicy({
      tiers: [
        { id: 'standard', window: 'PT1H' },
        { id: 'incomplete', window: 'PT4H' },
      ],
      qualification: { defaultTier: 'incomplete', incompleteTier: 'incomplete' },
    });

    // Act
    const q = qualify(policy, leadFacts());

    // Assess
    expect(q.reasons).toEqual(['every lead → standard (1h business time)']);
  });
});

describe('isHotter', () => {
  it('ranks earlier tiers hotter, and a tier is not hotter than itself', () => {
    // Prepare
    const hand = tierOf(example, 'hand-raiser');
    const high = tierOf(example, 'high-intent');
    const nurture = tierOf(example, 'nurture');

    // Act
    const results = [
      isHotter(hand, high),
      isHotter(high, nurture),
      isHotter(hand, nurture),
      isHotter(high, hand),
      isHotter(nurture, high),
      isHotter(high, high),
    ];

    // Assess
    expect(results).toEqual([true, true, true, false, false, false]);
  });
});
