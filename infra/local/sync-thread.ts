/**
 * crm-sync on its own thread, as it runs in its own Lambda in AWS: the local stack's SQS trigger hands
 * each batch over and gets the partial batch response back (see `syncThread` in the stack options).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Log } from '../../shared/app/ports.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { buildRuntime } from '../../shared/wiring/build.ts';
import { readSettings } from '../../shared/wiring/config.ts';
import { type SyncThreadData, type SyncThreadMessage, syncConsumer } from './sync-consumer.ts';

const port = parentPort as NonNullable<typeof parentPort>;
const data = workerData as SyncThreadData;
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const forward =
  (level: keyof Log) =>
  (message: string, d?: Record<string, unknown>): void =>
    port.postMessage({ kind: 'log', level, message, data: d } satisfies SyncThreadMessage);
const log: Log = {
  debug: forward('debug'),
  info: forward('info'),
  warn: forward('warn'),
  error: forward('error'),
};
const policyPath = data.env.LEADCLOCK_POLICY as string;
const rt = buildRuntime(
  readSettings(data.env, ['store', 'queue', 'notifier', 'hubspot']),
  {
    dynamo: new DynamoDBClient({ endpoint: data.endpoints.dynamo, region: REGION, credentials }),
    scheduler: new SchedulerClient({ endpoint: data.endpoints.scheduler, region: REGION, credentials }),
    sns: new SNSClient({ endpoint: data.endpoints.sns, region: REGION, credentials }),
    sqs: new SQSClient({ endpoint: data.endpoints.sqs, region: REGION, credentials }),
  },
  { hubspotAccessToken: data.env.HUBSPOT_ACCESS_TOKEN, hubspotClientSecrets: [], ingestKeys: [] },
  {
    policy: loadPolicy(readFileSync(policyPath, 'utf8'), policyPath),
    clock: data.fixedNow === undefined ? undefined : { now: () => data.fixedNow as number },
    log,
  },
);
const handle = syncConsumer(rt, data.taskLeaseSeconds);
port.on('message', async (m: SyncThreadMessage) => {
  if (m.kind !== 'batch') return;
  try {
    port.postMessage({ kind: 'done', id: m.id, response: await handle(m.event) } satisfies SyncThreadMessage);
  } catch (e) {
    port.postMessage({ kind: 'done', id: m.id, error: String(e) } satisfies SyncThreadMessage);
  }
});
