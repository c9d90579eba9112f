/**
 * Everything that can be redeployed or destroyed without losing data: the functions, the HTTP API, the
 * role EventBridge Scheduler assumes for SLA timers, the sweeper and accounts-sync schedules, the
 * notification subscriptions derived from the policy, alarms and the dashboard. Stateful resources come in
 * through typed props.
 */
import { createHash } from 'node:crypto';
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { subscriptionsOf } from '../shared/domain/subscriptions.ts';
import type { Need } from '../shared/wiring/config.ts';
import type { DeployConfig } from './config.ts';
import { LeadclockFunction, type TableAccess, type TimerBinding } from './constructs/leadclock-function.ts';
import { METRICS_DIMENSIONS, METRICS_NAMESPACE, Observability } from './constructs/observability.ts';
import { PolicyConfig } from './constructs/policy-config.ts';
import { BREACH_CONSUMER_TIMEOUT, type StatefulResources, SYNC_CONSUMER_TIMEOUT } from './stateful-stack.ts';

/** One function of the app. */
export interface FunctionSpec {
  /** Folder under functions/, and the function's name in alarms and outputs. */
  name: string;
  description: string;
  /** What the handler asks `runtimeFromEnv` for; each need becomes env vars and grants (see `bindNeeds`). */
  needs: readonly Need[];
  table: TableAccess;
  /** It arms timers but never cancels one (no scheduler:DeleteSchedule). */
  armsOnly?: boolean;
  memorySize?: number;
  timeout?: Duration;
}

/** crm-sync consumers at once: HubSpot allows about 19 requests/s per app, so a few paced workers suffice. */
export const SYNC_MAX_CONCURRENCY = 2;
/**
 * sla-breach instances at once: the timer queue's event source runs at most this many batches together
 * (SQS event source maximum concurrency; AWS's minimum is 2). A morning wave of timers waits in the queue
 * instead of holding the portal's HubSpot budget, and each batch verifies up to 100 breaches in about 5
 * HubSpot calls (docs/hubspot-rate-limits.md).
 */
export const BREACH_MAX_CONCURRENCY = 4;

// HTTP functions get more memory: init CPU scales with it, and a cold capture is a lead waiting.
const HTTP = { memorySize: 1024, timeout: Duration.seconds(10) } as const;

/** Every function: entry `functions/<name>/handler.ts`. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'capture-lead',
    description: 'POST /leads: capture, route, arm the SLA timer, queue the CRM sync',
    needs: ['store', 'timers', 'queue', 'auth'],
    table: 'readWriteDelete',
    armsOnly: true,
    ...HTTP,
  },
  {
    name: 'hubspot-events',
    description: 'POST /hubspot/webhooks: first touch, accept, reject, recycle, reassignment',
    needs: ['store', 'timers', 'queue', 'auth', 'hubspot'],
    table: 'readWrite',
    ...HTTP,
  },
  {
    name: 'lead-api',
    description: 'GET /leads/{leadId}, POST /leads/{leadId}/events, /admin/availability, /waiting-room',
    needs: ['store', 'timers', 'queue', 'notifier', 'auth'],
    table: 'readWrite',
    ...HTTP,
  },
  {
    name: 'crm-sync',
    description: 'SQS → HubSpot: owners, SLA properties and tasks in batches; rep notifications',
    needs: ['store', 'hubspot', 'notifier', 'queue'],
    table: 'readWriteDelete',
    timeout: SYNC_CONSUMER_TIMEOUT,
  },
  {
    name: 'sla-breach',
    description: 'Timer queue (SLA timers) → verify in HubSpot in batches, record the breach, escalate',
    needs: ['store', 'timers', 'queue', 'notifier', 'hubspot'],
    table: 'readWriteDelete',
    timeout: BREACH_CONSUMER_TIMEOUT,
  },
  {
    name: 'sweeper',
    description: 'Every 5 minutes: fire lost breaches, re-arm timers, re-queue stuck syncs',
    needs: ['store', 'timers', 'queue', 'notifier', 'hubspot'],
    table: 'readWriteDelete',
    timeout: Duration.minutes(2),
  },
  {
    name: 'accounts-sync',
    description: 'Every 15 minutes: HubSpot owners and the company → owner cache',
    needs: ['store', 'hubspot'],
    table: 'readWrite',
    timeout: Duration.minutes(5),
  },
  {
    name: 'reports',
    description: 'GET /reports/sla (SLA KPIs over a period) and GET /reports/review (the monthly review)',
    needs: ['store', 'auth'],
    table: 'read',
    memorySize: 1024,
    timeout: Duration.seconds(25),
  },
  {
    name: 'board',
    description:
      'GET / (the board page), GET /board/data and GET /audit: live leads, KPIs, routing audit log',
    needs: ['store', 'auth'],
    table: 'read',
    ...HTTP,
  },
];

/** The HTTP routes (ARCHITECTURE.md, HTTP contract) and the function behind each. */
export const ROUTES: readonly { method: HttpMethod; path: string; fn: string }[] = [
  { method: HttpMethod.POST, path: '/leads', fn: 'capture-lead' },
  { method: HttpMethod.POST, path: '/hubspot/webhooks', fn: 'hubspot-events' },
  { method: HttpMethod.GET, path: '/leads/{leadId}', fn: 'lead-api' },
  { method: HttpMethod.POST, path: '/leads/{leadId}/events', fn: 'lead-api' },
  { method: HttpMethod.GET, path: '/reports/sla', fn: 'reports' },
  { method: HttpMethod.GET, path: '/reports/review', fn: 'reports' },
  { method: HttpMethod.GET, path: '/', fn: 'board' },
  { method: HttpMethod.GET, path: '/board/data', fn: 'board' },
  { method: HttpMethod.GET, path: '/admin/availability', fn: 'lead-api' },
  { method: HttpMethod.POST, path: '/admin/availability', fn: 'lead-api' },
  { method: HttpMethod.GET, path: '/waiting-room', fn: 'lead-api' },
  { method: HttpMethod.GET, path: '/audit', fn: 'board' },
];

/** Properties of the stateless stack. */
export interface StatelessStackProps extends StackProps {
  config: DeployConfig;
  stateful: StatefulResources;
}

function camel(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase());
}

/** The stateless half of leadclock. */
export class StatelessStack extends Stack {
  /** Functions by name (`capture-lead` …). */
  readonly functions: Record<string, LeadclockFunction> = {};
  readonly api: HttpApi;
  /** The role EventBridge Scheduler assumes to invoke sla-breach. */
  readonly schedulerRole: Role;
  readonly observability: Observability;
  /** The policy in AWS AppConfig. */
  readonly policyConfig: PolicyConfig;
  /** The API's base URL (ends with `/`). */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;

    // sla-breach re-arms timers that target itself; a function cannot reference its own ARN in its
    // environment (a circular dependency), so it gets a deterministic name and everyone builds the ARN from it.
    const breachName = `${this.stackName}-sla-breach`.slice(0, 64);
    const breachArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: breachName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to deliver SLA timers to the timer queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: { 'aws:SourceArn': stateful.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    // Statements go to the role's separate default policy: an inline policy on the role would make the
    // role depend on sla-breach, whose policy depends on the role (iam:PassRole), a circular dependency.
    // Timers armed before the timer queue still invoke sla-breach directly until they have fired.
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [breachArn] }),
    );
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [stateful.timerQueue.queueArn, stateful.timerDeadLetterQueue.queueArn],
      }),
    );
    const timers: TimerBinding = {
      groupName: config.scheduleGroup,
      targetArn: stateful.timerQueue.queueArn,
      role: this.schedulerRole,
      deadLetterQueue: stateful.timerDeadLetterQueue,
    };

    const shared = {
      POWERTOOLS_SERVICE_NAME: METRICS_DIMENSIONS.service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(config.hubspotPortalId ? { HUBSPOT_PORTAL_ID: config.hubspotPortalId } : {}),
    };
    for (const spec of FUNCTIONS) {
      const f = new LeadclockFunction(this, camel(spec.name), {
        entry: `functions/${spec.name}/handler.ts`,
        description: `leadclock ${spec.description}`,
        policyPath: config.policyPath,
        shadow: config.examplePolicy,
        logRetention: config.logRetentionDays,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        functionName: spec.name === 'sla-breach' ? breachName : undefined,
        environment: shared,
      });
      this.bindNeeds(f, spec, timers, props);
      this.functions[spec.name] = f;
    }
    const fn = (name: string) => {
      const f = this.functions[name];
      if (!f) throw new Error(`no function '${name}'`);
      return f;
    };

    fn('crm-sync').consumeQueue(stateful.syncQueue, {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: SYNC_MAX_CONCURRENCY,
    });
    // Timers arrive in batches; a batch waits up to 2 s to fill, so a wave is verified 100 leads a call.
    fn('sla-breach').consumeQueue(stateful.timerQueue, {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(2),
      maxConcurrency: BREACH_MAX_CONCURRENCY,
    });
    // A direct run (a timer armed before the timer queue) that fails every retry lands next to the
    // undeliverable timers, where an alarm sees it (the sweeper also re-fires overdue breaches).
    fn('sla-breach').fn.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(stateful.timerDeadLetterQueue),
    });
    for (const [name, every] of [
      ['sweeper', Duration.minutes(5)],
      ['accounts-sync', Duration.minutes(15)],
    ] as const) {
      const f = fn(name);
      // The next run comes soon enough: retrying a failed run would only overlap it.
      f.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: every });
      new Rule(this, `${camel(name)}Schedule`, {
        description: `leadclock ${name}, every ${every.toMinutes()} minutes`,
        schedule: Schedule.rate(every),
        targets: [new LambdaFunction(f.fn, { retryAttempts: 2, maxEventAge: every })],
      });
    }

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: config.logRetentionDays });
    this.api = new HttpApi(this, 'Api', {
      description: 'leadclock: lead capture, HubSpot webhooks, lead API, reports, board',
      createDefaultStage: false,
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // From the deployment config: explicit, or derived from peakLeadsPerMinute (config.ts, throttleFor).
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No query string: the ingest key may travel in it.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const r of ROUTES) {
      let integration = integrations.get(r.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${camel(r.fn)}Integration`, fn(r.fn).fn);
        integrations.set(r.fn, integration);
      }
      this.api.addRoutes({ path: r.path, methods: [r.method], integration });
    }
    const routeAuth =
      'Each route authenticates in its function, where the raw body and full URL are available: POST /leads takes a HubSpot v3 signature or the ingest key, POST /hubspot/webhooks a HubSpot v3 signature (HubSpot cannot send IAM, JWT or Cognito credentials), GET / a static page holding no data, the other routes a bearer token checked against the secret.';
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason: routeAuth });
    this.apiUrl = config.publicBaseUrl
      ? `${config.publicBaseUrl.replace(/\/+$/, '')}/`
      : (stage.url as string);

    if (config.slackWorkspaceId && config.slackChannelId) {
      // AWS Chatbot (Amazon Q Developer in chat applications) subscribes itself to the topic and posts the
      // custom notifications the notifier sends as each message's `https` body (shared/domain/chat.ts).
      new SlackChannelConfiguration(this, 'SlackAlerts', {
        slackChannelConfigurationName: `${config.stackPrefix}-leads`,
        slackWorkspaceId: config.slackWorkspaceId,
        slackChannelId: config.slackChannelId,
        notificationTopics: [stateful.notifyTopic],
        // The channel role gets no policy: the channel only shows notifications, no AWS actions from chat.
        loggingLevel: LoggingLevel.ERROR,
      });
    }

    // The example policy deploys in shadow mode with nobody subscribed (config.ts says so at synth).
    const subscriptions = config.examplePolicy ? [] : subscriptionsOf(config.compiledPolicy);
    for (const s of subscriptions) {
      // The id hashes the endpoint: stable across policy edits, and no address in construct paths.
      const digest = createHash('sha256').update(`${s.protocol}:${s.endpoint.toLowerCase()}`).digest('hex');
      new CfnSubscription(
        this,
        `Subscription${s.protocol === 'sms' ? 'Sms' : 'Email'}${digest.slice(0, 12)}`,
        {
          topicArn: stateful.notifyTopic.topicArn,
          protocol: s.protocol,
          endpoint: s.endpoint,
          filterPolicyScope: 'MessageAttributes',
          filterPolicy: s.filterPolicy,
          // What SNS cannot deliver (a bounced address, an opted-out or unreachable phone) is kept here.
          redrivePolicy: { deadLetterTargetArn: stateful.notifyDeadLetterQueue.queueArn },
        },
      );
    }

    this.observability = new Observability(this, 'Observability', {
      functions: this.functions,
      api: this.api,
      syncQueue: stateful.syncQueue,
      deadLetterQueues: {
        SyncDeadLetterQueue: stateful.syncDeadLetterQueue,
        TimerDeadLetterQueue: stateful.timerDeadLetterQueue,
        NotifyDeadLetterQueue: stateful.notifyDeadLetterQueue,
      },
      opsTopic: stateful.opsTopic,
      notifyTopic: stateful.notifyTopic,
      thresholds: config,
    });

    // The policy as run-time configuration: every function reads it from AppConfig (the bundled copy is the
    // fallback); a deployment that sets off an alarm is rolled back.
    this.policyConfig = new PolicyConfig(this, 'PolicyConfig', {
      policyPath: config.policyPath,
      logRetention: config.logRetentionDays,
      alarms: Object.entries(this.observability.alarms)
        .filter(([id]) => /Errors$|^Api5xx$|^BreachRate$/.test(id))
        .map(([, a]) => a),
    });
    for (const f of Object.values(this.functions)) this.policyConfig.grantRead(f);

    const outputs: [string, string, string][] = [
      ['ApiUrl', this.apiUrl, 'Base URL of the leadclock API'],
      ['CaptureUrl', `${this.apiUrl}leads`, 'HubSpot workflow webhook action (and other sources): POST here'],
      ['HubSpotWebhookUrl', `${this.apiUrl}hubspot/webhooks`, 'HubSpot app → Webhooks → target URL'],
      ['LeadApiUrl', `${this.apiUrl}leads/{leadId}`, 'GET a lead; POST …/events to report a touch'],
      ['ReportsUrl', `${this.apiUrl}reports/sla`, 'SLA KPIs (bearer token)'],
      ['BoardUrl', this.apiUrl, 'The lead board (bearer token)'],
      [
        'AppConfigApplication',
        this.policyConfig.application.applicationId,
        'APPCONFIG_APPLICATION for npm run policy -- publish',
      ],
      [
        'AppConfigEnvironment',
        this.policyConfig.environment.environmentId,
        'APPCONFIG_ENVIRONMENT for npm run policy',
      ],
      [
        'AppConfigProfile',
        this.policyConfig.profile.configurationProfileId,
        'APPCONFIG_PROFILE for npm run policy',
      ],
      [
        'AppConfigStrategy',
        this.policyConfig.strategy.deploymentStrategyId,
        'APPCONFIG_STRATEGY for npm run policy',
      ],
      [
        'DashboardUrl',
        `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.observability.dashboard.dashboardName}`,
        'CloudWatch dashboard',
      ],
    ];
    outputs.push(
      ['BreachFunctionArn', breachArn, 'sla-breach, which consumes the timer queue'],
      [
        'SchedulerRoleArn',
        this.schedulerRole.roleArn,
        'The role SLA timers run as (npm run replay -- timers)',
      ],
    );
    for (const [key, value, description] of outputs) new CfnOutput(this, key, { value, description });
  }

  /** Turns what a handler needs into env vars and grants, through the function's `bind*` helpers. */
  private bindNeeds(
    f: LeadclockFunction,
    spec: FunctionSpec,
    timers: TimerBinding,
    props: StatelessStackProps,
  ) {
    const { config, stateful } = props;
    for (const need of spec.needs) {
      switch (need) {
        case 'store':
          f.bindTable(stateful.table, spec.table);
          break;
        case 'timers':
          f.bindTimers(timers, !spec.armsOnly);
          break;
        case 'queue':
          f.bindSyncQueue(stateful.syncQueue);
          break;
        case 'notifier':
          f.bindNotifyTopic(stateful.notifyTopic, stateful.topicKey);
          break;
        case 'hubspot':
          f.bindSecrets(stateful.secret, config.secretsRevision);
          // The whole portal budget: every function and instance draws from one bucket in the table.
          f.bindHubSpot({ baseUrl: config.hubspotBaseUrl, budget: config.hubspotBudget });
          break;
        case 'auth':
          f.bindSecrets(stateful.secret, config.secretsRevision);
          f.bindHttpAuth({
            allowLegacySignatures: config.allowLegacySignatures,
            ingestKeyQueryParam: config.ingestKeyQueryParam,
            publicBaseUrl: config.publicBaseUrl,
          });
          break;
      }
    }
  }
}
