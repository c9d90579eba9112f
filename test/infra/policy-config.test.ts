/** CDK assertions on the policy as run-time configuration (AWS AppConfig). */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as validate } from '../../functions/policy-validator/handler.ts';
import { FUNCTIONS } from '../../infra/stateless-stack.ts';
import { parsePolicy } from '../../shared/domain/policy.ts';
import { precompiledPolicyJson } from '../../shared/domain/policy-json.ts';
import { removeScratch, type Synthesised, synthLeadclock } from './synth.ts';

let s: Synthesised;
let t: Template;

beforeAll(() => {
  s = synthLeadclock();
  t = s.statelessTemplate;
});
afterAll(removeScratch);

const ref = (logicalIdPrefix: string) =>
  Match.objectLike({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });

describe('the policy in AWS AppConfig', () => {
  it('creates the application, the environment, the hosted profile with a Lambda validator, and the first version deployed', () => {
    t.hasResourceProperties('AWS::AppConfig::Application', { Name: 'Leadclock-Stateless-policy' });
    t.hasResourceProperties('AWS::AppConfig::Environment', {
      ApplicationId: ref('PolicyConfigApplication'),
      Name: 'live',
      Monitors: [
        {
          AlarmArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PolicyConfigRollbackAlarm'), 'Arn'] },
          AlarmRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PolicyConfigMonitorRole'), 'Arn'] },
        },
      ],
    });
    t.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
      ApplicationId: ref('PolicyConfigApplication'),
      Name: 'policy',
      LocationUri: 'hosted',
      Validators: [
        {
          Type: 'LAMBDA',
          Content: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PolicyConfigValidatorFunction'), 'Arn'] },
        },
      ],
    });
    const versions = t.findResources('AWS::AppConfig::HostedConfigurationVersion');
    expect(Object.keys(versions)).toHaveLength(1);
    const version = Object.values(versions)[0]?.Properties as { Content: string; ContentType: string };
    expect(version.ContentType).toBe('application/json');
    expect(JSON.parse(version.Content).format).toBe('leadclock-policy-precompiled/1');
    t.hasResourceProperties('AWS::AppConfig::Deployment', {
      ApplicationId: ref('PolicyConfigApplication'),
      EnvironmentId: ref('PolicyConfigEnvironment'),
      ConfigurationProfileId: ref('PolicyConfigProfile'),
      DeploymentStrategyId: ref('PolicyConfigStrategy'),
    });
    // AppConfig may invoke the validator.
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'appconfig.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PolicyConfigValidatorFunction'), 'Arn'] },
    });
  });

  it('deploys at once, then bakes while a composite of the project alarms can roll it back', () => {
    t.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      GrowthType: 'LINEAR',
      GrowthFactor: 100,
      DeploymentDurationInMinutes: 0,
      FinalBakeTimeInMinutes: 10,
      ReplicateTo: 'NONE',
    });
    const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0]?.Properties as {
      AlarmRule: unknown;
    };
    const rule = JSON.stringify(composite.AlarmRule);
    for (const fn of FUNCTIONS) expect(rule).toContain(`Observability${fn.name.replace(/-/g, '')}Errors`);
    expect(rule).toContain('ObservabilityApi5xx');
    expect(rule).toContain('ObservabilityBreachRate');
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'cloudwatch:DescribeAlarms',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PolicyConfigRollbackAlarm'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('lets every function read the profile by name, and nothing else of AppConfig', () => {
    const functions = t.findResources('AWS::Lambda::Function');
    const readers = Object.values(functions).filter(
      (f) => f.Properties.Environment?.Variables?.APPCONFIG_PROFILE === 'policy',
    );
    expect(readers).toHaveLength(FUNCTIONS.length);
    for (const f of readers)
      expect(f.Properties.Environment.Variables).toMatchObject({
        APPCONFIG_APPLICATION: 'Leadclock-Stateless-policy',
        APPCONFIG_ENVIRONMENT: 'live',
        APPCONFIG_MAX_AGE_SECONDS: '30',
      });
    const grants = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('appconfig:'),
    );
    expect(grants).toHaveLength(FUNCTIONS.length);
    for (const g of grants)
      expect(g.Properties.PolicyDocument.Statement).toEqual([
        {
          Action: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
          Effect: 'Allow',
          Resource: expect.objectContaining({ 'Fn::Join': expect.any(Array) }),
        },
      ]);
    const outputs = s.statelessTemplate.toJSON().Outputs as Record<string, unknown>;
    for (const o of ['AppConfigApplication', 'AppConfigEnvironment', 'AppConfigProfile', 'AppConfigStrategy'])
      expect(outputs).toHaveProperty(o);
  });

  it('has a validator that refuses a bad version with the path, and passes the example policy', async () => {
    const good = precompiledPolicyJson(parsePolicy(readFileSync('config/policy.example.yaml', 'utf8')));
    const bad = JSON.parse(good);
    bad.doc.routing.rules[3].target = { team: 'no-such-team' };
    const event = (text: string) => ({ content: Buffer.from(text).toString('base64') });

    await expect(validate(event(good))).resolves.toBeUndefined();
    await expect(validate(event(JSON.stringify(bad)))).rejects.toThrow(
      /routing\.rules\[3\]\.target.*no-such-team/,
    );
    await expect(validate(event('{"doc":{}}'))).rejects.toThrow(
      "format: expected 'leadclock-policy-precompiled/1'",
    );
  });
});
