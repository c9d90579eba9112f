/**
 * The whole of leadclock on one machine: dynalite, the Scheduler/SNS/SQS emulators and the HubSpot
 * sandbox, with the real SDK clients and the same use cases the Lambda functions run. Used by the
 * integration tests and `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { setupProperties } from '../../shared/adapters/hubspot/setup.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { readSettings } from '../../shared/app/config.ts';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import type { Clock, Log } from '../../shared/app/ports.ts';
import { buildRuntime, type Runtime } from '../../shared/app/runtime.ts';
import type { Policy } from '../../shared/domain/compile.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { SchedulerEmulator, SnsEmulator, SqsEmulator } from './aws/index.ts';
import { ensureTable, type LocalDynamo, startDynalite } from './dynamo.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from './hubspot/sandbox.ts';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Names the local stack uses, mirroring the CDK stack's. */
export const LOCAL = {
  table: 'leadclock',
  scheduleGroup: 'leadclock',
  breachArn: 'arn:aws:lambda:us-east-1:000000000000:function:leadclock-sla-breach',
  schedulerRole: 'arn:aws:iam::000000000000:role/leadclock-scheduler',
  syncQueue: 'leadclock-crm-sync',
  syncDlq: 'leadclock-crm-sync-dlq',
  scheduleDlq: 'leadclock-schedule-dlq',
  topic: 'leadclock-notifications',
} as const;

/** Options of the local stack. */
export interface LocalStackOptions {
  policy: Policy;
  policyPath?: string;
  /** Keep dynalite's data on disk here. */
  dataDir?: string;
  /** Use a real HubSpot portal instead of the sandbox. */
  hubspotAccessToken?: string;
  hubspotBaseUrl?: string;
  sandbox?: Parameters<typeof startHubSpotSandbox>[0];
  scheduler?: Parameters<typeof SchedulerEmulator.start>[0];
  sns?: Parameters<typeof SnsEmulator.start>[0];
  sqs?: Parameters<typeof SqsEmulator.start>[0];
  /** Start the crm-sync consumer (default true). */
  consumeSync?: boolean;
  syncBatchSize?: number;
  syncVisibilityMs?: number;
  hubspotBudget?: string;
  clock?: Clock;
  log?: Log;
  ingestKey?: string;
  /** A second valid ingest key, as during a rotation (current and previous). */
  previousIngestKey?: string;
  clientSecret?: string;
  /** Accept v1/v2 HubSpot signatures (off by default, as in AWS). */
  allowLegacySignatures?: boolean;
}

/** A running local stack. */
export interface LocalStack {
  rt: Runtime;
  dynamo: LocalDynamo;
  scheduler: SchedulerEmulator;
  sns: SnsEmulator;
  sqs: SqsEmulator;
  sandbox?: HubSpotSandbox;
  topicArn: string;
  ingestKey: string;
  clientSecret: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts everything; `close()` stops it all. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const dynamo = await startDynalite({ path: opts.dataDir });
  const scheduler = await SchedulerEmulator.start(opts.scheduler);
  const sns = await SnsEmulator.start(opts.sns);
  const sqs = await SqsEmulator.start(opts.sqs);
  const owners = ownersOf(opts.policy);
  const sandbox = opts.hubspotAccessToken
    ? undefined
    : await startHubSpotSandbox({ owners, ...opts.sandbox });

  const clients = {
    dynamo: new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS }),
    scheduler: new SchedulerClient({ endpoint: scheduler.url, region: REGION, credentials: CREDENTIALS }),
    sns: new SNSClient({ endpoint: sns.url, region: REGION, credentials: CREDENTIALS }),
    sqs: new SQSClient({ endpoint: sqs.url, region: REGION, credentials: CREDENTIALS }),
  };
  await ensureTable(clients.dynamo, LOCAL.table);
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: LOCAL.scheduleGroup })).catch((e) => {
    if ((e as { name?: string }).name !== 'ConflictException') throw e;
  });
  sqs.createQueue(LOCAL.syncDlq);
  sqs.createQueue(LOCAL.scheduleDlq);
  const queueUrl = sqs.createQueue(LOCAL.syncQueue, {
    attributes: {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArn(LOCAL.syncDlq),
        maxReceiveCount: '5',
      }),
    },
    // Longer than a batch paused by 429s, as AWS requires (visibility ≥ the consumer's timeout).
    visibilityTimeoutMs: opts.syncVisibilityMs ?? 30_000,
  });
  const topicArn = sns.createTopic(LOCAL.topic);
  subscribeManagers(sns, topicArn, opts.policy);

  const ingestKey = opts.ingestKey ?? `lk_${randomBytes(18).toString('base64url')}`;
  const ingestKeys = opts.previousIngestKey ? [ingestKey, opts.previousIngestKey] : [ingestKey];
  const clientSecret = opts.clientSecret ?? randomBytes(18).toString('hex');
  const hubspotBaseUrl = opts.hubspotBaseUrl ?? sandbox?.url ?? 'https://api.hubapi.com';
  const accessToken = opts.hubspotAccessToken ?? (sandbox as HubSpotSandbox).token;
  const env: Record<string, string> = {
    LEADCLOCK_POLICY: opts.policyPath ?? 'config/policy.example.yaml',
    TABLE_NAME: LOCAL.table,
    SCHEDULE_GROUP: LOCAL.scheduleGroup,
    BREACH_TARGET_ARN: LOCAL.breachArn,
    SCHEDULER_ROLE_ARN: LOCAL.schedulerRole,
    SCHEDULER_DLQ_ARN: sqs.queueArn(LOCAL.scheduleDlq),
    SYNC_QUEUE_URL: queueUrl,
    NOTIFY_TOPIC_ARN: topicArn,
    HUBSPOT_BASE_URL: hubspotBaseUrl,
    HUBSPOT_ACCESS_TOKEN: accessToken,
    HUBSPOT_CLIENT_SECRETS: clientSecret,
    INGEST_KEYS: ingestKeys.join(','),
    HUBSPOT_BUDGET: opts.hubspotBudget ?? '150/10s',
    HUBSPOT_TIMEOUT_MS: '3000',
    ALLOW_LEGACY_SIGNATURES: String(opts.allowLegacySignatures ?? false),
  };
  const settings = readSettings(env, ['store', 'timers', 'queue', 'notifier', 'hubspot', 'auth']);
  const rt = buildRuntime(
    settings,
    clients,
    { hubspotAccessToken: accessToken, hubspotClientSecrets: [clientSecret], ingestKeys },
    { policy: opts.policy, clock: opts.clock, log: opts.log },
  );
  await setupProperties(hubspotBaseUrl, accessToken);

  // The Scheduler invokes sla-breach; a throw makes the emulator retry, as the real target would be retried.
  scheduler.registerTarget(LOCAL.breachArn, async (input) => {
    const { leadId, attempt } = JSON.parse(input) as { leadId: string; attempt: number };
    await handleBreach(rt, { leadId, attempt });
  });

  if (opts.consumeSync !== false) {
    sqs.attachConsumer(
      LOCAL.syncQueue,
      async (event) => {
        const failed = await syncBatch(
          rt,
          event.Records.map((r) => ({
            id: r.messageId,
            body: r.body,
            receiveCount: Number(r.attributes.ApproximateReceiveCount ?? 1),
          })),
        );
        return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
      },
      { batchSize: opts.syncBatchSize ?? 100, maxBatchingWindowMs: 200, maxConcurrency: 2 },
    );
  }

  return {
    rt,
    dynamo,
    scheduler,
    sns,
    sqs,
    sandbox,
    topicArn,
    ingestKey,
    clientSecret,
    env,
    async close() {
      // Let a running batch finish first: closing HubSpot under it would only make it retry against a dead socket.
      await sqs.stopConsumers();
      await Promise.allSettled([scheduler.close(), sns.close(), sqs.close(), sandbox?.close()]);
      for (const c of Object.values(clients)) c.destroy();
      await dynamo.close();
    },
  };
}

/** HubSpot owners for the sandbox: every member and queue owner of the policy. */
export function ownersOf(
  policy: Policy,
): { id: string; email: string; firstName: string; lastName: string }[] {
  const seen = new Map<string, { id: string; email: string; firstName: string; lastName: string }>();
  for (const team of policy.teams.values()) {
    for (const m of team.members) {
      const [firstName = m.name, ...rest] = m.name.split(' ');
      seen.set(m.ownerId, {
        id: m.ownerId,
        email: m.email ?? `owner-${m.ownerId}@example.com`,
        firstName,
        lastName: rest.join(' ') || '-',
      });
    }
  }
  for (const q of policy.queues.values()) {
    if (q.ownerId && !seen.has(q.ownerId))
      seen.set(q.ownerId, {
        id: q.ownerId,
        email: `queue-${q.id}@example.com`,
        firstName: q.label,
        lastName: 'queue',
      });
  }
  return [...seen.values()];
}

/** The subscriptions the CDK stack creates, on the SNS emulator. */
function subscribeManagers(sns: SnsEmulator, topicArn: string, policy: Policy): void {
  for (const sub of subscriptionsOf(policy)) {
    sns.subscribe(topicArn, {
      protocol: sub.protocol,
      endpoint: sub.endpoint,
      filterPolicy: JSON.stringify(sub.filterPolicy),
    });
  }
}
