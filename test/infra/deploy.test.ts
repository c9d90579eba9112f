/**
 * Issue 16's deployment guarantees, synthesised: one deployment config (the example policy never live),
 * a throttle derived from it, a first deploy without a HubSpot token that holds sync requests, and
 * notifications whose failures are kept, logged and alarmed on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttleFor } from '../../infra/config.ts';
import { BUNDLED_POLICY, precompiledPolicy } from '../../infra/constructs/leadclock-function.ts';
import { SECRET_GENERATION } from '../../infra/stateful-stack.ts';
import { compilePrecompiled } from '../../shared/domain/policy-json.ts';
import { leadclockApp, removeScratch, type Synthesised, scratchDir, synthLeadclock } from './synth.ts';

afterAll(removeScratch);

let live: Synthesised;
let example: Synthesised;
beforeAll(() => {
  live = synthLeadclock();
  example = synthLeadclock({ examplePolicy: true });
});

const subscriptions = (s: Synthesised) =>
  Object.values(s.statelessTemplate.findResources('AWS::SNS::Subscription'));
const alarm = (s: Synthesised, id: string) =>
  Object.entries(s.statelessTemplate.findResources('AWS::CloudWatch::Alarm')).find(([k]) =>
    k.startsWith(`Observability${id}`),
  )?.[1]?.Properties;

describe('one deployment config', () => {
  it('is the file cdk.json names, and a fresh clone is told how to create it', () => {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8'));
    expect(cdkJson.context['leadclock:config']).toBe('config/deploy.json');
    expect(Object.keys(cdkJson.context).filter((k) => k.startsWith('leadclock:'))).toEqual([
      'leadclock:config',
    ]);
    const missing = join(scratchDir('leadclock-noconfig-'), 'deploy.json');
    expect(() => leadclockApp({ context: { 'leadclock:config': missing } })).toThrow(
      /not found\. Create it once: cp config\/deploy\.example\.json config\/deploy\.json/,
    );
  });

  it('is the only settings source README\'s "Deploy to AWS" commands use', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Deploy to AWS'), readme.indexOf('## Guarantees'));
    const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n'));
    expect(commands.length).toBeGreaterThan(5);
    // No context override, and no deploy that bypasses npm run deploy's order
    expect(commands.filter((c) => /-c\s+leadclock:|cdk deploy/.test(c))).toEqual([]);
    expect(commands.some((c) => c.startsWith('npm run deploy'))).toBe(true);
  });

  it('names the path of every bad field in the file', () => {
    const dir = scratchDir('leadclock-badconfig-');
    const file = join(dir, 'deploy.json');
    writeFileSync(
      file,
      JSON.stringify({ policy: 'config/policy.example.yaml', peakLeadsPerMinute: 0, alarmEmail: 'nope' }),
    );
    const build = () => leadclockApp({ context: { 'leadclock:config': file } });
    expect(build).toThrow(/leadclock:peakLeadsPerMinute: /);
    expect(build).toThrow(/leadclock:alarmEmail: expected an email address/);
  });
});

describe('the example policy', () => {
  it('is refused in live mode: deployed in shadow, with no subscriptions, and the synth says so', () => {
    expect(example.config.examplePolicy).toBe(true);
    expect(example.config.compiledPolicy.mode).toBe('shadow');
    expect(subscriptions(example)).toEqual([]);
    expect(example.config.warnings.join('\n')).toMatch(
      /is the example policy .* deployed in SHADOW mode with NO notification subscriptions/,
    );
    const warnings = example.assembly
      .getStackByName('Leadclock-Stateless')
      .messages.filter((m) => m.level === 'warning')
      .map((m) => String(m.entry.data));
    expect(warnings.some((w) => w.includes('SHADOW mode'))).toBe(true);
  });

  it('ships the bundles its policy in shadow mode, every team included', () => {
    const json = precompiledPolicy(example.config.policyPath, true);
    const policy = compilePrecompiled(JSON.parse(json));
    expect(policy?.mode).toBe('shadow');
    expect([...(policy?.teams.values() ?? [])].map((t) => t.mode)).toEqual(
      [...(policy?.teams.values() ?? [])].map(() => 'shadow'),
    );
    expect(BUNDLED_POLICY).toBe('policy.json');
  });

  it('is recognised by content, so a copy with its mode switched back to live is shadowed too', () => {
    const dir = scratchDir('leadclock-copy-');
    const copy = join(dir, 'mine.yaml');
    const text = readFileSync('config/policy.example.yaml', 'utf8').replace(
      'mode: live',
      'mode: live # mine',
    );
    writeFileSync(copy, `# my copy\n${text}`);
    const built = leadclockApp({ examplePolicy: true, context: { 'leadclock:policy': copy } });
    expect(built.config.examplePolicy).toBe(true);
  });

  it('a policy of your own deploys live with a subscription per person', () => {
    expect(live.config.examplePolicy).toBe(false);
    expect(live.config.warnings).toEqual([]);
    expect(subscriptions(live).length).toBeGreaterThan(0);
  });
});

describe('API throttle', () => {
  it('is derived from peakLeadsPerMinute', () => {
    const built = leadclockApp({ context: { 'leadclock:peakLeadsPerMinute': 600 } });
    expect(throttleFor(600)).toEqual({ rateLimit: 120, burstLimit: 240 });
    expect([built.config.apiRateLimit, built.config.apiBurstLimit]).toEqual([120, 240]);
  });

  it('warns when an explicit throttle is below what the peak needs', () => {
    const built = leadclockApp({
      context: { 'leadclock:peakLeadsPerMinute': 600, 'leadclock:apiRateLimit': 50 },
    });
    expect(built.config.apiRateLimit).toBe(50);
    expect(built.config.warnings.join('\n')).toMatch(/50\/s, burst 240 is below the 120\/s, burst 240/);
  });
});

describe('first deploy without a HubSpot token', () => {
  it('crm-sync can hold its messages: it may send to the sync queue it consumes', () => {
    const f = live.stateless.functions['crm-sync'];
    expect(f?.environment.SYNC_QUEUE_URL).toBeDefined();
    const source = readFileSync('functions/crm-sync/handler.ts', 'utf8');
    expect(source).toMatch(/hubspotConfigured === false \? await holdSyncBatch/);
  });

  it('alarms when a batch was held for lack of the token', () => {
    expect(alarm(live, 'HubSpotTokenMissing')).toMatchObject({
      MetricName: 'HubSpotTokenMissing',
      Namespace: 'leadclock',
      Threshold: 1,
      AlarmDescription: expect.stringMatching(/HubSpot token not set/),
    });
  });

  it('pins how the secret is generated: a changed GenerateSecretString makes CloudFormation replace the value', () => {
    // Changing this replaces the whole secret string, HubSpot token and client secret included.
    expect(SECRET_GENERATION).toEqual({
      secretStringTemplate: '{}',
      generateStringKey: 'ingestKey',
      passwordLength: 48,
      excludePunctuation: true,
    });
    expect(Object.isFrozen(SECRET_GENERATION)).toBe(true);
  });
});

describe('notifications you can trust', () => {
  it('gives every subscription, on both topics, a dead-letter queue', () => {
    const withAlarmMail = synthLeadclock({ context: { 'leadclock:alarmEmail': 'ops@example.com' } });
    const all = [
      ...subscriptions(withAlarmMail),
      ...Object.values(withAlarmMail.statefulTemplate.findResources('AWS::SNS::Subscription')),
    ];
    expect(all.length).toBeGreaterThan(1);
    for (const sub of all)
      expect(JSON.stringify(sub.Properties.RedrivePolicy)).toMatch(/NotifyDeadLetterQueue/);
    withAlarmMail.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowSnsDeadLettersFromLeadclockTopics',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
          }),
        ]),
      },
    });
  });

  it('lets SNS use the key of the encrypted DLQ, for this account only', () => {
    live.statefulTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('has the role SNS needs for SMS delivery-status logs, and outputs it', () => {
    live.statefulTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })],
      },
    });
    expect(Object.keys(live.statefulTemplate.findOutputs('SmsDeliveryStatusRoleArn'))).toHaveLength(1);
  });

  it('alarms on failed deliveries and on nearing the SMS spend limit', () => {
    expect(alarm(live, 'NotificationsFailed')).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Threshold: 1,
    });
    expect(alarm(live, 'NotifyDeadLetterQueueDepth')).toMatchObject({ Threshold: 1 });
    const spend = synthLeadclock({ context: { 'leadclock:smsMonthlySpendLimitUsd': 50 } });
    expect(alarm(spend, 'SmsSpendNearLimit')).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'SMSMonthToDateSpentUSD',
      Threshold: 40,
    });
  });
});
