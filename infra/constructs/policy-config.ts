/**
 * The policy as versioned run-time configuration in AWS AppConfig: an application, an environment whose
 * monitors are the project's alarms (a deployment that sets one off is rolled back), a hosted
 * configuration profile validated by leadclock's own `validatePolicy` (a Lambda validator), a deployment
 * strategy that applies a version at once and then bakes while the alarms watch, and the first version
 * (the policy YAML of the deploy, precompiled). Functions read it by name through the AppConfig data API
 * (shared/adapters/appconfig-policy.ts), so a published version needs no redeploy.
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-configuration-and-profile-validators.html
 * https://docs.aws.amazon.com/appconfig/latest/userguide/monitoring-deployments.html
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Application,
  ConfigurationContent,
  DeploymentStrategy,
  Environment,
  HostedConfiguration,
  LambdaValidator,
  Monitor,
  RolloutStrategy,
} from 'aws-cdk-lib/aws-appconfig';
import { AlarmRule, AlarmState, CompositeAlarm, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LeadclockFunction, precompiledPolicy } from './leadclock-function.ts';

/** Properties of the policy configuration. */
export interface PolicyConfigProps {
  /** The policy YAML of this deploy: the first version. */
  policyPath: string;
  logRetention: RetentionDays;
  /** Alarms that roll a deployment back. */
  alarms: readonly IAlarm[];
  /** How long a deployed version is watched before it is final. @default 10 minutes */
  bakeTime?: Duration;
}

/** Names functions use to read the profile (names, not ids: an id would tie every function to the alarms that watch it, a cycle). */
export interface PolicyConfigNames {
  application: string;
  environment: string;
  profile: string;
}

/** See the module comment. */
export class PolicyConfig extends Construct {
  readonly application: Application;
  readonly environment: Environment;
  readonly profile: HostedConfiguration;
  readonly strategy: DeploymentStrategy;
  readonly validator: LeadclockFunction;
  readonly names: PolicyConfigNames;
  /** Any of the project's alarms: the one monitor of the environment (AppConfig allows five per environment). */
  readonly rollbackAlarm: CompositeAlarm;

  constructor(scope: Construct, id: string, props: PolicyConfigProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.names = { application: `${stackName}-policy`, environment: 'live', profile: 'policy' };
    this.application = new Application(this, 'Application', {
      applicationName: this.names.application,
      description: 'leadclock: the routing and SLA policy as run-time configuration',
    });
    this.rollbackAlarm = new CompositeAlarm(this, 'RollbackAlarm', {
      alarmDescription:
        'Any leadclock alarm: while a policy version bakes, this alarm rolls the deployment back to the previous version',
      alarmRule: AlarmRule.anyOf(...props.alarms.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM))),
    });
    // AppConfig reads the alarm's state with this role (cloudwatch:DescribeAlarms on that alarm only).
    const monitorRole = new Role(this, 'MonitorRole', {
      assumedBy: new ServicePrincipal('appconfig.amazonaws.com'),
      description: 'AWS AppConfig reads the leadclock rollback alarm during a policy deployment',
    });
    monitorRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [this.rollbackAlarm.alarmArn],
      }),
    );
    this.environment = new Environment(this, 'Environment', {
      application: this.application,
      environmentName: this.names.environment,
      description: 'The policy the functions run on; a deployment that sets off an alarm is rolled back',
      monitors: [Monitor.fromCloudWatchAlarm(this.rollbackAlarm, monitorRole)],
    });
    this.strategy = new DeploymentStrategy(this, 'Strategy', {
      deploymentStrategyName: `${stackName}-policy-at-once-then-bake`,
      description: 'All at once (functions pick it up within their cache age), then watched by the alarms',
      rolloutStrategy: RolloutStrategy.linear({
        growthFactor: 100,
        deploymentDuration: Duration.minutes(0),
        finalBakeTime: props.bakeTime ?? Duration.minutes(10),
      }),
    });
    this.validator = new LeadclockFunction(this, 'Validator', {
      entry: 'functions/policy-validator/handler.ts',
      description: 'leadclock AppConfig validator: validatePolicy on every new policy version',
      policyPath: props.policyPath,
      logRetention: props.logRetention,
      timeout: Duration.seconds(15),
    });
    this.profile = new HostedConfiguration(this, 'Profile', {
      application: this.application,
      name: this.names.profile,
      description: 'The precompiled leadclock policy (npm run policy -- publish)',
      content: ConfigurationContent.fromInlineJson(precompiledPolicy(props.policyPath)),
      validators: [LambdaValidator.fromFunction(this.validator.fn)],
      deploymentStrategy: this.strategy,
      deployTo: [this.environment],
    });
  }

  /**
   * Lets `f` read the profile: the names in its environment, and the two AppConfig data actions on this
   * configuration only. The grant is a separate policy: the function does not wait on it, so the alarms
   * that watch the function can watch its configuration too.
   */
  grantRead(f: LeadclockFunction, maxAgeSeconds = 30): void {
    f.setEnvironment({
      APPCONFIG_APPLICATION: this.names.application,
      APPCONFIG_ENVIRONMENT: this.names.environment,
      APPCONFIG_PROFILE: this.names.profile,
      APPCONFIG_MAX_AGE_SECONDS: String(maxAgeSeconds),
    });
    const stack = Stack.of(this);
    new Policy(f, 'ReadPolicyConfig', {
      roles: [f.role],
      statements: [
        new PolicyStatement({
          actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
          resources: [
            stack.formatArn({
              service: 'appconfig',
              resource: 'application',
              resourceName: `${this.application.applicationId}/environment/${this.environment.environmentId}/configuration/${this.profile.configurationProfileId}`,
            }),
          ],
        }),
      ],
    });
  }
}
