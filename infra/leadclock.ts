/** The leadclock CDK app: settings and policy from context, the two stacks, and cdk-nag over everything. */
import { Annotations, type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeployConfig, deployConfig, rawSettings } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** The stacks of one leadclock installation. */
export interface Leadclock {
  config: DeployConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/**
 * Adds leadclock to `app`. Throws DeployConfigError or PolicyError (every problem listed) before any
 * construct exists. Stacks are environment-agnostic unless `leadclock:account` / `leadclock:region` are set.
 */
export function buildLeadclock(app: App): Leadclock {
  const config = deployConfig(rawSettings(app.node));
  const env =
    config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const stateful = new StatefulStack(app, `${config.stackPrefix}-Stateful`, {
    env,
    description: 'leadclock: table, queues, topics, secret and schedule group (retained on delete)',
    config,
  });
  const stateless = new StatelessStack(app, `${config.stackPrefix}-Stateless`, {
    env,
    description: 'leadclock: functions, HTTP API, timers role, schedules, subscriptions, alarms, dashboard',
    config,
    stateful,
  });
  // Said where the operator looks: the terminal of `cdk deploy`, and the stack's annotations.
  for (const w of config.warnings) {
    console.warn(`WARNING ${w}`);
    Annotations.of(stateless).addWarningV2('leadclock:settings', w);
  }
  Tags.of(app).add('app', 'leadclock');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, stateful, stateless };
}
