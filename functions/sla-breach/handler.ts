/**
 * sla-breach. The timer queue's SQS event source delivers timers in batches (`{leadId, attempt}` bodies,
 * sent there by EventBridge Scheduler): one batched HubSpot verification, then each breach escalated; only
 * the failed messages are reported for redelivery. A direct invocation with `{leadId, attempt}` (a schedule
 * armed before the timer queue existed, or a manual run) is handled alone.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  type BreachOutcome,
  handleBreach,
  handleBreachMessages,
  timerInput,
} from '../../shared/app/breach.ts';
import { eventHandler } from '../../shared/http/chain.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/wiring/notifier.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';
import { schedulerTimers } from '../../shared/wiring/timers.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  notifier: snsNotifier(),
  hubspot: hubspotCrm(),
});

/** Unwrapped handler. A malformed input is logged and dropped: retrying it cannot help. */
export async function breachHandler(event: unknown): Promise<BreachOutcome | SQSBatchResponse> {
  const records = (event as Partial<SQSEvent> | null)?.Records;
  if (Array.isArray(records)) {
    const failed = await handleBreachMessages(
      rt,
      records.map((r) => ({ id: r.messageId, body: r.body })),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  }
  const input = timerInput(JSON.stringify(event ?? null));
  if (!input) {
    rt.log.error('breach timer with a malformed input; dropped', {
      input: JSON.stringify(event).slice(0, 200),
    });
    return { kind: 'noop', reason: 'malformed input' };
  }
  return handleBreach(rt, input);
}

/** The Lambda handler. */
export const handler = eventHandler<unknown, BreachOutcome | SQSBatchResponse>(breachHandler);
