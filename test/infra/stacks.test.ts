/** CDK assertions on both stacks, synthesised once with cdk.json's context (bundling skipped; see bundles.test.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, SCHEDULE_ACTIONS, TABLE_ACTIONS } from '../../infra/constructs/leadclock-function.ts';
import { METRIC_NAMES } from '../../infra/constructs/observability.ts';
import { FUNCTIONS, ROUTES } from '../../infra/stateless-stack.ts';
import { TABLE_DEFINITION } from '../../shared/adapters/table.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { type Need, readSettings } from '../../shared/wiring/config.ts';
import { examplePolicy } from '../helpers/policy-builder.ts';
import { removeScratch, type Synthesised, synthLeadclock } from './synth.ts';

let s: Synthesised;
let stateful: Template;
let stateless: Template;

afterAll(removeScratch);

// Prepare and Act for every test below: one synth of the app as `cdk synth` builds it. Tests assess.
beforeAll(() => {
  s = synthLeadclock();
  stateful = s.statefulTemplate;
  stateless = s.statelessTemplate;
});

/** `{'Fn::ImportValue': …}` of an export of the stateful stack whose name mentions `logicalIdPrefix`. */
const imported = (logicalIdPrefix: string) => ({
  'Fn::ImportValue': Match.stringLikeRegexp(`^Leadclock-Stateful:ExportsOutput\\w*${logicalIdPrefix}`),
});
const functionId = (name: string) =>
  s.stateless.getLogicalId(s.stateless.functions[name]?.fn.node.defaultChild as CfnFunction);
const statementsOf = (name: string): Record<string, unknown>[] => {
  const roleId = s.stateless.getLogicalId(s.stateless.functions[name]?.role.node.defaultChild as never);
  const policies = Object.values(stateless.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
};
const actionsOf = (st: Record<string, unknown>) => [st.Action].flat() as string[];

describe('stateful stack', () => {
  it('keeps the table: on-demand, PITR, deletion protection, retained, TTL on expiresAt, keys and GSIs from TABLE_DEFINITION', () => {
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: TABLE_DEFINITION.AttributeDefinitions,
        KeySchema: TABLE_DEFINITION.KeySchema,
        GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      },
    });
  });

  it('wires the sync queue to its DLQ after 10 receives, with a visibility of 6× the consumer timeout', () => {
    const [dlq] = Object.keys(stateful.findResources('AWS::SQS::Queue')).filter((id) =>
      id.startsWith('SyncDeadLetterQueue'),
    );
    stateful.hasResource('AWS::SQS::Queue', {
      DeletionPolicy: 'Retain',
      Properties: {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 10 },
        VisibilityTimeout: 360,
        MessageRetentionPeriod: 345_600,
        SqsManagedSseEnabled: true,
      },
    });
  });

  it('wires the timer queue to the timer DLQ after 10 receives, with a visibility of 6× the breach timeout', () => {
    const [dlq] = Object.keys(stateful.findResources('AWS::SQS::Queue')).filter((id) =>
      id.startsWith('TimerDeadLetterQueue'),
    );
    const [breach] = Object.entries(stateful.findResources('AWS::SQS::Queue')).filter(([id]) =>
      id.startsWith('TimerQueue'),
    );
    expect(breach?.[1]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 10 },
        VisibilityTimeout: 360,
        SqsManagedSseEnabled: true,
      },
    });
  });

  it('encrypts every queue and refuses non-TLS access to each', () => {
    const queues = Object.keys(stateful.findResources('AWS::SQS::Queue'));
    expect(queues.sort()).toEqual([
      expect.stringMatching(/^NotifyDeadLetterQueue/),
      expect.stringMatching(/^SyncDeadLetterQueue/),
      expect.stringMatching(/^SyncQueue/),
      expect.stringMatching(/^TimerDeadLetterQueue/),
      expect.stringMatching(/^TimerQueue/),
    ]);
    for (const q of queues) {
      stateful.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'sqs:*',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [q, 'Arn'] },
            },
          ]),
        },
      });
    }
    const [key] = Object.keys(stateful.findResources('AWS::KMS::Key'));
    const encryption = Object.entries(stateful.findResources('AWS::SQS::Queue')).map(([id, r]) => [
      id,
      r.Properties.KmsMasterKeyId ?? r.Properties.SqsManagedSseEnabled,
    ]);
    // SNS can only dead-letter into a queue encrypted with a customer managed key it may use.
    expect(Object.fromEntries(encryption)).toEqual(
      Object.fromEntries(
        queues.map((q) => [q, q.startsWith('NotifyDeadLetterQueue') ? { 'Fn::GetAtt': [key, 'Arn'] } : true]),
      ),
    );
  });

  it('encrypts both topics with one rotating key and enforces TLS on publish', () => {
    const [key] = Object.keys(stateful.findResources('AWS::KMS::Key'));
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const name of ['leadclock', 'leadclock alarms']) {
      stateful.hasResourceProperties('AWS::SNS::Topic', {
        DisplayName: name,
        KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
    }
    const policies = Object.values(stateful.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual({
        Sid: 'AllowPublishThroughSSLOnly',
        Action: 'sns:Publish',
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: p.Properties.Topics[0],
      });
    }
  });

  it('lets only this account’s CloudWatch alarms publish to the ops topic', () => {
    stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsOfThisAccount',
            Action: 'sns:Publish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: { Ref: Match.stringLikeRegexp('^OpsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          },
        ]),
      },
    });
  });

  it('creates one retained secret with a generated ingest key and nothing else in it', () => {
    stateful.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        GenerateSecretString: {
          SecretStringTemplate: '{}',
          GenerateStringKey: 'ingestKey',
          PasswordLength: 48,
          ExcludePunctuation: true,
        },
      }),
    });
    expect(Object.keys(stateful.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1);
  });

  it('retains the schedule group that holds the pending SLA timers', () => {
    stateful.hasResource('AWS::Scheduler::ScheduleGroup', {
      DeletionPolicy: 'Retain',
      Properties: { Name: 'leadclock', Tags: [{ Key: 'app', Value: 'leadclock' }] },
    });
  });
});

describe('functions', () => {
  for (const spec of FUNCTIONS) {
    it(`${spec.name}: Node 24 on ARM64, traced, bundled policy, source maps, own log group with retention`, () => {
      const logs = s.stateless.getLogicalId(
        s.stateless.functions[spec.name]?.logGroup.node.defaultChild as never,
      );
      stateless.hasResourceProperties('AWS::Lambda::Function', {
        Description: `leadclock ${spec.description}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: spec.memorySize ?? 512,
        Timeout: spec.timeout?.toSeconds() ?? 10,
        LoggingConfig: { LogGroup: { Ref: logs } },
        Environment: {
          Variables: Match.objectLike({
            LEADCLOCK_POLICY: 'policy.json',
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'leadclock',
            POWERTOOLS_METRICS_NAMESPACE: 'leadclock',
          }),
        },
      });
      stateless.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      stateless.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
      expect(Object.keys(stateless.findResources('AWS::Logs::LogGroup'))).toContain(logs);
    });

    it(`${spec.name}: the environment satisfies exactly what its handler wires with runtimeFromEnv`, () => {
      // Prepare: the needs written in the handler, and the function's env with deploy-time values stubbed
      const source = readFileSync(join(PROJECT_ROOT, `functions/${spec.name}/handler.ts`), 'utf8');
      const wiring = /runtimeFromEnv\(\s*\{([^}]*)\}/.exec(source)?.[1];
      const needs = [...(wiring ?? '').matchAll(/\b([a-z]+):/g)].map((m) => m[1] as Need);
      const env = s.stateless.functions[spec.name]?.environment ?? {};
      const stubbed = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          !v.includes('${Token')
            ? v
            : k.endsWith('_URL')
              ? 'https://sqs.example.com/1/q'
              : 'arn:aws:x:eu-west-1:1:y',
        ]),
      );
      // Act
      const settings = () => readSettings(stubbed, needs);
      // Assess
      expect(needs.sort()).toEqual([...spec.needs].sort());
      expect(settings).not.toThrow();
    });
  }

  it('points every timer at the timer queue, which sla-breach (deployed under a fixed name) consumes', () => {
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Leadclock-Stateless-sla-breach',
      Description: Match.stringLikeRegexp('Timer queue'),
      Timeout: 60,
    });
    const armers = FUNCTIONS.filter((f) => f.needs.includes('timers'));
    expect(armers.map((f) => f.name)).toEqual([
      'capture-lead',
      'hubspot-events',
      'lead-api',
      'sla-breach',
      'sweeper',
    ]);
    for (const f of armers) {
      stateless.hasResourceProperties('AWS::Lambda::Function', {
        Description: `leadclock ${f.description}`,
        Environment: {
          Variables: Match.objectLike({
            SCHEDULE_GROUP: 'leadclock',
            BREACH_TARGET_ARN: imported('TimerQueue'),
            SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerRole'), 'Arn'] },
            SCHEDULER_DLQ_ARN: imported('TimerDeadLetterQueue'),
          }),
        },
      });
    }
  });

  it('consumes the sync queue in batches of 100, reporting failed items only, two at a time', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('crm-sync') },
      EventSourceArn: imported('SyncQueue'),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('gives every HubSpot caller the whole portal budget, which they share through the table', () => {
    for (const name of ['crm-sync', 'sla-breach', 'sweeper', 'accounts-sync']) {
      expect(s.stateless.functions[name]?.environment.HUBSPOT_BUDGET).toBe('150/10s');
      expect(s.stateless.functions[name]?.environment.TABLE_NAME).toBeDefined();
      // One metric dimension for all: the HubSpot429 alarm sees the 429s of every path.
      expect(s.stateless.functions[name]?.environment.POWERTOOLS_SERVICE_NAME).toBe('leadclock');
    }
  });

  it('consumes the timer queue in batches of 100, at most 4 at once, so a wave of timers cannot starve crm-sync', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('sla-breach') },
      EventSourceArn: imported('TimerQueue'),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    // The event source's maximum concurrency caps it; no reserved concurrency to ask the account for.
    const breach = Object.values(stateless.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties?.FunctionName === 'Leadclock-Stateless-sla-breach',
    );
    expect(breach?.Properties?.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('sends sla-breach runs that fail every retry to the timer DLQ', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId('sla-breach') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: imported('TimerDeadLetterQueue') } },
    });
  });

  it('runs the sweeper every 5 minutes and accounts-sync every 15', () => {
    for (const [name, rate] of [
      ['sweeper', 'rate(5 minutes)'],
      ['accounts-sync', 'rate(15 minutes)'],
    ] as const) {
      stateless.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: rate,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(name), 'Arn'] } })],
      });
    }
  });
});

describe('least privilege', () => {
  it('capture-lead gets exactly its table, timer, queue and secret permissions', () => {
    expect(statementsOf('capture-lead')).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CaptureLeadLogs/), 'Arn'] },
      },
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
      {
        Action: [...TABLE_ACTIONS.readWriteDelete],
        Effect: 'Allow',
        Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/TableCD117FA1Arn/) }),
      },
      {
        // Indexes are only queried: no write action on a GSI ARN.
        Action: 'dynamodb:Query',
        Effect: 'Allow',
        Resource: [
          {
            'Fn::Join': [
              '',
              [expect.objectContaining({ 'Fn::ImportValue': expect.any(String) }), '/index/GSI1'],
            ],
          },
          {
            'Fn::Join': [
              '',
              [expect.objectContaining({ 'Fn::ImportValue': expect.any(String) }), '/index/GSI2'],
            ],
          },
          {
            'Fn::Join': [
              '',
              [expect.objectContaining({ 'Fn::ImportValue': expect.any(String) }), '/index/GSI3'],
            ],
          },
        ],
      },
      {
        // Arms timers, never cancels one: no scheduler:DeleteSchedule (nor GetSchedule, which nothing calls).
        Action: [...SCHEDULE_ACTIONS],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':scheduler:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':schedule/leadclock/*',
            ],
          ],
        },
      },
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SchedulerRole/), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/SyncQueue\w*Arn/) }),
      },
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/Secret/) }),
      },
      {
        Action: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
        Effect: 'Allow',
        Resource: expect.objectContaining({ 'Fn::Join': expect.any(Array) }),
      },
    ]);
  });

  it('reports and board only read the table', () => {
    for (const name of ['reports', 'board']) {
      const dynamo = statementsOf(name).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
      expect(dynamo.map(actionsOf)).toEqual([
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        ['dynamodb:Query'],
      ]);
    }
  });

  it('crm-sync publishes to the notify topic with only the data-key use SNS needs, and arms no timers', () => {
    const st = statementsOf('crm-sync');
    expect(st).toContainEqual({
      Action: 'sns:Publish',
      Effect: 'Allow',
      Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/NotifyTopic/) }),
    });
    expect(st).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/TopicKey\w*Arn/) }),
    });
    expect(st.flatMap(actionsOf).filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual(
      [],
    );
  });

  it('has Resource "*" nowhere but the X-Ray statement, which allows no narrower resource', () => {
    const wildcards = Object.values(stateless.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((st) => [st.Resource].flat().includes('*'));
    expect(new Set(wildcards.map((st) => JSON.stringify(st.Action)))).toEqual(
      new Set([JSON.stringify(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])]),
    );
    // Every function of FUNCTIONS, and the AppConfig policy validator.
    expect(wildcards).toHaveLength(FUNCTIONS.length + 1);
  });

  it('attaches no managed policy to any role', () => {
    for (const role of Object.values(stateless.findResources('AWS::IAM::Role')))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the Scheduler (of this account, for this group) only send to the timer queue and timer DLQ, and invoke sla-breach', () => {
    stateless.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': imported('ScheduleGroup') },
            },
          },
        ],
      },
    });
    stateless.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SchedulerRole') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':lambda:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':function:Leadclock-Stateless-sla-breach',
                ],
              ],
            },
          },
          {
            Action: 'sqs:SendMessage',
            Effect: 'Allow',
            Resource: [imported('TimerQueue'), imported('TimerDeadLetterQueue')],
          },
        ],
      },
    });
  });

  it('grants an IAM action for every AWS SDK command the adapters send', () => {
    // Prepare: every `…Command` imported from an AWS client by the adapters and the runtime
    const files = ['shared/wiring', 'shared/adapters'].flatMap((dir) =>
      readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `${dir}/${f}`),
    );
    const prefix: Record<string, string> = {
      dynamodb: 'dynamodb',
      scheduler: 'scheduler',
      sqs: 'sqs',
      sns: 'sns',
      'secrets-manager': 'secretsmanager',
    };
    const needed = new Set<string>();
    for (const f of files) {
      const text = readFileSync(join(PROJECT_ROOT, f), 'utf8');
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z-]+)'/g)) {
        for (const name of (m[1] ?? '').matchAll(/\b(\w+)Command\b/g))
          needed.add(
            `${prefix[m[2] as string]}:${(name[1] as string).replace(/^SendMessageBatch$/, 'SendMessage')}`,
          );
      }
    }
    // Act
    const granted = new Set(
      Object.values(stateless.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Record<string, unknown>[]).flatMap(actionsOf),
      ),
    );
    // Assess
    expect(needed.size).toBeGreaterThanOrEqual(10);
    expect([...needed].filter((a) => !granted.has(a))).toEqual([]);
  });
});

describe('HTTP API', () => {
  it('routes every path of the HTTP contract to its function', () => {
    for (const r of ROUTES) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${r.method} ${r.path}`,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: Match.anyValue() }]] },
      });
    }
    const keys = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(
      [
        'GET /',
        'GET /admin/availability',
        'GET /board/data',
        'GET /audit',
        'GET /leads/{leadId}',
        'GET /waiting-room',
        'POST /admin/availability',
        'GET /reports/sla',
        'GET /reports/review',
        'POST /hubspot/webhooks',
        'POST /leads',
        'POST /leads/{leadId}/events',
      ].sort(),
    );
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId('capture-lead'), 'Arn'] },
    });
  });

  it('throttles the default stage and writes JSON access logs without the query string', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      // Derived from the example deployment config's peakLeadsPerMinute (1000): 16.7 leads/s × 4 requests × 3.
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(
          Match.objectLike({
            requestId: '$context.requestId',
            status: '$context.status',
            routeKey: '$context.routeKey',
          }),
        ),
      },
    });
    const format = Object.values(stateless.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties
      .AccessLogSettings.Format as string;
    expect(format).not.toMatch(/querystring|rawQueryString|\$context\.path/i);
  });

  it('outputs the URLs to paste into HubSpot', () => {
    const url = (suffix: string) => ({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: Match.stringLikeRegexp('^Api') },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          `/${suffix}`,
        ],
      ],
    });
    stateless.hasOutput('CaptureUrl', { Value: url('leads') });
    stateless.hasOutput('HubSpotWebhookUrl', { Value: url('hubspot/webhooks') });
    stateless.hasOutput('ReportsUrl', { Value: url('reports/sla') });
    stateless.hasOutput('BoardUrl', { Value: url('') });
    stateful.hasOutput('SecretArn', { Value: { Ref: Match.stringLikeRegexp('^Secret') } });
  });
});

describe('notifications', () => {
  it('subscribes every person of the policy with a filter policy generated from it', () => {
    // Prepare
    const expected = subscriptionsOf(examplePolicy());
    // Act
    const actual = Object.values(stateless.findResources('AWS::SNS::Subscription')).map((r) => r.Properties);
    // Assess
    expect(actual).toHaveLength(expected.length);
    for (const sub of expected) {
      stateless.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: sub.protocol,
        Endpoint: sub.endpoint,
        FilterPolicyScope: 'MessageAttributes',
        FilterPolicy: sub.filterPolicy,
        TopicArn: imported('NotifyTopic'),
      });
    }
  });

  it('gives a director limited to rung 2 a rung filter, and a manager of two teams one merged subscription', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'dirk.vogel@example.com',
      FilterPolicy: { teamId: ['emea-sdr'], audience: ['director'], rung: [{ numeric: ['=', 2] }] },
    });
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+4915100000001',
      FilterPolicy: {
        $or: [
          { teamId: ['emea-sdr'], audience: ['manager'] },
          { teamId: ['emea-overflow'], audience: ['manager'] },
        ],
      },
    });
  });
});

describe('alarms and dashboard', () => {
  const ops = { 'Fn::ImportValue': Match.stringLikeRegexp('OpsTopic') };

  it('alarms on any message in any dead-letter queue', () => {
    for (const q of ['SyncDeadLetterQueue', 'TimerDeadLetterQueue', 'NotifyDeadLetterQueue']) {
      stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: imported(q) }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [ops],
        OKActions: [ops],
      });
    }
  });

  it('alarms on errors of every function', () => {
    for (const f of FUNCTIONS) {
      stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(f.name) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        AlarmActions: [ops],
      });
    }
  });

  it('alarms on the breach rate, sync lag, sync backlog age, HubSpot 429s and API 5xx', () => {
    const metric = { Namespace: 'leadclock', Dimensions: [{ Name: 'service', Value: 'leadclock' }] };
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 25,
      EvaluationPeriods: 1,
      // Breaches over the SLA outcomes of 3 hours (met + breached), not over this hour's captures.
      Metrics: [
        Match.objectLike({
          Expression:
            'IF(FILL(met, 0) + FILL(breaches, 0) >= 5, 100 * FILL(breaches, 0) / (FILL(met, 0) + FILL(breaches, 0)))',
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'met',
          MetricStat: Match.objectLike({
            Metric: { ...metric, MetricName: 'SlaMet' },
            Stat: 'Sum',
            Period: 10_800,
          }),
        }),
        Match.objectLike({
          Id: 'breaches',
          MetricStat: Match.objectLike({
            Metric: { ...metric, MetricName: 'Breaches' },
            Stat: 'Sum',
            Period: 10_800,
          }),
        }),
      ],
      AlarmActions: [ops],
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...metric,
      MetricName: 'SyncLagSeconds',
      Statistic: 'Maximum',
      Threshold: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: imported('SyncQueue') }],
      Threshold: 900,
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...metric,
      MetricName: 'HubSpot429',
      Statistic: 'Sum',
      Threshold: 20,
      EvaluationPeriods: 2,
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Threshold: 5,
    });
  });

  it('shows speed to lead, attainment, breaches, parked, unowned and the sync backlog on the dashboard', () => {
    // Prepare: the dashboard body with the region token resolved
    const [dashboard] = Object.values(stateless.findResources('AWS::CloudWatch::Dashboard'));
    const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REGION')).join(''));
    // Act
    const single = body.widgets.find(
      (w: { properties: { view?: string } }) => w.properties.view === 'singleValue',
    );
    const titles = body.widgets
      .map((w: { properties: { title?: string } }) => w.properties.title)
      .filter(Boolean);
    // Assess
    expect(single.properties.metrics).toEqual([
      [
        'leadclock',
        'SpeedToLeadSeconds',
        'service',
        'leadclock',
        { label: 'Speed to lead, median (s)', period: 3600, stat: 'p50' },
      ],
      [{ label: 'SLA attainment %', expression: '100 * met / (met + missed)', period: 3600 }],
      [
        'leadclock',
        'SlaMet',
        'service',
        'leadclock',
        { id: 'met', visible: false, period: 3600, stat: 'Sum' },
      ],
      [
        'leadclock',
        'SlaMissed',
        'service',
        'leadclock',
        { id: 'missed', visible: false, period: 3600, stat: 'Sum' },
      ],
      [
        'leadclock',
        'LeadsCaptured',
        'service',
        'leadclock',
        { label: 'Leads captured', period: 3600, stat: 'Sum' },
      ],
      ['leadclock', 'Breaches', 'service', 'leadclock', { label: 'Breaches', period: 3600, stat: 'Sum' }],
      ['leadclock', 'Parked', 'service', 'leadclock', { label: 'Parked', period: 3600, stat: 'Sum' }],
      [
        'leadclock',
        'Unroutable',
        'service',
        'leadclock',
        { label: 'Unowned (unroutable)', period: 3600, stat: 'Sum' },
      ],
    ]);
    expect(single.properties.setPeriodToTimeRange).toBe(true);
    expect(titles).toEqual([
      'Over the selected range',
      'Speed to lead (s)',
      'SLA attainment (%)',
      'Breaches, parked, unowned',
      'Sync backlog',
      'HubSpot 429s and dead letters',
      'Function errors',
      'Alarms',
    ]);
    const backlog = body.widgets.find(
      (w: { properties: { title?: string } }) => w.properties.title === 'Sync backlog',
    );
    expect(JSON.stringify(backlog.properties.metrics)).toContain('ApproximateNumberOfMessagesVisible');
    expect(Object.keys(METRIC_NAMES).filter((m) => !JSON.stringify(body).includes(`"${m}"`))).toEqual([]);
  });
});

describe('templates', () => {
  it('have no circular dependency inside either stack (CloudFormation would refuse to deploy)', () => {
    for (const template of [stateful, stateless]) {
      // Prepare: resource → resources it references (Ref, GetAtt, Sub, DependsOn)
      const resources = template.toJSON().Resources as Record<string, { DependsOn?: string | string[] }>;
      const ids = new Set(Object.keys(resources));
      const edges = new Map<string, Set<string>>();
      for (const [id, r] of Object.entries(resources)) {
        const refs = new Set<string>([r.DependsOn ?? []].flat());
        JSON.stringify(r, (k, v) => {
          if (k === 'Ref' && typeof v === 'string') refs.add(v);
          if (k === 'Fn::GetAtt' && Array.isArray(v)) refs.add(String(v[0]));
          if (k === 'Fn::Sub' && typeof v === 'string')
            for (const m of v.matchAll(/\$\{([\w]+)/g)) refs.add(m[1] as string);
          return v;
        });
        edges.set(id, new Set([...refs].filter((x) => ids.has(x) && x !== id)));
      }
      // Act: depth-first search for a back edge
      const state = new Map<string, 'open' | 'done'>();
      const cycles: string[] = [];
      const visit = (id: string, path: string[]) => {
        if (state.get(id) === 'done') return;
        if (state.get(id) === 'open') {
          cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
          return;
        }
        state.set(id, 'open');
        for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
        state.set(id, 'done');
      };
      for (const id of ids) visit(id, []);
      // Assess
      expect(cycles).toEqual([]);
    }
  });
});
