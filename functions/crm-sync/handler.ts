/** SQS → HubSpot: batched owner/property updates and tasks, then the rep notification; reports only failed items. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import type { Runtime } from '../../shared/app/runtime-types.ts';
import { holdSyncBatch } from '../../shared/app/sync-hold.ts';
import { eventHandler } from '../../shared/http/chain.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/wiring/notifier.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';

/** How often a function without a HubSpot token reads the secret again. */
export const TOKEN_RECHECK_MS = 60_000;

const wire = () =>
  runtimeFromEnv({
    store: dynamoStore(),
    hubspot: hubspotCrm(),
    notifier: snsNotifier(),
    queue: sqsSyncQueue(),
  });
let rt: Runtime = await wire();
let readAt = Date.now();

/** The runtime; without a token, the secret is read again (at most once a minute) until one is there. */
async function runtime(): Promise<Runtime> {
  if (rt.hubspotConfigured === false && Date.now() - readAt >= TOKEN_RECHECK_MS) {
    readAt = Date.now();
    rt = await wire();
  }
  return rt;
}

/** Unwrapped handler, for tests and the local runtime. */
export async function syncHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  const r = await runtime();
  const items = event.Records.map((rec) => ({
    id: rec.messageId,
    body: rec.body,
    receiveCount: Number(rec.attributes?.ApproximateReceiveCount ?? 1),
  }));
  const failed = r.hubspotConfigured === false ? await holdSyncBatch(r, items) : await syncBatch(r, items);
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** The Lambda handler. */
export const handler = eventHandler<SQSEvent, SQSBatchResponse>(syncHandler);
