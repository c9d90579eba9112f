/**
 * The one construct every leadclock function is built with: Node 24 on ARM64, an esbuild ESM bundle
 * (no Docker) that carries the policy precompiled, a log group with retention, X-Ray tracing, its own
 * role with nothing attached, and `bind*` helpers that set an environment variable and grant exactly what
 * it implies in one call.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INDEXES } from '../../shared/adapters/table.ts';
import { parsePolicy } from '../../shared/domain/policy.ts';
import { precompiledPolicyJson } from '../../shared/domain/policy-json.ts';
import { shadowed } from '../config.ts';

/** Project root: entries, the lockfile and node_modules are resolved from here. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/**
 * File name of the policy inside every bundle; `LEADCLOCK_POLICY` is relative to Lambda's cwd (/var/task).
 * It is the policy validated at synth, defaults applied, as JSON: a cold start neither parses YAML nor
 * loads the schema (about 550 KB of bundle and 50 ms of init less).
 */
export const BUNDLED_POLICY = 'policy.json';

const precompiled = new Map<string, string>();

/**
 * The precompiled policy file for the YAML at `policyPath` (forced into shadow mode when `shadow`);
 * throws PolicyError naming every problem.
 */
export function precompiledPolicy(policyPath: string, shadow = false): string {
  const text = readFileSync(policyPath, 'utf8');
  const key = `${shadow}\n${policyPath}\n${text}`;
  let json = precompiled.get(key);
  if (json === undefined) {
    const doc = parsePolicy(text, policyPath);
    json = precompiledPolicyJson(shadow ? shadowed(doc) : doc, basename(policyPath));
    precompiled.set(key, json);
  }
  return json;
}

/** The stub bundles use in place of form-data (shared/adapters/hubspot/no-form-data.cjs). */
export const FORM_DATA_STUB = fileURLToPath(
  new URL('../../shared/adapters/hubspot/no-form-data.cjs', import.meta.url),
);

/** ESM output still meets CommonJS dependencies that call `require` (e.g. for Node built-ins). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * esbuild options shared by the construct and the bundle bench, so the bench measures what ships.
 * `@aws-sdk/*` stays external: Lambda's Node.js runtime provides SDK v3, and bundling it added about
 * 400 KB per function without a faster import when measured (test/bench/bundles.ts).
 */
export const ESBUILD_OPTIONS = {
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: ['@aws-sdk/*'],
  /** @hubspot/api-client pulls in form-data and mime-db (140 KB) for uploads leadclock never makes. */
  alias: { 'form-data': FORM_DATA_STUB },
} as const;

/** Table access a function gets: `readWriteDelete` only for the functions that release leases (`store.forget`). */
export type TableAccess = 'read' | 'readWrite' | 'readWriteDelete';

const READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/** DynamoDB actions per access level: what the store adapters send, nothing else. */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: READS,
  // BatchWriteItem: the routing audit log's search terms, one batch per capture (shared/adapters/dynamodb-audit.ts).
  readWrite: [...READS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  readWriteDelete: [
    ...READS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
  ],
};

/** Of those, the ones an index supports: a GSI is read, never written. */
export const INDEX_ACTIONS = new Set<string>(['dynamodb:Query']);

/** Scheduler actions a timer-arming function needs (the SchedulerTimers adapter's `arm`). */
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'] as const;
/** And the one its `cancel` sends (lead events: a first touch cancels the timer). */
export const CANCEL_SCHEDULE_ACTION = 'scheduler:DeleteSchedule';

/** Where the SLA timers live and what they invoke. */
export interface TimerBinding {
  /** Schedule group name; permissions cover `schedule/<group>/*` only. */
  groupName: string;
  /** What the timers deliver to: the timer queue's ARN (Scheduler's SQS SendMessage target). */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the target; the only role this function may pass. */
  role: IRole;
  /** Where Scheduler sends invocations it could not deliver. */
  deadLetterQueue: IQueue;
}

/** HubSpot client settings. */
export interface HubSpotSettings {
  baseUrl: string;
  /** Requests per interval for this function's process, e.g. `150/10s`. */
  budget: string;
}

/** HTTP authentication settings. */
export interface HttpAuthSettings {
  allowLegacySignatures: boolean;
  ingestKeyQueryParam: string;
  /** The public base URL HubSpot signs, when it is not the execute-api URL (custom domain, proxy). */
  publicBaseUrl?: string;
}

/** Properties of a leadclock function. */
export interface LeadclockFunctionProps {
  /** Handler module relative to the project root, exporting `handler`, e.g. `functions/capture-lead/handler.ts`. */
  entry: string;
  description: string;
  /** Absolute path of the policy YAML; the bundle carries it validated and precompiled (BUNDLED_POLICY). */
  policyPath: string;
  /** Ship the policy in shadow mode whatever it says (the example policy). */
  shadow?: boolean;
  logRetention: RetentionDays;
  /** @default 512 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  /** Physical name, only for a function that must know its own ARN (the breach target). */
  functionName?: string;
  /** Variables every function of the app shares (service name, portal id …). */
  environment?: Record<string, string>;
  /** Most instances at once (reserved concurrency); none reserved by default. */
  reservedConcurrentExecutions?: number;
}

/** A leadclock Lambda function; see the module comment. */
export class LeadclockFunction extends Construct {
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** Its execution role: log writing, tracing, and whatever the `bind*` helpers grant. */
  readonly role: Role;
  /** Its log group (retained on delete, like any other data). */
  readonly logGroup: LogGroup;
  readonly #env = new Map<string, string>();

  constructor(scope: Construct, id: string, props: LeadclockFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): write to this group only.
    this.logGroup.grantWrite(this.role);
    const policyJson = precompiledPolicy(props.policyPath, props.shadow);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}/${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      functionName: props.functionName,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: ESBUILD_OPTIONS.target,
        minify: ESBUILD_OPTIONS.minify,
        sourceMap: ESBUILD_OPTIONS.sourcemap,
        sourcesContent: ESBUILD_OPTIONS.sourcesContent,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        banner: ESBUILD_OPTIONS.banner,
        externalModules: [...ESBUILD_OPTIONS.external],
        esbuildArgs: { '--alias:form-data': ESBUILD_OPTIONS.alias['form-data'] },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [
            `printf '%s' ${shellQuote(policyJson)} > ${shellQuote(`${output}/${BUNDLED_POLICY}`)}`,
          ],
        },
      },
    });
    this.setEnvironment({
      ...props.environment,
      LEADCLOCK_POLICY: BUNDLED_POLICY,
      NODE_OPTIONS: '--enable-source-maps',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*".',
    });
  }

  /** The environment set so far, for tests and reviews. */
  get environment(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.#env);
  }

  /** Adds variables; a variable already set to a different value is a wiring mistake and throws. */
  setEnvironment(vars: Record<string, string | undefined>): this {
    for (const [key, value] of Object.entries(vars)) {
      if (value === undefined) continue;
      const had = this.#env.get(key);
      if (had !== undefined && had !== value)
        throw new Error(`${this.node.path}: ${key} is already set to a different value; bind it once`);
      if (had === undefined) {
        this.#env.set(key, value);
        this.fn.addEnvironment(key, value);
      }
    }
    return this;
  }

  /** TABLE_NAME + the DynamoDB actions of `access` on the table, and Query on its indexes, nothing wider. */
  bindTable(table: ITableV2, access: TableAccess): this {
    this.setEnvironment({ TABLE_NAME: table.tableName });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [table.tableArn] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: TABLE_ACTIONS[access].filter((a) => INDEX_ACTIONS.has(a)),
        resources: Object.values(INDEXES).map((i) => `${table.tableArn}/index/${i.name}`),
      }),
    );
    return this;
  }

  /**
   * SCHEDULE_GROUP, BREACH_TARGET_ARN, SCHEDULER_ROLE_ARN, SCHEDULER_DLQ_ARN + creating and updating
   * schedules in the group (deleting them too when `cancels`) and PassRole of that one role.
   */
  bindTimers(t: TimerBinding, cancels = true): this {
    this.setEnvironment({
      SCHEDULE_GROUP: t.groupName,
      BREACH_TARGET_ARN: t.targetArn,
      SCHEDULER_ROLE_ARN: t.role.roleArn,
      SCHEDULER_DLQ_ARN: t.deadLetterQueue.queueArn,
    });
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${t.groupName}/*`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...SCHEDULE_ACTIONS, ...(cancels ? [CANCEL_SCHEDULE_ACTION] : [])],
        resources: [schedules],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [t.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    // cdk-nag names the finding by the resource as synthesised: pseudo parameters, or the concrete
    // account and region of an environment-bound stack.
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${region}:${account}:schedule/${t.groupName}/*]`,
      reason: `Schedules are created at run time, one per lead and attempt (lc-<leadId>-<attempt>), so their names are unknown at deploy time; access is confined to the ${t.groupName} schedule group.`,
    });
    return this;
  }

  /** SYNC_QUEUE_URL + sqs:SendMessage (which also covers SendMessageBatch) on that queue. */
  bindSyncQueue(queue: IQueue): this {
    this.setEnvironment({ SYNC_QUEUE_URL: queue.queueUrl });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    return this;
  }

  /** NOTIFY_TOPIC_ARN + sns:Publish on the topic, and the data-key use SNS needs on its KMS key. */
  bindNotifyTopic(topic: ITopic, key: IKey): this {
    this.setEnvironment({ NOTIFY_TOPIC_ARN: topic.topicArn });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
    );
    return this;
  }

  /**
   * SECRETS_ARN + secretsmanager:GetSecretValue on that one secret. Functions read it once per cold start;
   * a new `revision` (SECRETS_REVISION) changes the configuration, so every warm instance is replaced.
   */
  bindSecrets(secret: ISecret, revision?: string): this {
    if (this.#env.get('SECRETS_ARN') === secret.secretArn) return this;
    this.setEnvironment({ SECRETS_ARN: secret.secretArn, SECRETS_REVISION: revision });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    return this;
  }

  /** HUBSPOT_BASE_URL and HUBSPOT_BUDGET; the token itself comes from the secret. */
  bindHubSpot(s: HubSpotSettings): this {
    return this.setEnvironment({ HUBSPOT_BASE_URL: s.baseUrl, HUBSPOT_BUDGET: s.budget });
  }

  /** ALLOW_LEGACY_SIGNATURES, INGEST_KEY_QUERY_PARAM and PUBLIC_BASE_URL; the keys come from the secret. */
  bindHttpAuth(s: HttpAuthSettings): this {
    return this.setEnvironment({
      ALLOW_LEGACY_SIGNATURES: String(s.allowLegacySignatures),
      INGEST_KEY_QUERY_PARAM: s.ingestKeyQueryParam,
      PUBLIC_BASE_URL: s.publicBaseUrl,
    });
  }

  /** Consumes `queue` in batches, reporting failed items only (the SQS event source grants receive/delete). */
  consumeQueue(
    queue: IQueue,
    opts: { batchSize: number; maxBatchingWindow: Duration; maxConcurrency: number },
  ): this {
    this.fn.addEventSource(new SqsEventSource(queue, { ...opts, reportBatchItemFailures: true }));
    return this;
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
