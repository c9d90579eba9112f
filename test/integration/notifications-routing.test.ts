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
const CHAT = 'https://global.sns-api.chatbot.amazonaws.com';
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
    // AWS Chatbot (Amazon Q Developer in chat applications) subscribes to the topic over HTTPS.
    emu.subscribe(TopicArn as string, { protocol: 'https', endpoint: CHAT });
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

describe('Slack through AWS Chatbot (Amazon Q Developer in chat applications)', () => {
  it('publishes a Slack-bound breach in the documented custom-notification format', async () => {
    // Prepare
    const emu = await SnsEmulator.start();
    try {
      const client = new SNSClient({
        endpoint: emu.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'leadclock-notify' }));
      emu.subscribe(TopicArn as string, { protocol: 'https', endpoint: CHAT });
      emu.subscribe(TopicArn as string, { protocol: 'email', endpoint: 'mara@example.com' });

      // Act
      await new SnsNotifier(client, TopicArn as string).publish({
        type: 'breach',
        subject: 'SLA breached: Jane Doe (Acme)',
        body: 'Jane Doe (Acme) was not called within 5 minutes.',
        sms: 'SLA breached: Jane Doe',
        attributes: { ownerId: '1', teamId: 'sales', tier: 'hand-raiser', rung: 1, audience: ['manager'] },
      });

      // Assess: https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html (Event schema)
      const [chat] = emu.deliveries(CHAT);
      expect(JSON.parse(chat?.message ?? '{}')).toEqual({
        version: '1.0',
        source: 'custom',
        content: {
          textType: 'client-markdown',
          title: ':rotating_light: SLA breached: Jane Doe (Acme)',
          description: 'Jane Doe (Acme) was not called within 5 minutes.',
          nextSteps: ['Open the lead in HubSpot and call now, or reassign it.'],
          keywords: ['breach', 'hand-raiser', 'sales', 'rung 1'],
        },
        metadata: {
          summary: 'SLA breached: Jane Doe (Acme)',
          eventType: 'leadclock.breach',
          additionalContext: { tier: 'hand-raiser', team: 'sales' },
        },
      });
      // Email keeps its own text.
      expect(emu.deliveries('mara@example.com').map((d) => d.message)).toEqual([
        'Jane Doe (Acme) was not called within 5 minutes.',
      ]);
    } finally {
      await emu.close();
    }
  });
});
