/**
 * Wiring: the adapters behind each port, built once per process from validated settings. Handlers call
 * `runtimeFromEnv` at cold start; the local runtime and the tests call `buildRuntime` with their own clients.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoLeadStore } from '../adapters/dynamodb-store.ts';
import { HubSpotCrm } from '../adapters/hubspot/crm.ts';
import { type PacingStats, parseBudget, RequestBudget } from '../adapters/hubspot/pacing.ts';
import { SchedulerTimers } from '../adapters/scheduler-timers.ts';
import { SnsNotifier } from '../adapters/sns-notifier.ts';
import { SqsSyncQueue } from '../adapters/sqs-sync-queue.ts';
import type { Policy } from '../domain/compile.ts';
import type { AuthConfig } from '../http/auth.ts';
import {
  type Need,
  parseSecretJson,
  readPolicy,
  readSettings,
  type Secrets,
  type Settings,
  secretsFromEnv,
} from './config.ts';
import { log as defaultLog } from './logging.ts';
import {
  type Clock,
  type Crm,
  type LeadStore,
  type Log,
  type Notifier,
  type SyncQueue,
  systemClock,
  type Timers,
} from './ports.ts';

/** Everything a use case may need. Ports a function did not ask for throw when used. */
export interface Runtime {
  policy: Policy;
  store: DynamoLeadStore & LeadStore;
  timers: Timers;
  queue: SyncQueue;
  notifier: Notifier;
  crm: Crm;
  clock: Clock;
  log: Log;
  auth: AuthConfig;
  hubspotAppUrl?: string;
  hubspotStats: PacingStats;
}

/** AWS clients, one each per process. */
export interface AwsClients {
  dynamo: DynamoDBClient;
  scheduler: SchedulerClient;
  sns: SNSClient;
  sqs: SQSClient;
}

function missing<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`${what} is not configured for this function`);
    },
  });
}

/** Builds the runtime from settings, clients and secrets. */
export function buildRuntime(
  s: Settings,
  clients: AwsClients,
  secrets: Secrets,
  opts: { clock?: Clock; log?: Log; policy?: Policy } = {},
): Runtime {
  const policy = opts.policy ?? readPolicy(s.LEADCLOCK_POLICY);
  const { max, intervalMs } = parseBudget(s.HUBSPOT_BUDGET);
  const hubspotStats: PacingStats = { requests: 0, rateLimited: 0, retries: 0, failures: 0 };
  return {
    policy,
    store: s.TABLE_NAME ? new DynamoLeadStore(clients.dynamo, s.TABLE_NAME) : missing('TABLE_NAME'),
    timers:
      s.SCHEDULE_GROUP && s.BREACH_TARGET_ARN && s.SCHEDULER_ROLE_ARN
        ? new SchedulerTimers(clients.scheduler, {
            groupName: s.SCHEDULE_GROUP,
            targetArn: s.BREACH_TARGET_ARN,
            roleArn: s.SCHEDULER_ROLE_ARN,
            deadLetterArn: s.SCHEDULER_DLQ_ARN,
          })
        : missing('the Scheduler'),
    queue: s.SYNC_QUEUE_URL ? new SqsSyncQueue(clients.sqs, s.SYNC_QUEUE_URL) : missing('SYNC_QUEUE_URL'),
    notifier: s.NOTIFY_TOPIC_ARN
      ? new SnsNotifier(clients.sns, s.NOTIFY_TOPIC_ARN)
      : missing('NOTIFY_TOPIC_ARN'),
    crm: secrets.hubspotAccessToken
      ? new HubSpotCrm({
          baseUrl: s.HUBSPOT_BASE_URL,
          accessToken: secrets.hubspotAccessToken,
          pacing: {
            budget: new RequestBudget(max, intervalMs),
            timeoutMs: s.HUBSPOT_TIMEOUT_MS,
            stats: hubspotStats,
          },
        })
      : missing('HubSpot (HUBSPOT_ACCESS_TOKEN)'),
    clock: opts.clock ?? systemClock,
    log: opts.log ?? defaultLog,
    auth: {
      clientSecrets: secrets.hubspotClientSecrets,
      ingestKeys: secrets.ingestKeys,
      allowLegacySignatures: s.ALLOW_LEGACY_SIGNATURES,
      queryKeyParam: s.INGEST_KEY_QUERY_PARAM,
      publicBaseUrl: s.PUBLIC_BASE_URL,
    },
    hubspotAppUrl: s.HUBSPOT_PORTAL_ID
      ? `https://app.hubspot.com/contacts/${s.HUBSPOT_PORTAL_ID}`
      : undefined,
    hubspotStats,
  };
}

/** AWS clients from the standard environment (region, credentials, `AWS_ENDPOINT_URL_*` overrides for local runs). */
export function awsClients(): AwsClients {
  return {
    dynamo: new DynamoDBClient({}),
    scheduler: new SchedulerClient({}),
    sns: new SNSClient({}),
    sqs: new SQSClient({}),
  };
}

/** Cold start: validate the environment and the policy, fetch secrets, build the runtime. Throws with every problem named. */
export async function runtimeFromEnv(
  needs: readonly Need[],
  env: Record<string, string | undefined> = process.env,
): Promise<Runtime> {
  const s = readSettings(env, needs);
  const secrets = s.SECRETS_ARN ? await fetchSecrets(s.SECRETS_ARN) : secretsFromEnv(s);
  return buildRuntime(s, awsClients(), secrets);
}

async function fetchSecrets(arn: string): Promise<Secrets> {
  const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  return parseSecretJson(r.SecretString ?? '{}');
}
