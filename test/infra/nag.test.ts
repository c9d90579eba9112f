/** cdk-nag AwsSolutions over the whole app, and what a bad setting or a bad policy does to `cdk synth`. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployConfigError } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';
import { PolicyError } from '../../shared/domain/policy.ts';
import {
  CDK_JSON_CONTEXT,
  leadclockApp,
  removeScratch,
  type Synthesised,
  scratchDir,
  synthLeadclock,
} from './synth.ts';

interface NagReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    suppressedViolations: {
      ruleName: string;
      reason: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}
const report = (outdir: string): NagReport =>
  JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));

const EXAMPLE_POLICY = readFileSync(join(PROJECT_ROOT, 'config/policy.example.yaml'), 'utf8');

function policyFile(text: string): string {
  const path = join(scratchDir('leadclock-policy-'), 'policy.yaml');
  writeFileSync(path, text);
  return path;
}

afterAll(removeScratch);

describe('cdk-nag', () => {
  let s: Synthesised;
  beforeAll(() => {
    s = synthLeadclock();
  });

  it('finds nothing unacknowledged in the app', () => {
    // Prepare / Act: synthesised in beforeAll (it would have thrown on a finding)
    const [nag] = report(s.outdir).pluginReports;
    // Assess
    expect(nag?.pluginName).toBe('AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
  });

  it('acknowledges only the reviewed rules, each with a reason, on the constructs they concern', () => {
    // Prepare
    const [nag] = report(s.outdir).pluginReports;
    // Act
    const acknowledged = new Map<string, string[]>();
    for (const v of nag?.suppressedViolations ?? []) {
      expect(v.reason.length).toBeGreaterThan(80);
      const paths = v.violatingConstructs.map((c) => c.constructPath.split('/').slice(0, 2).join('/'));
      acknowledged.set(v.ruleName, [...(acknowledged.get(v.ruleName) ?? []), ...paths]);
    }
    // Assess
    expect(
      Object.fromEntries([...acknowledged].map(([rule, paths]) => [rule, [...new Set(paths)].sort()])),
    ).toEqual({
      // The timer DLQ needs no acknowledgement: the timer queue's redrive policy names it.
      'AwsSolutions-SQS3': ['Leadclock-Stateful/NotifyDeadLetterQueue'],
      'AwsSolutions-SMG4': ['Leadclock-Stateful/Secret'],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:sns/*]':
        ['Leadclock-Stateful/SmsDeliveryStatusRole'],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:sns/*:*]':
        ['Leadclock-Stateful/SmsDeliveryStatusRole'],
      'AwsSolutions-IAM5[Resource::*]': [
        'Leadclock-Stateless/AccountsSync',
        'Leadclock-Stateless/Board',
        'Leadclock-Stateless/CaptureLead',
        'Leadclock-Stateless/CrmSync',
        'Leadclock-Stateless/HubspotEvents',
        'Leadclock-Stateless/LeadApi',
        // The X-Ray statement of the AppConfig policy validator (PolicyConfig/Validator).
        'Leadclock-Stateless/PolicyConfig',
        'Leadclock-Stateless/Reports',
        'Leadclock-Stateless/SlaBreach',
        'Leadclock-Stateless/Sweeper',
      ],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/leadclock/*]':
        [
          'Leadclock-Stateless/CaptureLead',
          'Leadclock-Stateless/HubspotEvents',
          'Leadclock-Stateless/LeadApi',
          'Leadclock-Stateless/SlaBreach',
          'Leadclock-Stateless/Sweeper',
        ],
      'AwsSolutions-APIG4': ['Leadclock-Stateless/Api'],
    });
  });

  it('fails the synth on a finding nobody acknowledged', () => {
    // Prepare: a queue with no DLQ and no TLS enforcement
    const built = leadclockApp();
    new Queue(built.stateless, 'Offender');
    // Act
    const synth = () => built.app.synth();
    // Assess
    expect(synth).toThrow(/AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4/);
    const [nag] = report(built.outdir).pluginReports;
    expect(nag?.conclusion).toBe('failure');
    expect(
      nag?.violations.map((v) => [v.ruleName, v.violatingConstructs.map((c) => c.constructPath)]).sort(),
    ).toEqual([
      ['AwsSolutions-SQS3', ['Leadclock-Stateless/Offender/Resource']],
      ['AwsSolutions-SQS4', ['Leadclock-Stateless/Offender/Resource']],
    ]);
  });
});

describe('settings and policy at synth', () => {
  it('fails with every problem of a bad policy, by path and line, before building anything', () => {
    // Prepare: two independent mistakes
    const bad = EXAMPLE_POLICY.replace('window: PT5M', 'window: 5 minutes').replace(
      'strategy: least_loaded',
      'strategy: fastest',
    );
    // Act
    const build = () => leadclockApp({ context: { 'leadclock:policy': policyFile(bad) } });
    // Assess
    expect(build).toThrow(PolicyError);
    expect(build).toThrow(
      /invalid policy, 2 problems:\n {2}tiers\[0\]\.window \(line \d+\): .*\n {2}teams\.emea-overflow\.strategy \(line \d+\)/,
    );
  });

  it('fails on unknown or malformed settings, naming each', () => {
    const build = () =>
      leadclockApp({
        context: { 'leadclock:logRetentionDays': 17, 'leadclock:alarmEmial': 'ops@example.com' },
      });
    expect(build).toThrow(DeployConfigError);
    expect(build).toThrow(
      'leadclock deployment settings are invalid:\n' +
        `  leadclock:alarmEmial: unknown setting (known: ${'policy, account, region, stackPrefix, scheduleGroup, alarmEmail, logRetentionDays, peakLeadsPerMinute, apiRateLimit, apiBurstLimit, smsMonthlySpendLimitUsd, hubspotBaseUrl, hubspotPortalId, hubspotBudget, allowLegacySignatures, ingestKeyQueryParam, publicBaseUrl, secretsRevision, breachRateAlarmPercent, syncLagAlarmSeconds, hubspot429AlarmCount, slackWorkspaceId, slackChannelId'})\n` +
        '  leadclock:logRetentionDays: expected a CloudWatch Logs retention (e.g. 30, 90, 365)',
    );
  });

  it('makes `node infra/app.ts` (what cdk synth runs) exit 1 with the policy errors and no stack trace', () => {
    // Prepare
    const bad = EXAMPLE_POLICY.replace('window: PT5M', 'window: 5 minutes');
    const context = { ...CDK_JSON_CONTEXT, 'leadclock:policy': policyFile(bad) };
    // Act
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['infra/app.ts'], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_OUTDIR: scratchDir('leadclock-cdk-'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    // Assess
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /^.*policy\.yaml: invalid policy, 1 problem:\n {2}tiers\[0\]\.window \(line \d+\): /,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('takes the alarm email, environment, custom domain and a different policy from context', () => {
    // Prepare: a policy with one more manager
    const policy = EXAMPLE_POLICY.replace(
      '      - { name: Mei Tan, email: mei.tan@example.com, phone: "+61400000001" }',
      '      - { name: Mei Tan, email: mei.tan@example.com, phone: "+61400000001" }\n      - { name: Ken Sato, email: ken.sato@example.com }',
    );
    // Act
    const s = synthLeadclock({
      context: {
        'leadclock:policy': policyFile(policy),
        'leadclock:alarmEmail': 'ops@example.com',
        'leadclock:account': '123456789012',
        'leadclock:region': 'eu-central-1',
        'leadclock:publicBaseUrl': 'https://leads.example.com',
        'leadclock:secretsRevision': '2026-03-01',
      },
    });
    // Assess
    expect([s.stateful.account, s.stateful.region, s.stateless.region]).toEqual([
      '123456789012',
      'eu-central-1',
      'eu-central-1',
    ]);
    s.statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^OpsTopic') },
    });
    s.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ken.sato@example.com',
      FilterPolicy: { teamId: ['apac-sdr'], audience: ['manager'] },
    });
    expect(s.stateless.functions['capture-lead']?.environment.PUBLIC_BASE_URL).toBe(
      'https://leads.example.com',
    );
    const revisions = Object.entries(s.stateless.functions).map(([name, f]) => [
      name,
      f.environment.SECRETS_REVISION,
    ]);
    expect(revisions).toEqual(Object.keys(s.stateless.functions).map((name) => [name, '2026-03-01']));
    s.statelessTemplate.hasOutput('CaptureUrl', { Value: 'https://leads.example.com/leads' });
  });
});
