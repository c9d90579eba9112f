/**
 * The whole of leadclock on one machine: dynalite, the Scheduler/SNS/SQS emulators and the HubSpot
 * sandbox, with the real SDK clients and the same use cases the Lambda functions run. Used by the
 * integration tests and `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { setupProperties } from '../../shared/adapters/hubspot/setup.ts';
import { SchedulerTimers } from '../../shared/adapters/scheduler-timers.ts';
import { handleBreachMessages } from '../../shared/app/breach.ts';
import type { Clock, Log, PolicySource } from '../../shared/app/ports.ts';
import type { Policy } from '../../shared/domain/compile.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { buildRuntime, type Runtime } from '../../shared/wiring/build.ts';
import { readSettings } from '../../shared/wiring/config.ts';
import { SchedulerEmulator, SnsEmulator, SqsEmulator } from './aws/index.ts';
import type { SqsBatchResponse, SqsEventRecord } from './aws/sqs.ts';
import { ensureTable, type LocalDynamo, startDynalite } from './dynamo.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from './hubspot/sandbox.ts';
import { type SyncThreadData, type SyncThreadMessage, syncConsumer } from './sync-consumer.ts';

/** crm-sync as the SQS trigger invokes it (defined beside the thread's messages; re-exported for callers of the stack). */
export { syncConsumer };

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Names the local stack uses, mirroring the CDK stack's. */
export const LOCAL = {
  table: 'leadclock',
  scheduleGroup: 'leadclock',
  breachArn: 'arn:aws:lambda:us-east-1:000000000000:function:leadclock-sla-breach',
  schedulerRole: 'arn:aws:iam::000000000000:role/leadclock-scheduler',
  syncQueue: 'leadclock-crm-sync',
  timerQueue: 'leadclock-timers',
  syncDlq: 'leadclock-crm-sync-dlq',
  scheduleDlq: 'leadclock-schedule-dlq',
  topic: 'leadclock-notifications',
  smsDeliveryStatusRole: 'arn:aws:iam::000000000000:role/leadclock-sms-delivery-status',
} as const;

/** Options of the local stack. */
export interface LocalStackOptions {
  policy: Policy;
  /** Where the runtime reads the policy on each use (the watched file of `npm start`); `policy` otherwise. */
  policySource?: PolicySource;
  policyPath?: string;
  /** Keep dynalite's data on disk here. */
  dataDir?: string;
  /** Run dynalite on its own thread (benchmarks: the database's CPU is not leadclock's). */
  dynamoThread?: boolean;
  /** Use a real HubSpot portal instead of the sandbox. */
  hubspotAccessToken?: string;
  hubspotBaseUrl?: string;
  sandbox?: Parameters<typeof startHubSpotSandbox>[0];
  scheduler?: Parameters<typeof SchedulerEmulator.start>[0];
  sns?: Parameters<typeof SnsEmulator.start>[0];
  sqs?: Parameters<typeof SqsEmulator.start>[0];
  /** Start the crm-sync consumer (default true). */
  consumeSync?: boolean;
  /**
   * Run crm-sync on its own thread, as its own Lambda (benchmarks: capture and sync then do not queue on
   * one event loop). The thread reads the policy file and runs on the system clock unless `fixedNow`.
   */
  syncThread?: { fixedNow?: number };
  syncBatchSize?: number;
  /** crm-sync's batching window (default 200 ms; the CDK stack's event source waits up to 5 s). */
  syncBatchingWindowMs?: number;
  syncVisibilityMs?: number;
  /** sla-breach's batching window on the timer queue (default 50 ms; the CDK stack's event source waits up to 2 s). */
  breachBatchingWindowMs?: number;
  /** Breach batches at once (default 4, BREACH_MAX_CONCURRENCY). */
  breachConcurrency?: number;
  /** The timer queue's visibility timeout: when a failed breach is delivered again (default 30 s; AWS: 6 min). */
  breachVisibilityMs?: number;
  /** Start the sla-breach consumer of the timer queue (default true). */
  consumeBreaches?: boolean;
  /** crm-sync's task lease; by default just under the sync queue's visibility timeout, as in AWS. */
  taskLeaseSeconds?: number;
  hubspotBudget?: string;
  /** HubSpot call timeout (default 3000 ms). */
  hubspotTimeoutMs?: number;
  clock?: Clock;
  log?: Log;
  /** Called with the stack's DynamoDB client before first use (the capacity bench adds its meter). */
  instrumentDynamo?: (client: DynamoDBClient) => void;
  ingestKey?: string;
  /** A second valid ingest key, as during a rotation (current and previous). */
  previousIngestKey?: string;
  /** Keys that read (board, leads, reports) and that also change things (events, availability, policy); random when omitted. */
  viewerKey?: string;
  adminKey?: string;
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
  /** The task lease the stack's crm-sync consumer uses. */
  taskLeaseSeconds: number;
  ingestKey: string;
  viewerKey: string;
  adminKey: string;
  clientSecret: string;
  env: Record<string, string>;
  /** Resolves once every fired timer has been delivered to the timer queue and sla-breach has handled it. */
  timersSettled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts everything; `close()` stops it all. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const dynamo = await startDynalite({ path: opts.dataDir, thread: opts.dynamoThread });
  const scheduler = await SchedulerEmulator.start(opts.scheduler);
  const sns = await SnsEmulator.start(opts.sns);
  // The local account is one set up as README's deploy steps leave a real one: SMS production access
  // (out of the sandbox) and delivery-status logging on. The spend limit stays at AWS's default (1 USD).
  sns.setSms({
    inSandbox: false,
    attributes: {
      DeliveryStatusIAMRole: LOCAL.smsDeliveryStatusRole,
      DeliveryStatusSuccessSamplingRate: '100',
    },
  });
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
  opts.instrumentDynamo?.(clients.dynamo);
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: LOCAL.scheduleGroup })).catch((e) => {
    if ((e as { name?: string }).name !== 'ConflictException') throw e;
  });
  sqs.createQueue(LOCAL.syncDlq);
  sqs.createQueue(LOCAL.scheduleDlq);
  const syncVisibilityMs = opts.syncVisibilityMs ?? 30_000;
  // A dead worker's lease must end before its messages come back: with the 120 s default and 30 s × 5
  // receives, every redelivery found it held and the message went to the DLQ (AWS: 360 s visibility).
  const taskLeaseSeconds = opts.taskLeaseSeconds ?? Math.max(1, Math.floor((syncVisibilityMs * 0.8) / 1000));
  const queueUrl = sqs.createQueue(LOCAL.syncQueue, {
    attributes: {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArn(LOCAL.syncDlq),
        maxReceiveCount: '5',
      }),
    },
    // Longer than a batch paused by 429s, as AWS requires (visibility ≥ the consumer's timeout).
    visibilityTimeoutMs: syncVisibilityMs,
  });
  // The SLA timers' target (Scheduler's SQS SendMessage target), as in the CDK stack: redriven to the timer DLQ.
  sqs.createQueue(LOCAL.timerQueue, {
    attributes: {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArn(LOCAL.scheduleDlq),
        maxReceiveCount: '10',
      }),
    },
    // Longer than a batch retrying through HubSpot failures, or a running batch is delivered twice.
    visibilityTimeoutMs: opts.breachVisibilityMs ?? 30_000,
  });
  const timerQueueArn = sqs.queueArn(LOCAL.timerQueue);
  const topicArn = sns.createTopic(LOCAL.topic);
  subscribeManagers(sns, topicArn, opts.policy);
  subscribeChat(sns, topicArn, opts.log);

  const ingestKey = opts.ingestKey ?? `lk_${randomBytes(18).toString('base64url')}`;
  const ingestKeys = opts.previousIngestKey ? [ingestKey, opts.previousIngestKey] : [ingestKey];
  const viewerKey = opts.viewerKey ?? `lkv_${randomBytes(18).toString('base64url')}`;
  const adminKey = opts.adminKey ?? `lka_${randomBytes(18).toString('base64url')}`;
  const clientSecret = opts.clientSecret ?? randomBytes(18).toString('hex');
  const hubspotBaseUrl = opts.hubspotBaseUrl ?? sandbox?.url ?? 'https://api.hubapi.com';
  const accessToken = opts.hubspotAccessToken ?? (sandbox as HubSpotSandbox).token;
  const env: Record<string, string> = {
    LEADCLOCK_POLICY: opts.policyPath ?? 'config/policy.example.yaml',
    TABLE_NAME: LOCAL.table,
    SCHEDULE_GROUP: LOCAL.scheduleGroup,
    BREACH_TARGET_ARN: timerQueueArn,
    SCHEDULER_ROLE_ARN: LOCAL.schedulerRole,
    SCHEDULER_DLQ_ARN: sqs.queueArn(LOCAL.scheduleDlq),
    SYNC_QUEUE_URL: queueUrl,
    NOTIFY_TOPIC_ARN: topicArn,
    HUBSPOT_BASE_URL: hubspotBaseUrl,
    HUBSPOT_ACCESS_TOKEN: accessToken,
    HUBSPOT_CLIENT_SECRETS: clientSecret,
    INGEST_KEYS: ingestKeys.join(','),
    VIEWER_KEYS: viewerKey,
    ADMIN_KEYS: adminKey,
    HUBSPOT_BUDGET: opts.hubspotBudget ?? '150/10s',
    HUBSPOT_TIMEOUT_MS: String(opts.hubspotTimeoutMs ?? 3000),
    ALLOW_LEGACY_SIGNATURES: String(opts.allowLegacySignatures ?? false),
  };
  const settings = readSettings(env, ['store', 'timers', 'queue', 'notifier', 'hubspot', 'auth']);
  const rt = buildRuntime(
    settings,
    clients,
    {
      hubspotAccessToken: accessToken,
      hubspotClientSecrets: [clientSecret],
      ingestKeys,
      viewerKeys: [viewerKey],
      adminKeys: [adminKey],
    },
    { policy: opts.policy, policySource: opts.policySource, clock: opts.clock, log: opts.log },
  );
  const precisionMs = opts.scheduler?.precisionMs;
  if (precisionMs !== undefined && precisionMs !== 60_000) {
    // A scaled-down minute (second-long SLA demos and tests): timers round up to it as they do to AWS's minute.
    rt.timers = new SchedulerTimers(clients.scheduler, {
      groupName: LOCAL.scheduleGroup,
      targetArn: timerQueueArn,
      roleArn: LOCAL.schedulerRole,
      deadLetterArn: env.SCHEDULER_DLQ_ARN,
      precisionMs,
    });
  }
  await setupProperties(hubspotBaseUrl, accessToken);

  // A fired timer is sent to the timer queue (the Scheduler's templated SQS target: its Input becomes the
  // message body); sla-breach consumes the queue in batches. A timer armed at sla-breach itself (the
  // function ARN, as before the timer queue) still runs it directly.
  // A failed breach run's timer comes back after one (possibly scaled-down) Scheduler minute.
  const retryAfterMs = precisionMs ?? 60_000;
  scheduler.registerTarget(timerQueueArn, (input) => {
    sqs.send(LOCAL.timerQueue, input);
  });
  scheduler.registerTarget(LOCAL.breachArn, async (input) => {
    const failed = await handleBreachMessages(rt, [{ id: 'direct', body: input }], { retryAfterMs });
    if (failed.length) throw new Error('sla-breach failed; the Scheduler retries');
  });
  if (opts.consumeBreaches !== false) {
    sqs.attachConsumer(
      LOCAL.timerQueue,
      async (event) => {
        const failed = await handleBreachMessages(
          rt,
          event.Records.map((r) => ({ id: r.messageId, body: r.body })),
          { retryAfterMs },
        );
        return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
      },
      {
        batchSize: 100,
        maxBatchingWindowMs: opts.breachBatchingWindowMs ?? 50,
        maxConcurrency: opts.breachConcurrency ?? 4,
      },
    );
  }

  let syncThread: Worker | undefined;
  if (opts.consumeSync !== false) {
    let handler = syncConsumer(rt, taskLeaseSeconds);
    if (opts.syncThread) {
      syncThread = new Worker(new URL('./sync-thread.ts', import.meta.url), {
        workerData: {
          env,
          endpoints: { dynamo: dynamo.endpoint, scheduler: scheduler.url, sns: sns.url, sqs: sqs.url },
          taskLeaseSeconds,
          fixedNow: opts.syncThread.fixedNow,
        } satisfies SyncThreadData,
      });
      handler = threadHandler(syncThread, rt.log);
    }
    sqs.attachConsumer(LOCAL.syncQueue, handler, {
      batchSize: opts.syncBatchSize ?? 100,
      maxBatchingWindowMs: opts.syncBatchingWindowMs ?? 200,
      maxConcurrency: 2,
    });
  }

  return {
    rt,
    dynamo,
    scheduler,
    sns,
    sqs,
    sandbox,
    topicArn,
    taskLeaseSeconds,
    ingestKey,
    viewerKey,
    adminKey,
    clientSecret,
    env,
    async timersSettled(timeoutMs = 30_000) {
      await scheduler.settled();
      await sqs.drain(timeoutMs, [LOCAL.timerQueue]);
    },
    async close() {
      // Let a running batch finish first: closing HubSpot under it would only make it retry against a dead socket.
      await sqs.stopConsumers();
      await syncThread?.terminate();
      await Promise.allSettled([scheduler.close(), sns.close(), sqs.close(), sandbox?.close()]);
      for (const c of Object.values(clients)) c.destroy();
      await dynamo.close();
    },
  };
}

/** An SQS trigger that hands each batch to the crm-sync thread and returns its partial batch response. */
function threadHandler(
  worker: Worker,
  log: Log,
): (event: { Records: SqsEventRecord[] }) => Promise<SqsBatchResponse> {
  const pending = new Map<number, { resolve(r: SqsBatchResponse): void; reject(e: Error): void }>();
  let next = 0;
  worker.on('message', (m: SyncThreadMessage) => {
    if (m.kind === 'log') log[m.level](m.message, m.data);
    if (m.kind !== 'done') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.response ?? { batchItemFailures: [] });
  });
  worker.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  return (event) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'batch', id, event } satisfies SyncThreadMessage);
    });
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
/**
 * Stands in for the Slack channel: AWS Chatbot (Amazon Q Developer in chat applications) subscribes to the
 * topic over HTTPS and gets each message's `https` body, the custom-notification JSON; locally it is printed.
 */
function subscribeChat(sns: SnsEmulator, topicArn: string, log: Log | undefined): void {
  sns.subscribe(topicArn, {
    protocol: 'https',
    endpoint: 'https://global.sns-api.chatbot.amazonaws.com',
    onMessage: (d) => {
      try {
        const n = JSON.parse(d.message) as { content?: { title?: string; keywords?: string[] } };
        log?.info(`slack: ${n.content?.title ?? '(no title)'}`, { keywords: n.content?.keywords });
      } catch {
        log?.warn('slack: a message not in the custom-notification format', { messageId: d.messageId });
      }
    },
  });
}

function subscribeManagers(sns: SnsEmulator, topicArn: string, policy: Policy): void {
  for (const sub of subscriptionsOf(policy)) {
    sns.subscribe(topicArn, {
      protocol: sub.protocol,
      endpoint: sub.endpoint,
      filterPolicy: JSON.stringify(sub.filterPolicy),
    });
  }
}
