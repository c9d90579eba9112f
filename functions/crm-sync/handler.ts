/** SQS → HubSpot: batched owner/property updates and tasks, then the rep notification; reports only failed items. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { logger } from '../../shared/app/logging.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/app/wiring/notifier.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';

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
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(syncHandler);
