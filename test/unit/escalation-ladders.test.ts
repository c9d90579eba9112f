import { describe, expect, it } from 'vitest';
import type { Team } from '../../shared/domain/compile.ts';
import { escalationStep, ladderFor, smsKey, smsRecipients } from '../../shared/domain/escalation.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { basePolicy, member, tierOf } from '../helpers/policy-builder.ts';

/** Berlin office hours; a nurture tier with its own email-only ladder, a hand-raiser that pages anytime. */
const LADDER_POLICY = {
  tiers: [
    { id: 'hand-raiser', window: 'PT5M', pageAnytime: true, match: { intent: ['demo'] } },
    { id: 'nurture', window: 'PT24H', clock: 'always', offDuty: 'ladder', ladder: 'next-morning' },
    { id: 'standard', window: 'PT1H' },
  ],
  teams: {
    sales: {
      calendar: 'berlin',
      managers: [{ name: 'Mara', email: 'mara@example.com', phone: '+4915100000001' }],
      directors: [{ name: 'Dirk', email: 'dirk@example.com', phone: '+4915100000009', channels: ['email'] }],
      members: [
        member('1', { email: 'one@example.com', phone: '+4915100000011' }),
        member('2', { email: 'two@example.com', phone: '+4915100000012', channels: ['sms'] }),
      ],
    },
    partners: {
      calendar: 'berlin',
      ladder: 'partner-desk',
      members: [member('5', { email: 'five@example.com' })],
    },
  },
  escalation: {
    ladder: [
      { action: 'reassign', notify: ['rep', 'manager'] },
      { action: 'park', queue: 'breach', notify: ['manager', 'director'] },
    ],
    ladders: {
      'next-morning': [{ action: 'notify', notify: ['rep', 'manager'], window: 'PT12H' }],
      'partner-desk': [{ action: 'park', queue: 'breach', notify: ['manager'], channels: ['email'] }],
    },
  },
};

const policy = basePolicy(LADDER_POLICY);
const team = policy.teams.get('sales') as Team;
/** 23:00 in Berlin on a Monday. */
const LATE = Date.parse('2026-11-23T22:00:00Z');
/** 10:00 in Berlin on a Monday. */
const MORNING = Date.parse('2026-11-23T09:00:00Z');

describe('per-tier and per-team ladders', () => {
  it('takes the tier’s ladder, else the team’s, else the default', () => {
    // Act
    const nurture = ladderFor(policy, tierOf(policy, 'nurture'), 'partners');
    const partner = ladderFor(policy, tierOf(policy, 'standard'), 'partners');
    const plain = ladderFor(policy, tierOf(policy, 'hand-raiser'), 'sales');

    // Assess
    expect(nurture.map((r) => [r.action, r.windowMs])).toEqual([['notify', 43_200_000]]);
    expect(partner.map((r) => [r.action, r.queue, r.channels])).toEqual([['park', 'breach', ['email']]]);
    expect(plain).toBe(policy.ladder);
  });

  it('runs the steps of the chosen ladder, parking past its end', () => {
    // Act
    const ladder = ladderFor(policy, tierOf(policy, 'nurture'), 'sales');
    const first = escalationStep(policy, 1, 86_400_000, ladder);
    const second = escalationStep(policy, 2, 86_400_000, ladder);

    // Assess
    expect([first.action, first.notify, first.windowMs]).toEqual(['notify', ['rep', 'manager'], 43_200_000]);
    expect([second.action, second.queue]).toEqual(['park', 'unassigned']);
  });
});

describe('quiet hours and channels', () => {
  const step = (
    rung: number,
    notify: ('rep' | 'manager' | 'director')[],
    channels: ('email' | 'sms')[] = ['email', 'sms'],
  ) => ({
    rung,
    notify,
    channels,
  });

  it('a nurture breach at 23:00 local sends email only: nobody may get an SMS', () => {
    // Act
    const sms = smsRecipients(
      policy,
      team,
      '1',
      step(1, ['rep', 'manager']),
      tierOf(policy, 'nurture'),
      LATE,
    );

    // Assess
    expect(sms).toEqual([]);
  });

  it('the same breach in office hours may text the rep and the manager', () => {
    // Act
    const sms = smsRecipients(
      policy,
      team,
      '1',
      step(1, ['rep', 'manager']),
      tierOf(policy, 'nurture'),
      MORNING,
    );

    // Assess
    expect(sms).toEqual([smsKey('+4915100000011'), smsKey('+4915100000001')]);
  });

  it('a tier that pages anytime texts at 23:00 too, but never someone who chose email only', () => {
    // Act
    const sms = smsRecipients(
      policy,
      team,
      '1',
      step(2, ['manager', 'director']),
      tierOf(policy, 'hand-raiser'),
      LATE,
    );

    // Assess
    expect(sms).toEqual([smsKey('+4915100000001')]);
  });

  it('a rung limited to email texts nobody', () => {
    // Act
    const sms = smsRecipients(
      policy,
      team,
      '1',
      step(1, ['rep', 'manager'], ['email']),
      tierOf(policy, 'hand-raiser'),
      MORNING,
    );

    // Assess
    expect(sms).toEqual([]);
  });

  it('subscribes each person on the channels they chose, SMS filtered on their key', () => {
    // Act
    const subs = subscriptionsOf(policy).map((s) => [s.protocol, s.endpoint, s.filterPolicy.smsTo]);

    // Assess
    expect(subs).toEqual(
      expect.arrayContaining([
        ['email', 'mara@example.com', undefined],
        ['sms', '+4915100000001', [smsKey('+4915100000001')]],
        ['email', 'dirk@example.com', undefined],
        ['sms', '+4915100000012', [smsKey('+4915100000012')]],
      ]),
    );
    expect(subs.some(([, e]) => e === '+4915100000009')).toBe(false);
    expect(subs.some(([, e]) => e === 'two@example.com')).toBe(false);
  });

  it('keys SMS subscriptions by a hash, never the number itself', () => {
    expect(smsKey('+4915100000001')).toMatch(/^p[0-9a-f]{8}$/);
    expect(smsKey('+4915100000001')).not.toBe(smsKey('+4915100000002'));
  });
});

describe('ladder validation', () => {
  it('names an unknown ladder with the nearest one', () => {
    expect(() =>
      basePolicy({ ...LADDER_POLICY, tiers: [{ id: 'standard', window: 'PT1H', ladder: 'next-mornin' }] }),
    ).toThrow("tiers[0].ladder: unknown ladder 'next-mornin' (did you mean 'next-morning'?)");
  });
});
