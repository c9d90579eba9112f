/** SQS → HubSpot: batched owner/property updates and tasks, then the rep notification; reports only failed items. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/app/wiring/notifier.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { eventHandler } from '../../shared/http/chain.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), hubspot: hubspotCrm(), notifier: snsNotifier() });

/** Unwrapped handler, for tests and the local runtime. */
export async function syncHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failed = await syncBatch(
    rt,
    event.Records.map((r) => ({
      id: r.messageId,
      body: r.body,
      receiveCount: Number(r.attributes?.ApproximateReceiveCount ?? 1),
    })),
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** The Lambda handler. */
export const handler = eventHandler<SQSEvent, SQSBatchResponse>(syncHandler);
