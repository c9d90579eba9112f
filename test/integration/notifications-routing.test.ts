import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsEmulator } from '../../infra/local/aws/sns.ts';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.ts';
import type { Team } from '../../shared/domain/compile.ts';
import { escalationStep, ladderFor, smsRecipients } from '../../shared/domain/escalation.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { basePolicy, member, tierOf } from '../helpers/policy-builder.ts';

const policy = basePolicy({
  tiers: [
    { id: 'hand-raiser', window: 'PT5M', pageAnytime: true, match: { intent: ['demo'] } },
    { id: 'nurture', window: 'PT24H', clock: 'always', offDuty: 'ladder' },
  ],
  qualification: { defaultTier: 'nurture', incompleteTier: 'nurture' },
  teams: {
    sales: {
      calendar: 'berlin',
      managers: [{ name: 'Mara', email: 'mara@example.com', phone: '+4915100000001' }],
      members: [member('1', { email: 'one@example.com', phone: '+4915100000011' })],
    },
  },
});
const team = policy.teams.get('sales') as Team;
/** 23:00 in Berlin. */
const LATE = Date.parse('2026-11-23T22:00:00Z');

describe('quiet hours through SNS subscriptions (SNS emulator, real SDK client)', () => {
  let emu: SnsEmulator;
  let notifier: SnsNotifier;

  beforeAll(async () => {
    emu = await SnsEmulator.start();
    const client = new SNSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'leadclock-notify' }));
    for (const sub of subscriptionsOf(policy))
      emu.subscribe(TopicArn as string, {
        protocol: sub.protocol,
        endpoint: sub.endpoint,
        filterPolicy: JSON.stringify(sub.filterPolicy),
      });
    notifier = new SnsNotifier(client, TopicArn as string);
  });
  afterAll(async () => {
    await emu?.close();
  });

  const breach = async (tierId: string, text: string) => {
    const tier = tierOf(policy, tierId);
    const step = escalationStep(policy, 1, tier.windowMs, ladderFor(policy, tier, 'sales'));
    await notifier.publish({
      type: 'breach',
      subject: text,
      body: text,
      sms: text,
      attributes: {
        ownerId: '1',
        teamId: 'sales',
        tier: tierId,
        rung: step.rung,
        audience: step.notify,
        smsTo: smsRecipients(policy, team, '1', step, tier, LATE),
      },
    });
  };

  it('a nurture breach at 23:00 local reaches rep and manager by email only; a hand-raiser pages too', async () => {
    // Act
    await breach('nurture', 'nurture late');
    await breach('hand-raiser', 'demo late');

    // Assess
    const got = (endpoint: string) => emu.deliveries(endpoint).map((d) => d.message);
    expect(got('one@example.com')).toEqual(['nurture late', 'demo late']);
    expect(got('mara@example.com')).toEqual(['nurture late', 'demo late']);
    expect(got('+4915100000011')).toEqual(['demo late']);
    expect(got('+4915100000001')).toEqual(['demo late']);
  });
});
