/** The function construct's environment: merged, never silently overwritten, each binding granted once. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { LeadclockFunction, PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';

function fixture() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const f = new LeadclockFunction(stack, 'Capture', {
    entry: 'functions/capture-lead/handler.ts',
    description: 'test',
    policyPath: `${PROJECT_ROOT}/config/policy.example.yaml`,
    logRetention: RetentionDays.ONE_MONTH,
    environment: { POWERTOOLS_SERVICE_NAME: 'leadclock' },
  });
  return { stack, f };
}

describe('LeadclockFunction environment', () => {
  it('merges variables from every binding with the shared ones', () => {
    // Prepare
    const { f } = fixture();
    // Act
    f.setEnvironment({ A: '1', B: undefined });
    f.bindHubSpot({ baseUrl: 'https://api.hubapi.com', budget: '150/10s' });
    // Assess
    expect(f.environment).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadclock',
      LEADCLOCK_POLICY: 'policy.json',
      NODE_OPTIONS: '--enable-source-maps',
      A: '1',
      HUBSPOT_BASE_URL: 'https://api.hubapi.com',
      HUBSPOT_BUDGET: '150/10s',
    });
  });

  it('accepts the same value twice and refuses a different one', () => {
    const { f } = fixture();
    f.setEnvironment({ A: '1' });
    expect(() => f.setEnvironment({ A: '1' })).not.toThrow();
    expect(() => f.setEnvironment({ A: '2' })).toThrow(
      'Test/Capture: A is already set to a different value; bind it once',
    );
    expect(() => f.setEnvironment({ LEADCLOCK_POLICY: 'other.yaml' })).toThrow(
      /LEADCLOCK_POLICY is already set/,
    );
    expect(f.environment.A).toBe('1');
  });

  it('grants a secret once however many needs bind it', () => {
    // Prepare
    const { stack, f } = fixture();
    const secret = new Secret(stack, 'Secret');
    // Act
    f.bindSecrets(secret).bindSecrets(secret);
    // Assess
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue')).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { Ref: expect.stringMatching(/^Secret/) },
      },
    ]);
  });
});
